"""Loader for MNIST and any other dataset stored in the same IDX layout.

The four standard files (``train-images-idx3-ubyte`` and friends, each
optionally gzipped) are looked up in the first of these that is given:
the ``data_dir`` argument, the ``NNFIT_DATA`` environment variable, or the
copy of MNIST shipped inside this package. Fashion-MNIST and KMNIST use the
same names and shapes, so pointing ``data_dir`` at them works too.
"""

import os
from pathlib import Path

import numpy as np

from ._checksums import SUMS_NAME, verify_files
from ._idx import load_idx

MNIST_CITATION = (
    "MNIST database of handwritten digits, Y. LeCun, C. Cortes, "
    "C. J. C. Burges, CC BY-SA 3.0"
)

SHIPPED_DIR = Path(__file__).parent / "data" / "mnist"
ENV_VAR = "NNFIT_DATA"
FILE_STEMS = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)
IMAGE_SHAPE = (28, 28)


def mnist_info():
    """Return the citation and licence of the shipped MNIST copy.

    Returns
    -------
    str
        Authors, title and licence (CC BY-SA 3.0).

    Examples
    --------
    >>> from nnfit.datasets import mnist_info
    >>> "CC BY-SA 3.0" in mnist_info()
    True
    """
    return MNIST_CITATION


def load_mnist(data_dir=None, *, verify=True):
    """Load MNIST (or an IDX dataset in the same layout) as float arrays.

    Parameters
    ----------
    data_dir : str or Path, optional
        Directory holding the four IDX files. Defaults to ``$NNFIT_DATA``
        if set, else the copy shipped with nnfit.
    verify : bool
        Check SHA-256 sums: always for the shipped copy, and for other
        directories when they contain a ``SHA256SUMS`` file.

    Returns
    -------
    X_train, y_train, X_test, y_test
        ``X`` is float32 of shape ``(n, 784)`` with values in [0, 1];
        ``y`` is int64 of shape ``(n,)``.

    Raises
    ------
    ValueError
        If a file fails its SHA-256 check or does not hold MNIST-shaped data.
    FileNotFoundError
        If ``data_dir`` lacks one of the four files.

    Examples
    --------
    >>> from nnfit.datasets import load_mnist
    >>> X_train, y_train, X_test, y_test = load_mnist()
    >>> X_train.shape, X_test.shape
    ((60000, 784), (10000, 784))
    """
    directory, shipped = _choose_dir(data_dir)
    paths = [_find_file(directory, stem) for stem in FILE_STEMS]
    if verify:
        _verify(directory, paths, shipped)
    X_train, y_train = _load_split(paths[0], paths[1])
    X_test, y_test = _load_split(paths[2], paths[3])
    return X_train, y_train, X_test, y_test


def _choose_dir(data_dir):
    """Return ``(directory, is_shipped_copy)`` following the lookup order."""
    if data_dir is not None:
        return Path(data_dir), False
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR]), False
    return SHIPPED_DIR, True


def _find_file(directory, stem):
    """Return the path of ``stem`` or ``stem.gz`` in ``directory``."""
    for name in (stem + ".gz", stem):
        if (directory / name).is_file():
            return directory / name
    expected = ", ".join(s + "[.gz]" for s in FILE_STEMS)
    raise FileNotFoundError(
        f"no {stem} or {stem}.gz in {directory}; the directory must hold the "
        f"four IDX files {expected} (pass data_dir= or set ${ENV_VAR} to "
        "the directory that has them)"
    )


def _verify(directory, paths, shipped):
    """Check the files against ``SHA256SUMS`` where the rules require it."""
    sums_path = directory / SUMS_NAME
    if shipped:
        if not sums_path.is_file():
            raise ValueError(
                f"{sums_path} is missing from the nnfit installation; "
                "reinstall nnfit or pass data_dir= to use your own copy"
            )
        remedy = "reinstall nnfit, or pass data_dir= to use your own copy"
        verify_files(paths, sums_path, remedy=remedy)
    elif sums_path.is_file():
        remedy = (
            f"download the file again, or fix {sums_path}, or pass "
            "verify=False to skip the check"
        )
        verify_files(paths, sums_path, remedy=remedy)


def _load_split(images_path, labels_path):
    """Load one images/labels pair as ``(X float32 (n, 784), y int64)``."""
    images, labels = load_idx(images_path), load_idx(labels_path)
    if images.ndim != 3 or images.shape[1:] != IMAGE_SHAPE:
        raise ValueError(
            f"{images_path} holds images of shape {images.shape}; expected "
            f"(n, 28, 28) as in MNIST"
        )
    if images.dtype != np.uint8:
        raise ValueError(
            f"{images_path} holds {images.dtype} pixels; expected unsigned "
            "bytes (IDX type code 0x08) with values 0..255"
        )
    if labels.ndim != 1:
        raise ValueError(
            f"{labels_path} holds labels of shape {labels.shape}; expected "
            "a 1-D array of labels"
        )
    if len(images) != len(labels):
        raise ValueError(
            f"{images_path} has {len(images)} images but {labels_path} has "
            f"{len(labels)} labels; the files do not belong together"
        )
    X = images.reshape(len(images), -1).astype(np.float32)
    X /= 255
    return X, labels.astype(np.int64)
