"""Save and load GAN training runs, atomically and without running code.

A checkpoint contains everything needed to continue a run: both networks,
G's weight average if the run keeps one, both Adam states, the step count,
the fixed noise and the state of the run's random generator. The training
images are not saved.
"""

from __future__ import annotations

import io
import logging
import os
import pickle
import tempfile
import zipfile
from dataclasses import fields
from pathlib import Path

import numpy as np
import torch

from engine.classifier import CheckpointError
from engine.gan.config import GanConfig
from engine.gan.judge import Judge
from engine.gan.training import GanTraining

log = logging.getLogger(__name__)

CHECKPOINT_KIND = "digit-playground/gan"
CHECKPOINT_VERSION = 1


def save_checkpoint(
    job: GanTraining, path: str | os.PathLike, metadata: dict | None = None
) -> None:
    """Write `job` to `path` atomically: a temporary file in the same folder, then a rename.

    Safe to call from another thread while the job trains: it waits for the
    step in progress and copies the state under the job's lock.
    """
    path = Path(path)
    payload = {"kind": CHECKPOINT_KIND, "version": CHECKPOINT_VERSION,
               "metadata": dict(metadata or {}), **job.state_dict()}
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            torch.save(payload, stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    log.debug("saved GAN checkpoint %s at step %d", path, payload["step"])


def read_checkpoint(path: str | os.PathLike) -> dict:
    """Read and check a GAN checkpoint on the CPU; raise CheckpointError with a sentence.

    weights_only=True means a file cannot run code while it loads, and
    map_location "cpu" lets a checkpoint saved on a GPU load without one.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise CheckpointError(f"{path} could not be read: {error.strerror or error}.") from error
    if not raw:
        raise CheckpointError(f"{path} is empty; expected a GAN checkpoint.")
    try:
        payload = torch.load(io.BytesIO(raw), map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, zipfile.BadZipFile, RuntimeError, EOFError,
            ValueError) as error:
        raise CheckpointError(
            f"{path} is not a readable PyTorch checkpoint (truncated or corrupt?): {error}"
        ) from error
    if not isinstance(payload, dict) or payload.get("kind") != CHECKPOINT_KIND:
        raise CheckpointError(f"{path} is not a Digit Playground GAN checkpoint.")
    if payload.get("version") != CHECKPOINT_VERSION:
        raise CheckpointError(
            f"{path} is a GAN checkpoint of version {payload.get('version')}; "
            f"this program reads version {CHECKPOINT_VERSION}."
        )
    return payload


def load_checkpoint(
    path: str | os.PathLike,
    images: np.ndarray,
    judge: Judge | None = None,
    device: str | torch.device = "cpu",
) -> GanTraining:
    """Return a new run on `images` that continues from the checkpoint at `path`.

    Raises CheckpointError if the file is unreadable or does not fit; nothing
    else changes then, so a caller keeps its current run.
    """
    payload = read_checkpoint(path)
    try:
        known = {f.name for f in fields(GanConfig)}
        config = GanConfig(**{k: v for k, v in payload["config"].items() if k in known})
        job = GanTraining(images, config, judge, device)
        job.load_state_dict(payload)
    except (KeyError, TypeError, ValueError, RuntimeError) as error:
        raise CheckpointError(f"{path} does not match the GAN's layout: {error}") from error
    return job

