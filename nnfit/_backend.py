"""The array backend: the one object through which the layers reach an array library.

Every layer, loss and optimizer computes with ``backend.xp`` (the NumPy namespace) and
``backend.special`` (``scipy.special``).  A GPU library with the same interface, such as
CuPy with ``cupyx.scipy.special``, plugs in by subclassing :class:`NumpyBackend` and
overriding these two attributes and the three conversion methods; the layers stay as they are.

``fused(name)`` offers an optimizer a compiled one-pass version of its update (``_fused``,
with numba when it is installed); a backend without one returns None and the optimizer runs
its array lines.  A GPU backend should return None (or its own kernels).
"""
import numpy as np
import scipy.special


class NumpyBackend:
    """The NumPy array backend: arrays in host memory, matrix products by NumPy's BLAS.

    Layers, losses and optimizers compute through ``xp`` (the NumPy namespace) and ``special``
    (``scipy.special``); another array library plugs in by a subclass that overrides these and
    the conversion methods ``asarray``, ``to_numpy`` and ``uniform``.

    Attributes
    ----------
    xp : module
        ``numpy``.
    special : module
        ``scipy.special``.
    name : str
        ``"numpy"``.

    Examples
    --------
    >>> from nnfit import Dense, NumpyBackend
    >>> Dense(3, 2, NumpyBackend()).param_shapes
    [(3, 2), (2,)]
    """

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
        from . import _fused  # imported on first use: numba costs ~110 MB and ~1 s to load
        return _fused.KERNELS.get(name)

    def __repr__(self):
        return f"{type(self).__name__}()"


default_backend = NumpyBackend()
