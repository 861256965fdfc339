"""Classifier checkpoints: round trip and every kind of bad file."""

from __future__ import annotations

import pickle

import pytest
import torch

import torch.serialization
from engine.classifier import CheckpointError, DigitCNN, load_checkpoint, save_checkpoint


@pytest.fixture
def saved(tmp_path):
    torch.manual_seed(3)
    model = DigitCNN()
    path = tmp_path / "model.pt"
    save_checkpoint(model, path, {"test_accuracy": 0.5})
    return model, path


def test_round_trip_same_weights(saved):
    model, path = saved
    loaded, metadata = load_checkpoint(path)
    for key, value in model.state_dict().items():
        assert torch.equal(loaded.state_dict()[key], value), key
    assert metadata["test_accuracy"] == 0.5


def test_save_leaves_no_temporary_file(saved):
    _, path = saved
    assert [p.name for p in path.parent.iterdir()] == ["model.pt"]


def test_empty_file(tmp_path):
    path = tmp_path / "empty.pt"
    path.write_bytes(b"")
    with pytest.raises(CheckpointError, match="empty"):
        load_checkpoint(path)


def test_truncated_file(saved):
    _, path = saved
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(CheckpointError, match="truncated, corrupt"):
        load_checkpoint(path)


def test_corrupt_file(saved):
    _, path = saved
    raw = bytearray(path.read_bytes())
    raw[100:400] = b"\xff" * 300
    path.write_bytes(bytes(raw))
    with pytest.raises(CheckpointError):
        load_checkpoint(path)


def test_text_file(tmp_path):
    path = tmp_path / "notes.pt"
    path.write_text("these are not weights")
    with pytest.raises(CheckpointError, match="not a readable PyTorch checkpoint"):
        load_checkpoint(path)


def test_foreign_checkpoint(tmp_path):
    path = tmp_path / "other.pt"
    torch.save({"weights": torch.zeros(3)}, path)
    with pytest.raises(CheckpointError, match="not a Digit Playground classifier"):
        load_checkpoint(path)


def test_wrong_layout(tmp_path, saved):
    model, path = saved
    payload = torch.load(path, weights_only=True)
    payload["state_dict"].pop("head.5.weight")
    torch.save(payload, path)
    with pytest.raises(CheckpointError, match="layout"):
        load_checkpoint(path)


class Payload:
    def __reduce__(self):
        return (print, ("code ran while loading",))


def test_pickled_code_is_rejected(tmp_path):
    path = tmp_path / "evil.pt"
    with open(path, "wb") as stream:
        pickle.dump(Payload(), stream)
    with pytest.raises(CheckpointError):
        load_checkpoint(path)


def test_missing_file(tmp_path):
    with pytest.raises(CheckpointError, match="could not be read"):
        load_checkpoint(tmp_path / "absent.pt")


def test_gpu_saved_checkpoint_loads_on_cpu(tmp_path, monkeypatch):
    path = tmp_path / "gpu.pt"
    # Tag every storage with a CUDA location, as a save on a GPU machine does.
    monkeypatch.setattr(torch.serialization, "location_tag", lambda storage: "cuda:0")
    save_checkpoint(DigitCNN(), path)
    monkeypatch.undo()
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match="CUDA"):
            torch.load(path, weights_only=True)
    model, _ = load_checkpoint(path)
    assert next(model.parameters()).device.type == "cpu"


def test_nan_weights_rejected(tmp_path):
    model = DigitCNN()
    with torch.no_grad():
        model.head[2].weight[0, 0] = float("nan")
    path = tmp_path / "nan.pt"
    save_checkpoint(model, path)
    with pytest.raises(CheckpointError, match="NaN"):
        load_checkpoint(path)


def test_newer_format_rejected(saved):
    _, path = saved
    payload = torch.load(path, weights_only=True)
    payload["version"] = 99
    torch.save(payload, path)
    with pytest.raises(CheckpointError, match="version 99"):
        load_checkpoint(path)


def test_message_hides_torch_advice(tmp_path):
    path = tmp_path / "notes.pt"
    path.write_text("these are not weights")
    with pytest.raises(CheckpointError) as error:
        load_checkpoint(path)
    assert "weights_only" not in str(error.value)
