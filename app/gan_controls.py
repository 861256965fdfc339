"""The GAN panel's settings form: builds a GanConfig and reports live changes."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QSpinBox,
    QWidget,
)

from engine.gan.config import AVERAGE_DECAY, GanConfig

MODEL_NAMES = {"dcgan": "DCGAN (convolutional)", "mlp": "Fully connected (original GAN)"}
INIT_NAMES = {"normal": "Normal N(0, 0.02) (DCGAN)", "xavier": "Xavier/Glorot uniform",
              "default": "PyTorch default"}
LOSS_NAMES = {"non-saturating": "Non-saturating BCE", "minimax": "Minimax BCE (original)",
              "hinge": "Hinge"}


def combo(options: dict[str, str], tooltip: str) -> QComboBox:
    box = QComboBox()
    for key, label in options.items():
        box.addItem(label, key)
    box.setToolTip(tooltip)
    return box


def rate_box(tooltip: str) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setDecimals(5)
    box.setRange(1e-5, 0.1)
    box.setSingleStep(5e-5)
    box.setToolTip(tooltip)
    return box


def fraction_box(upper: float, step: float, tooltip: str) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setDecimals(3)
    box.setRange(0.0, upper)
    box.setSingleStep(step)
    box.setToolTip(tooltip)
    return box


def count_box(lower: int, upper: int, tooltip: str) -> QSpinBox:
    box = QSpinBox()
    box.setRange(lower, upper)
    box.setToolTip(tooltip)
    return box


class GanControls(QWidget):
    """Every GAN setting; `setting_changed(name, value)` fires for those that apply live.

    Model, initialisation, latent size, seed and the three stabilising options
    shape the networks, so they apply on reset.
    """

    setting_changed = Signal(str, object)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._make_boxes()
        self._make_checks()
        self._build_layout()
        self.set_config(GanConfig())
        self._connect_live()

    def _make_boxes(self) -> None:
        live = " Applies between two steps."
        reset = " Applies on reset."
        self.model = combo(MODEL_NAMES, "Network family: DCGAN's strided convolutions, or the "
                           "fully connected pair of the 2014 GAN paper." + reset)
        self.init = combo(INIT_NAMES, "How conv and linear weights start (torch.nn.init)." + reset)
        self.latent_size = count_box(2, 256, "Length of the noise vector z fed to G." + reset)
        self.batch_size = count_box(2, 512, "Real and generated images per D update." + live)
        self.lr_d = rate_box("Adam learning rate of the discriminator D." + live)
        self.lr_g = rate_box("Adam learning rate of the generator G." + live)
        self.beta1 = fraction_box(0.999, 0.05, "Adam's beta1, the momentum of the gradient "
                                  "average; GANs often use 0.5 or 0." + live)
        self.beta2 = fraction_box(0.9999, 0.001, "Adam's beta2, the decay of the squared-gradient "
                                  "average." + live)
        self.d_steps = count_box(1, 10, "D updates per G update." + live)
        self.label_smoothing = fraction_box(0.5, 0.05, "One-sided label smoothing: real images "
                                            "get the target 1 minus this, fakes keep 0." + live)
        self.loss = combo(LOSS_NAMES, "The game's losses. Non-saturating: G minimises "
                          "-log D(G(z)). "
                          "Minimax: G minimises log(1 - D(G(z))), which stalls while D wins. "
                          "Both use BCE on D's logits. Hinge: D minimises max(0, 1 - l(x)) + "
                          "max(0, 1 + l(G(z))) on its logits l, G minimises -l(G(z)), and label "
                          "smoothing is ignored." + live)
        self.seed = count_box(0, 2**31 - 1, "Seed of weights, noise and batch order." + reset)
        self.steps = count_box(1, 1_000_000, "Steps to train before stopping; Play after the "
                               "end trains this many more." + live)

    def _make_checks(self) -> None:
        reset = " Applies on reset."
        self.spectral_norm = QCheckBox("Spectral norm in D")
        self.spectral_norm.setToolTip("Bound each D layer's largest singular value by 1 "
                                      "(Miyato et al., 2018). Off, D uses batch norm as in "
                                      "DCGAN." + reset)
        self.minibatch_std = QCheckBox("Minibatch std in D")
        self.minibatch_std.setToolTip("Give D the batch's feature spread so it can spot "
                                      "near-identical fakes (Karras et al., 2018)." + reset)
        self.average = QCheckBox("Sample from averaged G")
        self.average.setToolTip("Draw samples from an exponential moving average of G's weights "
                                f"(decay {AVERAGE_DECAY}) instead of the last step's "
                                "weights." + reset)

    def _build_layout(self) -> None:
        form = QFormLayout(self)
        form.addRow("Model", self.model)
        form.addRow("Initialisation", self.init)
        form.addRow("Latent size", self.latent_size)
        form.addRow("Batch size", self.batch_size)
        form.addRow("D learning rate", self.lr_d)
        form.addRow("G learning rate", self.lr_g)
        betas = QHBoxLayout()
        betas.addWidget(self.beta1)
        betas.addWidget(self.beta2)
        form.addRow("Adam betas", betas)
        form.addRow("D steps per G step", self.d_steps)
        form.addRow("Label smoothing", self.label_smoothing)
        form.addRow("Loss", self.loss)
        form.addRow("Seed", self.seed)
        form.addRow("Steps", self.steps)
        form.addRow(self.spectral_norm)
        form.addRow(self.minibatch_std)
        form.addRow(self.average)

    def _connect_live(self) -> None:
        self.lr_d.valueChanged.connect(lambda v: self.setting_changed.emit("lr_d", v))
        self.lr_g.valueChanged.connect(lambda v: self.setting_changed.emit("lr_g", v))
        self.beta1.valueChanged.connect(self._emit_betas)
        self.beta2.valueChanged.connect(self._emit_betas)
        self.d_steps.valueChanged.connect(lambda v: self.setting_changed.emit("d_steps", v))
        self.batch_size.valueChanged.connect(lambda v: self.setting_changed.emit("batch_size", v))
        self.label_smoothing.valueChanged.connect(
            lambda v: self.setting_changed.emit("label_smoothing", v))
        self.loss.currentIndexChanged.connect(
            lambda _: self.setting_changed.emit("loss", self.loss.currentData()))

    @Slot()
    def _emit_betas(self) -> None:
        self.setting_changed.emit("betas", (self.beta1.value(), self.beta2.value()))

    def config(self, base: GanConfig | None = None) -> GanConfig:
        """Return `base` (default: GanConfig()) with the form's settings; not yet validated."""
        return replace(
            base or GanConfig(),
            model=self.model.currentData(), init=self.init.currentData(),
            latent_size=self.latent_size.value(), batch_size=self.batch_size.value(),
            lr_d=self.lr_d.value(), lr_g=self.lr_g.value(),
            betas=(self.beta1.value(), self.beta2.value()), d_steps=self.d_steps.value(),
            loss=self.loss.currentData(), label_smoothing=self.label_smoothing.value(),
            spectral_norm=self.spectral_norm.isChecked(),
            minibatch_std=self.minibatch_std.isChecked(),
            ema_decay=AVERAGE_DECAY if self.average.isChecked() else 0.0,
            steps=self.steps.value(), seed=self.seed.value(),
        )

    def set_config(self, config: GanConfig) -> None:
        """Show `config` without sending `setting_changed`."""
        self.blockSignals(True)
        for box, key in ((self.model, config.model), (self.init, config.init),
                         (self.loss, config.loss)):
            box.blockSignals(True)
            box.setCurrentIndex(box.findData(key))
            box.blockSignals(False)
        values = (
            (self.latent_size, config.latent_size), (self.batch_size, config.batch_size),
            (self.lr_d, config.lr_d), (self.lr_g, config.lr_g),
            (self.beta1, config.betas[0]), (self.beta2, config.betas[1]),
            (self.d_steps, config.d_steps), (self.label_smoothing, config.label_smoothing),
            (self.seed, config.seed), (self.steps, config.steps),
        )
        for box, value in values:
            box.blockSignals(True)
            box.setValue(value)
            box.blockSignals(False)
        self.spectral_norm.setChecked(config.spectral_norm)
        self.minibatch_std.setChecked(config.minibatch_std)
        self.average.setChecked(config.ema_decay > 0)
        self.blockSignals(False)
