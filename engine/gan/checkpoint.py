"""Save and load GAN training runs, atomically and without running code.

A checkpoint contains everything needed to continue a run: both networks,
G's weight average if the run keeps one, both Adam states, the step count,
the fixed noise and the state of the run's random generator. The training
images are not saved.
"""

from __future__ import annotations

import logging
import os
from dataclasses import fields

import numpy as np
import torch

from engine.checkpoint_files import CheckpointError, write_checkpoint
from engine.checkpoint_files import read_checkpoint as read_checkpoint_file
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
    payload = {"kind": CHECKPOINT_KIND, "version": CHECKPOINT_VERSION,
               "metadata": dict(metadata or {}), **job.state_dict()}
    write_checkpoint(payload, path)
    log.debug("saved GAN checkpoint %s at step %d", path, payload["step"])


def read_checkpoint(path: str | os.PathLike) -> dict:
    """Read and check a GAN checkpoint on the CPU; raise CheckpointError with a sentence."""
    return read_checkpoint_file(path, CHECKPOINT_KIND, "GAN checkpoint", CHECKPOINT_VERSION)


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

