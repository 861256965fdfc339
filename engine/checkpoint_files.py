"""Checkpoint files: atomic writes and loads that can neither run code nor crash.

Every checkpoint of the app is a dict with a "kind" string, saved with
torch.save. Writes go to a temporary file in the same folder and are then
renamed over the target, so a crash mid-save leaves the old file intact.
"""

from __future__ import annotations

import io
import logging
import os
import tempfile
import warnings
from pathlib import Path

import torch

log = logging.getLogger(__name__)


class CheckpointError(Exception):
    """A checkpoint that could not be read, or that is not of the expected kind."""


def write_checkpoint(payload: dict, path: str | os.PathLike) -> None:
    """Save `payload` to `path` atomically: a temporary file, fsync, then a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            torch.save(payload, stream)
            stream.flush()
            os.fsync(stream.fileno())
        # mkstemp creates the file readable by its owner only.
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def read_checkpoint(path: str | os.PathLike, kind: str, description: str, version: int) -> dict:
    """Load the checkpoint at `path` on the CPU and check that it is of `kind`.

    weights_only=True means a file cannot run code while it loads, and
    map_location "cpu" lets a checkpoint saved on a GPU load without one.
    Raises CheckpointError with a sentence naming the file and `description`
    (e.g. "classifier checkpoint") for any unreadable or foreign file, or one
    written in a format `version` newer than this program reads.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise CheckpointError(f"{path} could not be read: {error.strerror or error}.") from error
    if not raw:
        raise CheckpointError(f"{path} is empty; expected a {description}.")
    try:
        with warnings.catch_warnings():
            # A foreign pickle makes torch warn about its protocol before failing.
            warnings.simplefilter("ignore")
            payload = torch.load(io.BytesIO(raw), map_location="cpu", weights_only=True)
    except Exception as error:  # noqa: BLE001 - arbitrary bytes fail in many ways, all meaning "bad file"
        # torch's own message is long and suggests weights_only=False, which
        # would let the file run code: keep it out of the user's sight.
        log.debug("torch.load(%s) failed: %s", path, error)
        raise CheckpointError(
            f"{path} is not a readable PyTorch checkpoint: it is truncated, corrupt "
            "or another kind of file."
        ) from error
    if not isinstance(payload, dict) or payload.get("kind") != kind:
        raise CheckpointError(f"{path} is not a Digit Playground {description}.")
    if payload.get("version", 0) > version:
        raise CheckpointError(
            f"{path} is a {description} of format version {payload['version']}, newer than "
            f"this program's {version}: update Digit Playground to read it."
        )
    return payload
