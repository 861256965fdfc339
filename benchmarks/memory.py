"""Resident memory of the window during a long live training run.

Opens the real main window offscreen and trains the classifier through the
engine thread with live plots for --minutes minutes. Prints the resident
set size (RSS) once a minute, then its growth from minute 1 to the end as a
percentage.

    python benchmarks/memory.py [--minutes M]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Keep the runs' settings and autosaves out of the user's own folders.
_scratch = tempfile.mkdtemp(prefix="digit-playground-bench-")
os.environ["XDG_CONFIG_HOME"] = os.path.join(_scratch, "config")
os.environ["XDG_DATA_HOME"] = os.path.join(_scratch, "data")

from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402

from app.main_window import create_application, open_main_window  # noqa: E402
from benchmarks.responsiveness import resident_mb  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=int, default=10, help="length of the run")
    args = parser.parse_args()

    app = create_application([])
    window = open_main_window(restore=False)
    window.show()
    app.processEvents()
    trainer = window.draw_panel.trainer
    trainer.controls.epochs.setValue(10_000)
    trainer.start()
    start = time.perf_counter()
    readings = []
    for minute in range(1, args.minutes + 1):
        loop = QEventLoop()
        QTimer.singleShot(int(start + 60 * minute - time.perf_counter()) * 1000, loop.quit)
        loop.exec()
        readings.append(resident_mb())
        print(f"minute {minute}: rss={readings[-1]:.0f}MB steps={trainer.plots.loss.size}",
              flush=True)
    trainer.stop()
    window.close()
    growth = 100 * (readings[-1] - readings[0]) / readings[0]
    print(f"rss_1min_mb={readings[0]:.0f} rss_end_mb={readings[-1]:.0f} growth_percent={growth:.1f}")


if __name__ == "__main__":
    main()
