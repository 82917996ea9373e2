"""The array backend: the one object through which the layers reach an array library.

Every layer, loss and optimizer computes with ``backend.xp`` (the NumPy namespace) and
``backend.special`` (``scipy.special``).  A GPU library with the same interface, such as
CuPy with ``cupyx.scipy.special``, plugs in by subclassing :class:`NumpyBackend` and
overriding these two attributes and the three conversion methods; the layers stay as they are.

``fused(name)`` offers an optimizer a compiled one-pass version of its update (``_fused``,
with numba when it is installed); a backend without one returns None and the optimizer runs
its array lines.  A GPU backend should return None (or its own kernels).
"""
import sys

import numpy as np
import scipy.special


class NumpyBackend:
    """Arrays in host memory, matrix products by NumPy's BLAS."""

    xp = np
    special = scipy.special
    name = "numpy"

    def asarray(self, a, dtype):
        """``a`` as a C-contiguous array of ``dtype`` on this backend (no copy if it already is one)."""
        return np.ascontiguousarray(a, dtype=dtype)

    def to_numpy(self, a):
        return np.asarray(a)

    def uniform(self, rng, shape, dtype):
        """Uniform [0, 1) draws from the single ``numpy.random.Generator`` of the fit."""
        return rng.random(shape, dtype=dtype)

    def fused(self, name):
        """The compiled one-pass loop ``name`` ("rmsprop", "adam", "ridge") of ``_fused``, or None."""
        return _compiled_kernels().get(name)

    def __repr__(self):
        return f"{type(self).__name__}()"


def _compiled_kernels():
    """``_fused.KERNELS``, importing ``_fused`` (and numba: ~110 MB, ~1 s) on first use.

    The import is all or nothing: if it stops half-way (Ctrl-C while numba loads, any error),
    every module it added to ``sys.modules`` is removed again before the exception goes on, so
    that the next fit imports numba afresh instead of finding a half-initialized one (which
    failed every later fit with "module 'numba' has no attribute 'core'")."""
    module = sys.modules.get(__package__ + "._fused")
    if module is not None:
        return module.KERNELS
    before = set(sys.modules)
    try:
        from . import _fused
    except BaseException:
        for name in set(sys.modules) - before:
            sys.modules.pop(name, None)
        raise
    return _fused.KERNELS


default_backend = NumpyBackend()
