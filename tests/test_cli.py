"""The command line: predict, train cnn and screenshot."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from app.cli import main
from engine.classifier import load_checkpoint


def save_digit(digits, label: int, path, invert=False, scale=10):
    """Save a test digit as a large PNG drawing, light-on-dark or inverted."""
    index = int((digits.test_labels == label).nonzero()[0][0])
    pixels = (digits.test_images[index] * 255).astype(np.uint8)
    if invert:
        pixels = 255 - pixels
    Image.fromarray(pixels).resize((28 * scale, 28 * scale), Image.Resampling.BILINEAR).save(path)
    return path


def test_predict_plain_lines(tmp_path, digits, capsys):
    path = save_digit(digits, 3, tmp_path / "three.png")
    assert main(["predict", str(path)]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith(f"{path}: 3 (probability ")


def test_predict_json_and_polarity(tmp_path, digits, capsys):
    light = save_digit(digits, 4, tmp_path / "light.png")
    dark = save_digit(digits, 4, tmp_path / "dark.png", invert=True)
    assert main(["predict", "--json", str(light), str(dark)]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["digit"] for r in records] == [4, 4]
    assert len(records[0]["probabilities"]) == 10
    assert sum(records[1]["probabilities"]) == pytest.approx(1.0, abs=1e-4)


def test_predict_blank_gives_null(tmp_path, capsys):
    path = tmp_path / "blank.png"
    Image.new("L", (200, 200), 255).save(path)
    assert main(["predict", "--json", str(path)]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["digit"] is None
    assert "blank" in record["message"]


def test_predict_unreadable_keeps_going(tmp_path, digits, capsys):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG not really")
    good = save_digit(digits, 8, tmp_path / "eight.png")
    status = main(["predict", str(broken), str(good)])
    captured = capsys.readouterr()
    assert status != 0
    assert "broken.png" in captured.err
    assert "Traceback" not in captured.err
    assert ": 8 (" in captured.out


def test_train_cnn_one_epoch(tmp_path, capsys):
    out = tmp_path / "cnn.pt"
    status = main(["train", "cnn", "--epochs", "1", "--limit", "256", "--out", str(out)])
    assert status == 0
    assert "test accuracy" in capsys.readouterr().out
    model, metadata = load_checkpoint(out)
    assert metadata["train_size"] == 256
    assert metadata["epochs"] == 1


def test_train_cnn_bad_data_dir(tmp_path, capsys):
    status = main(["train", "cnn", "--data-dir", str(tmp_path), "--epochs", "1"])
    assert status != 0
    assert "train-images-idx3-ubyte" in capsys.readouterr().err


def test_screenshot_writes_png(tmp_path, qapp):
    path = tmp_path / "draw.png"
    assert main(["screenshot", str(path), "--panel", "draw", "--size", "900x700"]) == 0
    with Image.open(path) as image:
        assert image.size == (900, 700)


def test_screenshot_unknown_panel(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["screenshot", str(tmp_path / "x.png"), "--panel", "nope"])
    assert exit_info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_screenshot_size_limits(tmp_path, capsys):
    assert main(["screenshot", str(tmp_path / "x.png"), "--size", "100000x100000"]) == 2
    assert "1 to 8000 pixels" in capsys.readouterr().err


def test_train_output_checked_first(tmp_path, capsys):
    status = main(["train", "cnn", "--epochs", "1", "--out", str(tmp_path)])
    assert status == 2
    assert "is a folder" in capsys.readouterr().err


def test_train_limit_must_be_positive(capsys):
    with pytest.raises(SystemExit):
        main(["train", "cnn", "--limit", "0"])
    assert "at least 1" in capsys.readouterr().err


def test_module_entry_point(tmp_path, digits):
    path = save_digit(digits, 2, tmp_path / "two.png")
    result = subprocess.run([sys.executable, "-m", "app", "predict", str(path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert ": 2 (" in result.stdout


def test_train_gan_rejects_cnn_options(capsys):
    assert main(["train", "gan", "--lr", "0.1", "--steps", "1"]) == 2
    assert "--lr only apply to 'train cnn'" in capsys.readouterr().err


def test_train_cnn_epochs_zero_rejected(capsys):
    assert main(["train", "cnn", "--epochs", "0", "--limit", "10"]) == 2
    assert "at least 1" in capsys.readouterr().err
