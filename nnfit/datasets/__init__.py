"""Data sets for nnfit: MNIST (and IDX files in general), Hitters, Khan and Default.

All data is shipped inside the package and checked against SHA-256 sums
on loading, so nothing is downloaded.

* :func:`load_idx` reads one IDX file (gzipped or not) into a numpy array.
* :func:`load_mnist` returns MNIST, or any dataset in the same IDX layout.
* :func:`load_hitters`, :func:`load_khan` and :func:`load_default` return the
  ISLR2 data sets.
"""

from ._idx import load_idx
from ._islr import ISLR_CITATION, load_default, load_hitters, load_khan
from ._mnist import MNIST_CITATION, load_mnist, mnist_info

__all__ = [
    "ISLR_CITATION",
    "MNIST_CITATION",
    "load_default",
    "load_hitters",
    "load_idx",
    "load_khan",
    "load_mnist",
    "mnist_info",
]
