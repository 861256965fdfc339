"""The default digits and the IDX loader, on files the tests write."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest

from engine.data import IMAGE_MAGIC, LABEL_MAGIC, DataError, load_digits, load_idx_folder

FASHION = Path("/usr/share/datasets/fashion-mnist")


def write_idx(path: Path, magic: int, array: np.ndarray, compress: bool = False) -> Path:
    header = struct.pack(">i", magic) + struct.pack(f">{array.ndim}i", *array.shape)
    raw = header + array.astype(np.uint8).tobytes()
    if compress:
        path = path.with_name(path.name + ".gz")
        path.write_bytes(gzip.compress(raw))
    else:
        path.write_bytes(raw)
    return path


def write_folder(folder: Path, compress: bool = False, count: int = 12) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, size=(count, 28, 28))
    labels = rng.integers(0, 10, size=count)
    for prefix in ("train", "t10k"):
        write_idx(folder / f"{prefix}-images-idx3-ubyte", IMAGE_MAGIC, images, compress)
        write_idx(folder / f"{prefix}-labels-idx1-ubyte", LABEL_MAGIC, labels, compress)
    return images, labels


def test_default_split_sizes(digits):
    assert digits.train_images.shape == (4000, 28, 28)
    assert digits.test_images.shape == (1000, 28, 28)


def test_default_split_stratified(digits):
    assert np.bincount(digits.test_labels).tolist() == [100] * 10


def test_default_split_shuffled(digits):
    assert len(set(digits.train_labels[:50].tolist())) > 5


def test_default_cache_reused(digits):
    again = load_digits()
    assert np.array_equal(again.test_labels, digits.test_labels)


@pytest.mark.parametrize("compress", [False, True])
def test_idx_round_trip(tmp_path, compress):
    images, labels = write_folder(tmp_path, compress)
    data = load_idx_folder(tmp_path)
    assert np.allclose(data.train_images * 255, images)
    assert np.array_equal(data.test_labels, labels)


def test_idx_missing_file(tmp_path):
    write_folder(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(DataError, match="t10k-labels-idx1-ubyte"):
        load_idx_folder(tmp_path)


def test_idx_truncated_file(tmp_path):
    write_folder(tmp_path)
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(DataError, match="expected 9408"):
        load_idx_folder(tmp_path)


def test_idx_wrong_magic(tmp_path):
    write_folder(tmp_path)
    labels = np.zeros(12)
    write_idx(tmp_path / "train-images-idx3-ubyte", LABEL_MAGIC, labels)
    with pytest.raises(DataError, match="magic number 2049"):
        load_idx_folder(tmp_path)


def test_idx_header_only(tmp_path):
    write_folder(tmp_path)
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(b"\x00\x00")
    with pytest.raises(DataError, match="truncated"):
        load_idx_folder(tmp_path)


def test_idx_corrupt_gzip(tmp_path):
    write_folder(tmp_path, compress=True)
    (tmp_path / "t10k-images-idx3-ubyte.gz").write_bytes(b"\x1f\x8b garbage")
    with pytest.raises(DataError, match="could not be read"):
        load_idx_folder(tmp_path)


def test_idx_count_mismatch(tmp_path):
    write_folder(tmp_path)
    write_idx(tmp_path / "train-labels-idx1-ubyte", LABEL_MAGIC, np.zeros(5))
    with pytest.raises(DataError, match="equal counts"):
        load_idx_folder(tmp_path)


def test_idx_folder_not_found(tmp_path):
    with pytest.raises(DataError, match="not found"):
        load_idx_folder(tmp_path / "absent")


@pytest.mark.skipif(not FASHION.is_dir(), reason="Debian's dataset-fashion-mnist is not installed")
def test_fashion_mnist_from_debian():
    data = load_idx_folder(FASHION)
    assert data.train_images.shape == (60000, 28, 28)
    assert data.test_images.shape == (10000, 28, 28)
    assert np.bincount(data.test_labels).tolist() == [1000] * 10


def test_idx_label_out_of_range(tmp_path):
    write_folder(tmp_path)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", LABEL_MAGIC, np.full(12, 200))
    with pytest.raises(DataError, match="label 200"):
        load_idx_folder(tmp_path)


def test_idx_empty_set(tmp_path):
    write_folder(tmp_path)
    write_idx(tmp_path / "t10k-images-idx3-ubyte", IMAGE_MAGIC, np.zeros((0, 28, 28)))
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", LABEL_MAGIC, np.zeros(0))
    with pytest.raises(DataError, match="no images"):
        load_idx_folder(tmp_path)
