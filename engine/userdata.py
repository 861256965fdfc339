"""Per-user folders for autosaved checkpoints and caches."""

from __future__ import annotations

import os
from pathlib import Path


def data_dir() -> Path:
    """Return the per-user data folder, honouring XDG_DATA_HOME."""
    root = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(root) / "digit-playground"


def autosave_path(name: str) -> Path:
    """Return the path of the autosaved file `name` in the user data folder."""
    return data_dir() / name
