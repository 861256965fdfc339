"""The Descent panel: optimisers rolling down 1-D curves and 2-D loss surfaces.

Three views share the panel as tabs: a typed curve f(x), surfaces with the
torch.optim optimisers side by side, and full-batch against stochastic
gradient descent on a two-parameter fit.

Every view steps its runs on the GUI thread from a QTimer, not on the engine
worker. A step is one autograd backward and one torch.optim update on one or
two parameters, which took about 0.1 to 0.4 ms on a shared two-core machine.
Each timer tick stops stepping after about 12 ms. So the window stays
responsive, and pause, single-step and reset act at once without a thread.
"""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from app.descent_line_view import LineView
from app.descent_stochastic_view import StochasticView
from app.descent_surface_view import SurfaceView


class DescentPanel(QWidget):
    """Tabs for the 1-D, 2-D and stochastic views; only the visible one plays."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.line_view = LineView()
        self.surface_view = SurfaceView()
        self.stochastic_view = StochasticView()
        self.views = QTabWidget()
        self.views.addTab(self.line_view, "1-D: f(x)")
        self.views.addTab(self.surface_view, "2-D: surfaces")
        self.views.addTab(self.stochastic_view, "stochastic")
        self.views.setTabToolTip(0, "Gradient descent on a function of x that you type")
        self.views.setTabToolTip(1, "Optimisers side by side on a loss surface")
        self.views.setTabToolTip(2, "Full-batch, SGD and mini-batch descent on a line fit")
        self.views.currentChanged.connect(self._view_changed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.views)

    def show_view(self, index: int) -> None:
        self.views.setCurrentIndex(index)

    @Slot(int)
    def _view_changed(self, index: int) -> None:
        # A hidden view's timer would keep stepping and redrawing for nothing.
        for position, view in enumerate((self.line_view, self.surface_view,
                                         self.stochastic_view)):
            if position != index:
                view.player.pause()

    def hideEvent(self, event) -> None:
        for view in (self.line_view, self.surface_view, self.stochastic_view):
            view.player.pause()
        super().hideEvent(event)
