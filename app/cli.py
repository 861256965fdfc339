"""The `digit-playground` command: the window, or the same work headless."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import tempfile
from pathlib import Path

from app import cli_descend, cli_init

log = logging.getLogger(__name__)

PANEL_KEYS = ("draw", "gan", "descent", "init")
MAX_SCREENSHOT_SIDE = 8000


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="digit-playground",
        description="Learn how neural networks learn by touching them. "
        "Without a command, opens the window.",
    )
    parser.add_argument("--data-dir", type=Path, help="folder with MNIST IDX files to use "
                        "instead of the default 5,000 digits")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    predict = commands.add_parser("predict", help="read digits from image files")
    predict.add_argument("images", nargs="+", type=Path, metavar="IMAGE",
                         help="PNG or JPEG drawings of one digit each, any size or polarity")
    predict.add_argument("--json", action="store_true", help="print one JSON object per line")
    predict.add_argument("--checkpoint", type=Path, help="classifier checkpoint (default: shipped)")
    predict.set_defaults(run=run_predict)

    train = commands.add_parser("train", help="train a model headless")
    train.add_argument("model", choices=["cnn", "gan"], help="which model to train")
    train.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS,
                       help="folder with MNIST IDX files (default: the 5,000 shipped digits)")
    train.add_argument("--epochs", type=int, help="passes over the training set (cnn; default 30)")
    train.add_argument("--steps", type=int, help="D+G updates to run (gan; default 3000)")
    train.add_argument("--batch-size", type=int, default=64, help="digits per step (default 64)")
    train.add_argument("--lr", type=float, help="peak learning rate (cnn; default 0.003)")
    train.add_argument("--optimizer", choices=["adam", "sgd", "momentum", "adadelta"],
                       help="torch.optim optimiser (cnn; default adam)")
    train.add_argument("--no-augment", action="store_true",
                       help="train on the digits as they are (cnn)")
    train.add_argument("--limit", type=positive_int, help="use only the first N training digits")
    train.add_argument("--seed", type=int, default=0, help="random seed")
    train.add_argument("--out", type=Path, help="cnn: checkpoint to write (default: cnn.pt in "
                       "the user data folder); gan: folder for grid.png and gan.pt "
                       "(default: gan/ in the user data folder)")
    train.set_defaults(run=run_train)

    screenshot = commands.add_parser("screenshot", help="render the window to a PNG offscreen")
    screenshot.add_argument("file", type=Path, help="PNG file to write")
    screenshot.add_argument("--panel", default="draw", choices=PANEL_KEYS,
                            help="panel to show (default: draw)")
    screenshot.add_argument("--size", default="1280x860",
                            help="window size WIDTHxHEIGHT in pixels (default: 1280x860; "
                            "the window does not shrink below its minimum size)")
    screenshot.add_argument("--blank", action="store_true", help="leave the canvas empty")
    screenshot.set_defaults(run=run_screenshot)
    cli_descend.add_parser(commands)
    cli_init.add_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    run = getattr(args, "run", run_window)
    try:
        return run(args)
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader (e.g. `head`) went away: stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


def positive_int(text: str) -> int:
    """Parse an argparse value that must be a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def fail(message: str) -> int:
    print(f"digit-playground: {message}", file=sys.stderr)
    return 2


def run_predict(args: argparse.Namespace) -> int:
    from engine.classifier import CheckpointError
    from engine.predictor import Predictor
    from engine.preprocess import ImageReadError, read_image

    try:
        predictor = Predictor.from_checkpoint(args.checkpoint)
    except CheckpointError as error:
        return fail(str(error))
    status = 0
    for path in args.images:
        try:
            grey = read_image(path)
        except ImageReadError as error:
            print(f"digit-playground: {error}", file=sys.stderr)
            status = 1
            continue
        prediction = predictor.predict(grey)
        print(format_prediction(path, prediction, args.json), flush=True)
    return status


def format_prediction(path: Path, prediction, as_json: bool) -> str:
    if as_json:
        record = {"file": str(path), "digit": None, "probabilities": None}
        if prediction is None:
            record["message"] = "blank image: no ink found"
        else:
            record["digit"] = prediction.digit
            record["probabilities"] = [round(float(p), 6) for p in prediction.probabilities]
        return json.dumps(record)
    if prediction is None:
        return f"{path}: no digit (blank image: no ink found)"
    return f"{path}: {prediction.digit} (probability {prediction.confidence:.3f})"


def run_train(args: argparse.Namespace) -> int:
    cnn_only = {"--epochs": args.epochs, "--lr": args.lr, "--optimizer": args.optimizer,
                "--no-augment": args.no_augment or None}
    if args.model == "gan" and any(value is not None for value in cnn_only.values()):
        options = ", ".join(name for name, value in cnn_only.items() if value is not None)
        return fail(f"{options} only apply to 'train cnn'; 'train gan' uses the GAN's own "
                    "optimisers and learning rates.")
    if args.model == "cnn" and args.steps is not None:
        return fail("--steps only applies to 'train gan'; use --epochs for the classifier.")
    if args.model == "gan":
        from app.cli_gan import run_train_gan

        return run_train_gan(args)
    from tqdm import tqdm

    from engine.classifier import save_checkpoint
    from engine.data import DataError, load_digits
    from engine.events import Finished, Metrics, Paused
    from engine.training import ClassifierTraining, TrainConfig
    from engine.userdata import autosave_path

    try:
        data = load_digits(args.data_dir)
    except DataError as error:
        return fail(str(error))
    if args.limit:
        data = data.subset(args.limit)
    defaults = TrainConfig()
    config = TrainConfig(epochs=defaults.epochs if args.epochs is None else args.epochs, batch_size=args.batch_size,
                         learning_rate=defaults.learning_rate if args.lr is None else args.lr,
                         optimizer=args.optimizer or defaults.optimizer,
                         augment=not args.no_augment, seed=args.seed)
    try:
        job = ClassifierTraining(data, config)
    except ValueError as error:
        return fail(str(error))

    out = args.out or autosave_path("cnn.pt")
    problem = unwritable_reason(out, create_folder=args.out is None)
    if problem:
        return fail(problem)
    with tqdm(total=job.total_steps, unit="step", file=sys.stderr) as bar:
        while not job.finished:
            for event in job.step():
                if isinstance(event, Metrics) and event.epoch is not None:
                    bar.set_postfix(test_acc=f"{event.values['test_accuracy']:.4f}")
                elif isinstance(event, Paused):
                    bar.close()
                    return fail(event.reason)
                elif isinstance(event, Finished):
                    break
            bar.update(1)

    metadata = {"data": data.source, "train_size": len(data.train_labels),
                "test_accuracy": job.last_test_accuracy, **job.describe()}
    try:
        save_checkpoint(job.model, out, metadata)
    except OSError as error:
        return fail(f"could not write {out}: {error.strerror or error}.")
    print(f"saved {out}")
    print(f"test accuracy {job.last_test_accuracy:.4f} on {len(data.test_labels)} digits")
    return 0


def unwritable_reason(path: Path, create_folder: bool) -> str | None:
    """Return why `path` cannot be written, or None; checked before long work starts."""
    if path.is_dir():
        return f"{path} is a folder; give a file name for the checkpoint."
    if create_folder:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            return f"could not create the folder {path.parent}: {error.strerror or error}."
    if not path.parent.is_dir():
        return f"the folder {path.parent} does not exist."
    try:
        tempfile.TemporaryFile(dir=path.parent).close()
    except OSError as error:
        return f"cannot write in {path.parent}: {error.strerror or error}."
    return None


def run_screenshot(args: argparse.Namespace) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    try:
        width, height = (int(v) for v in args.size.lower().split("x"))
    except ValueError:
        return fail(f"invalid --size {args.size!r}; expected WIDTHxHEIGHT, e.g. 1280x860.")
    if not (0 < width <= MAX_SCREENSHOT_SIDE and 0 < height <= MAX_SCREENSHOT_SIDE):
        return fail(f"invalid --size {args.size!r}; each side must be 1 to "
                    f"{MAX_SCREENSHOT_SIDE} pixels.")

    from app.main_window import create_application, open_main_window

    app = create_application(sys.argv[:1])
    window = open_main_window(args.data_dir, restore=False)
    try:
        return save_screenshot(app, window, args, (width, height))
    finally:
        close_for_exit(app, window)


def save_screenshot(app, window, args: argparse.Namespace, size: tuple[int, int]) -> int:
    if args.panel not in window.panels:
        return fail(f"unknown panel {args.panel!r}; expected one of {', '.join(window.panels)}.")
    window.resize(*size)
    window.show_panel(args.panel)
    if args.panel == "draw" and not args.blank:
        window.draw_panel.canvas.draw_example()
    window.show()
    app.processEvents()
    pixmap = window.grab()
    if not pixmap.save(str(args.file), "PNG"):
        return fail(f"could not write {args.file}: check that its folder exists and is writable.")
    print(f"saved {args.file} ({pixmap.width()}x{pixmap.height()})")
    return 0


def close_for_exit(app, window) -> None:
    """Close and delete the window while Qt still runs.

    Left to the interpreter's shutdown, the widgets are destroyed in no set
    order, and PySide6 with pyqtgraph then crashed in about half the runs.
    """
    from PySide6.QtCore import QCoreApplication, QEvent

    window.close()
    window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    app.processEvents()


def run_window(args: argparse.Namespace) -> int:
    from PySide6.QtCore import QTimer

    from app.main_window import create_application, open_main_window

    app = create_application(sys.argv[:1])
    window = open_main_window(args.data_dir)
    window.show()
    # Qt's event loop does not run Python signal handlers by itself: a timer
    # returns to Python now and then, so Ctrl+C in the terminal closes the window.
    signal.signal(signal.SIGINT, lambda *_: window.close())
    wake = QTimer(interval=200)
    wake.timeout.connect(lambda: None)
    wake.start()
    status = app.exec()
    wake.stop()
    close_for_exit(app, window)
    return status
