"""Data sets for nnfit: MNIST (and IDX files in general), Hitters, Khan, Default, BrainCancer,
Publication and Bikeshare.

All data is shipped inside the package and checked against SHA-256 sums
on loading, so nothing is downloaded.

* :func:`load_idx` reads one IDX file (gzipped or not) into a numpy array.
* :func:`load_mnist` returns MNIST, or any dataset in the same IDX layout.
* :func:`load_hitters`, :func:`load_khan` and :func:`load_default` return the
  ISLR2 data sets of chapter 10.
* :func:`load_brain_cancer` and :func:`load_publication` return the survival data of ISLR2
  chapter 11, :func:`load_bikeshare` the counts of section 4.6.
"""

from ._idx import load_idx
from ._islr import ISLR_CITATION, load_default, load_hitters, load_khan
from ._islr_outcomes import load_bikeshare, load_brain_cancer, load_publication
from ._mnist import MNIST_CITATION, load_mnist, mnist_info

__all__ = [
    "ISLR_CITATION",
    "MNIST_CITATION",
    "load_bikeshare",
    "load_brain_cancer",
    "load_default",
    "load_hitters",
    "load_idx",
    "load_khan",
    "load_mnist",
    "load_publication",
    "mnist_info",
]
