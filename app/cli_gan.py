"""`digit-playground train gan`: train a GAN headless and judge its samples."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

DEFAULT_STEPS = 3000
JUDGED_SAMPLES = 1000


def run_train_gan(args: argparse.Namespace) -> int:
    """Train, write grid.png and gan.pt to --out, and print the judgement as the last line."""
    from app.cli import fail
    from app.gan_export import save_grid_png
    from engine.classifier import CheckpointError
    from engine.data import DataError, load_digits
    from engine.gan.checkpoint import save_checkpoint
    from engine.gan.config import GanConfig
    from engine.gan.judge import Judge
    from engine.gan.training import GanTraining, training_images
    from engine.userdata import autosave_path

    try:
        data = load_digits(args.data_dir)
        judge = Judge.from_checkpoint()
    except (DataError, CheckpointError) as error:
        return fail(str(error))
    if args.limit:
        data = data.subset(args.limit, 0)
    steps = DEFAULT_STEPS if args.steps is None else args.steps
    config = GanConfig(steps=steps, batch_size=args.batch_size, seed=args.seed, judge_samples=0)
    try:
        job = GanTraining(training_images(data), config)
    except ValueError as error:
        return fail(str(error))

    started = time.perf_counter()
    problem = train(job)
    if problem:
        return fail(problem)
    seconds = time.perf_counter() - started

    out = Path(args.out) if args.out else autosave_path("gan")
    try:
        grid = save_grid_png(out / "grid.png", job.grid())
        checkpoint = out / "gan.pt"
        save_checkpoint(job, checkpoint, {"data": data.source, "images": len(job.images)})
    except OSError as error:
        return fail(f"could not write to {out}: {error}")
    judgement = judge.judge(generate_samples(job, JUDGED_SAMPLES), job.step_count)
    print(f"trained {job.step_count} steps in {seconds:.1f} s "
          f"({1000 * seconds / max(1, job.step_count):.1f} ms per step)")
    print(f"saved {grid} and {checkpoint}")
    print(judgement.verdict)
    print(judgement.summary_line())
    return 0


def train(job) -> str | None:
    """Step `job` to its end under a progress bar; return a pause reason, if any."""
    from tqdm import tqdm

    from engine.events import Metrics, Paused
    from engine.gan.judge import DiscriminatorWatch

    watch = DiscriminatorWatch()
    warned = False
    with tqdm(total=job.config.steps, unit="step", file=sys.stderr) as bar:
        while not job.finished:
            for event in job.step():
                if isinstance(event, Paused):
                    return event.reason
                if isinstance(event, Metrics):
                    warning = watch.update(event.values["d_fake"])
                    if warning and not warned:
                        bar.write(warning)
                    warned = warned or warning is not None
                    if event.step % 10 == 0:
                        bar.set_postfix(d_loss=f"{event.values['d_loss']:.3f}",
                                        g_loss=f"{event.values['g_loss']:.3f}")
            bar.update(1)
    return None


def generate_samples(job, count: int):
    """Return `count` samples (count, 28, 28) from the run's sampling generator."""
    from engine.gan.sampling import generate

    return generate(job.sampler, job.noise(count))
