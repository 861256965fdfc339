"""The GAN engine without Qt: steps, losses, judge, checkpoints and the CLI."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from app.cli import main
from engine.classifier import CheckpointError
from engine.events import Finished, Images, Metrics, Paused, Snapshot
from engine.gan.checkpoint import load_checkpoint, save_checkpoint
from engine.gan.config import GanConfig
from engine.gan.judge import DiscriminatorWatch, Judge, Judgement, judge_probabilities
from engine.gan.losses import LOSSES, discriminator_loss, generator_loss
from engine.gan.models import INITIALIZATIONS, build_models
from engine.gan.sampling import GeneratorCopy, slerp
from engine.gan.training import GanTraining


def tiny_config(**overrides) -> GanConfig:
    """A config small enough for a step in milliseconds."""
    values = dict(width=8, latent_size=8, batch_size=16, steps=6, grid_every=2,
                  judge_every=3, judge_samples=40)
    values.update(overrides)
    return GanConfig(**values)


@pytest.fixture(scope="module")
def judge():
    return Judge.from_checkpoint()


@pytest.fixture
def images(tiny_digits):
    return tiny_digits.train_images


def weights(model: torch.nn.Module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in model.parameters()]


def changed(before: list[torch.Tensor], model: torch.nn.Module) -> bool:
    return any(not torch.equal(a, b) for a, b in zip(before, model.parameters()))


@pytest.mark.parametrize("model", ["dcgan", "mlp"])
def test_step_updates_both_networks(images, model):
    job = GanTraining(images, tiny_config(model=model))
    generator, discriminator = weights(job.generator), weights(job.discriminator)
    events = job.step()
    assert changed(generator, job.generator)
    assert changed(discriminator, job.discriminator)
    metrics = next(e for e in events if isinstance(e, Metrics))
    assert set(metrics.values) == {"d_loss", "g_loss", "d_real", "d_fake"}
    assert all(math.isfinite(v) for v in metrics.values.values())


def test_same_seed_same_grid(images):
    first, second = GanTraining(images, tiny_config()), GanTraining(images, tiny_config())
    for _ in range(3):
        first.step()
        second.step()
    np.testing.assert_array_equal(first.grid(), second.grid())


def test_other_seed_other_grid(images):
    first, second = GanTraining(images, tiny_config()), GanTraining(images, tiny_config(seed=1))
    assert not np.array_equal(first.grid(), second.grid())


def test_grid_events_and_finish(images, judge):
    job = GanTraining(images, tiny_config(), judge)
    events = []
    while not job.finished:
        events += job.step()
    grids = [e for e in events if isinstance(e, Images) and e.name == "grid"]
    assert [g.labels["step"] for g in grids] == [2, 4, 6]
    assert grids[0].images.shape == (64, 28, 28)
    assert grids[0].images.min() >= 0.0
    assert grids[0].images.max() <= 1.0
    assert sum(isinstance(e, Snapshot) for e in events) == 3
    assert [e.step for e in events if isinstance(e, Judgement)] == [3, 6]
    assert isinstance(events[-1], Finished)
    assert events[-1].summary["steps"] == 6


def test_non_finite_loss_pauses(images):
    job = GanTraining(images, tiny_config())
    with torch.no_grad():
        next(job.discriminator.parameters()).fill_(float("nan"))
    generator = weights(job.generator)
    events = job.step()
    assert len(events) == 1
    assert isinstance(events[0], Paused)
    assert "nan" in events[0].reason
    assert "learning rate" in events[0].reason
    assert job.step_count == 0
    assert not changed(generator, job.generator)


@pytest.mark.parametrize("loss", LOSSES)
def test_each_loss_trains(images, loss):
    job = GanTraining(images, tiny_config(loss=loss, d_steps=2))
    generator = weights(job.generator)
    metrics = next(e for e in job.step() if isinstance(e, Metrics))
    assert math.isfinite(metrics.values["d_loss"])
    assert math.isfinite(metrics.values["g_loss"])
    assert changed(generator, job.generator)


def test_bce_losses_match_formulas():
    real, fake = torch.tensor([2.0, -0.5]), torch.tensor([-1.0, 0.3])
    d_real, d_fake = torch.sigmoid(real), torch.sigmoid(fake)
    target = 0.9
    expected_d = -(target * torch.log(d_real) + (1 - target) * torch.log(1 - d_real)).mean()
    expected_d += -torch.log(1 - d_fake).mean()
    actual_d = discriminator_loss(real, fake, "non-saturating", target)
    assert torch.allclose(actual_d, expected_d, atol=1e-6)
    non_saturating = generator_loss(fake, "non-saturating")
    assert torch.allclose(non_saturating, -torch.log(d_fake).mean(), atol=1e-6)
    assert torch.allclose(generator_loss(fake, "minimax"), torch.log(1 - d_fake).mean(), atol=1e-6)


def test_hinge_loss_matches_formula():
    real, fake = torch.tensor([2.0, 0.5]), torch.tensor([-2.0, 0.3])
    expected = F.relu(1 - real).mean() + F.relu(1 + fake).mean()
    assert torch.allclose(discriminator_loss(real, fake, "hinge", 0.9), expected)
    assert torch.allclose(generator_loss(fake, "hinge"), -fake.mean())


@pytest.mark.parametrize("loss", ["non-saturating", "minimax"])
def test_losses_finite_at_extreme_logits(loss):
    logits = torch.tensor([-200.0, 200.0], requires_grad=True)
    value = discriminator_loss(logits, -logits, loss, 1.0) + generator_loss(logits, loss)
    value.backward()
    assert torch.isfinite(value)
    assert torch.isfinite(logits.grad).all()


def test_live_settings_apply(images):
    job = GanTraining(images, tiny_config())
    job.set_hyperparameter("lr_d", 1e-3)
    job.set_hyperparameter("betas", (0.0, 0.9))
    job.set_hyperparameter("loss", "hinge")
    job.set_hyperparameter("d_steps", 2)
    assert job.optimizer_d.param_groups[0]["lr"] == 1e-3
    assert job.optimizer_g.param_groups[0]["betas"] == (0.0, 0.9)
    assert job.config.loss == "hinge"
    assert job.config.d_steps == 2


@pytest.mark.parametrize(
    ("name", "value"),
    [("latent_size", 16), ("lr_g", -1.0), ("loss", "wasserstein"), ("label_smoothing", 0.7),
     ("betas", (0.5,)), ("d_steps", 0)],
)
def test_invalid_setting_raises(images, name, value):
    job = GanTraining(images, tiny_config())
    with pytest.raises(ValueError):
        job.set_hyperparameter(name, value)


@pytest.mark.parametrize("init", INITIALIZATIONS)
def test_initializations_build(init):
    generator, discriminator = build_models("dcgan", 8, 8, init)
    logits = discriminator(generator(torch.randn(4, 8)))
    assert logits.shape == (4,)


def test_generator_output_in_tanh_range():
    generator, _ = build_models("mlp", 8, 8, "xavier")
    samples = generator(torch.randn(32, 8) * 10)
    assert samples.shape == (32, 1, 28, 28)
    assert samples.abs().max() <= 1.0


def test_judge_reads_real_digits(judge, digits):
    judgement = judge.judge(digits.test_images)
    assert judgement.classes == 10
    assert judgement.confidence > 0.95
    assert judgement.entropy > 0.95
    assert "10 of 10" in judgement.verdict


def test_judge_detects_collapse(judge, digits):
    seven = digits.test_images[digits.test_labels == 7][0]
    judgement = judge.judge(np.repeat(seven[None], 200, axis=0))
    assert judgement.classes == 1
    assert judgement.entropy == 0.0
    assert judgement.verdict.startswith("Mode collapse")
    assert "7" in judgement.verdict


def test_judge_counts_classes_at_two_percent():
    labels = np.array([0] * 90 + [1] * 9 + [2] * 1)
    judgement = judge_probabilities(np.eye(10)[labels] * 0.8 + 0.02)
    assert judgement.classes == 2
    assert judgement.confidence == pytest.approx(0.82)
    expected = f"classes=2 confidence=0.8200 entropy={judgement.entropy:.4f}"
    assert judgement.summary_line() == expected


def test_watch_names_winning_discriminator():
    watch = DiscriminatorWatch(steps=3)
    messages = [watch.update(v) for v in (0.01, 0.01, 0.5, 0.01, 0.01, 0.01)]
    assert messages[:5] == [None] * 5
    assert "winning" in messages[5]


def test_slerp_ends_at_endpoints():
    start, end = torch.randn(8), torch.randn(8)
    path = slerp(start, end, 5)
    assert path.shape == (5, 8)
    assert torch.allclose(path[0], start, atol=1e-5)
    assert torch.allclose(path[-1], end, atol=1e-5)


@pytest.mark.parametrize("average", [0.0, 0.999])
def test_generator_copy_matches_snapshot(images, average):
    job = GanTraining(images, tiny_config(ema_decay=average))
    job.step()
    copy = GeneratorCopy(job.snapshot().config, job.snapshot().state_dict)
    np.testing.assert_allclose(copy.generate(job.fixed_noise), job.grid(), atol=1e-6)


@pytest.mark.parametrize(("spectral", "average"), [(False, 0.0), (True, 0.999)])
def test_checkpoint_resumes_exactly(images, tmp_path, spectral, average):
    original = GanTraining(images, tiny_config(spectral_norm=spectral, ema_decay=average))
    for _ in range(2):
        original.step()
    save_checkpoint(original, tmp_path / "gan.pt")
    resumed = load_checkpoint(tmp_path / "gan.pt", images)
    for _ in range(2):
        original.step()
        resumed.step()
    assert resumed.step_count == 4
    np.testing.assert_array_equal(resumed.grid(), original.grid())


@pytest.mark.parametrize("content", [b"", b"not a checkpoint", None])
def test_bad_checkpoint_raises(tmp_path, images, content):
    path = tmp_path / "bad.pt"
    if content is None:
        torch.save({"kind": "something else"}, path)
    else:
        path.write_bytes(content)
    with pytest.raises(CheckpointError):
        load_checkpoint(path, images)


def test_checkpoint_write_leaves_no_temporary(tmp_path, images):
    save_checkpoint(GanTraining(images, tiny_config()), tmp_path / "gan.pt")
    assert [p.name for p in tmp_path.iterdir()] == ["gan.pt"]


def test_cli_train_gan(tmp_path, capsys):
    out = tmp_path / "run"
    status = main(["train", "gan", "--steps", "3", "--limit", "200", "--out", str(out)])
    lines = capsys.readouterr().out.strip().splitlines()
    assert status == 0
    assert re.fullmatch(r"classes=\d+ confidence=\d\.\d+ entropy=\d\.\d+", lines[-1])
    with Image.open(out / "grid.png") as picture:
        assert picture.size == (476, 476)
    assert load_checkpoint(out / "gan.pt", np.zeros((1, 28, 28), np.float32)).step_count == 3
