"""Digit Playground's window, panels and command line (PySide6, pyqtgraph)."""
