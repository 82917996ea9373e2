"""The array backend: the one object through which the layers reach an array library.

Every layer, loss and optimizer computes with ``backend.xp`` (the NumPy namespace) and
``backend.special`` (``scipy.special``).  Another array library plugs in by a backend with
these two attributes and the methods below; the layers stay as they are.  ``get_backend``
turns an estimator's ``device`` into one: "cpu" is this NumPy backend, "torch-cpu", "cuda"
and "mps" the PyTorch one (``torch_backend``, imported only then).

``fused(name)`` offers an optimizer a compiled one-pass version of its update (``kernels``,
with numba when it is installed); a backend without one returns None and the optimizer runs
its array lines.  A GPU backend should return None (or its own kernels).
"""
import sys

import numpy as np
import scipy.sparse
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
        """``a`` as a C-contiguous array of ``dtype`` on this backend (no copy if it already is
        one); a SciPy sparse matrix stays sparse (the first Dense layer multiplies it as such)."""
        if scipy.sparse.issparse(a):
            return a if a.dtype == dtype else a.astype(dtype)
        return np.ascontiguousarray(a, dtype=dtype)

    def to_numpy(self, a):
        return np.asarray(a)

    def uniform(self, rng, shape, dtype):
        """Uniform [0, 1) draws from the single ``numpy.random.Generator`` of the fit."""
        return rng.random(shape, dtype=dtype)

    def permutation(self, rng, n):
        """A random permutation of 0..n-1 (the order of an epoch's samples)."""
        return rng.permutation(n)

    captures_epochs = False  # a CUDA backend may run a whole epoch as one graph (engine.cuda_graph)

    def fused(self, name):
        """The compiled one-pass loop ``name`` ("rmsprop", "adam", "ridge", ...) of ``kernels``, or
        None."""
        return _compiled_kernels().get(name)

    def __eq__(self, other):
        return type(other) is type(self)

    def __hash__(self):
        return hash(type(self))

    def __repr__(self):
        return f"{type(self).__name__}()"


def _compiled_kernels():
    """``kernels.KERNELS``, importing ``kernels`` (and numba: ~110 MB, ~1 s) on first use.

    The import is all or nothing: if it stops half-way (Ctrl-C while numba loads, any error),
    every module it added to ``sys.modules`` is removed again before the exception goes on, so
    that the next fit imports numba afresh instead of finding a half-initialized one (which
    failed every later fit with "module 'numba' has no attribute 'core'")."""
    module = sys.modules.get(__package__ + ".kernels")
    if module is not None:
        return module.KERNELS
    before = set(sys.modules)
    try:
        from . import kernels
    except BaseException:
        for name in set(sys.modules) - before:
            sys.modules.pop(name, None)
        raise
    return kernels.KERNELS


default_backend = NumpyBackend()

DEVICES = ("cpu", "torch-cpu", "cuda", "mps")


def get_backend(device="cpu"):
    """The backend of an estimator's ``device``: "cpu" (NumPy, the default), "torch-cpu"
    (PyTorch on the CPU, for tests), "cuda" or "cuda:N" (an NVIDIA GPU), "mps" (Apple's
    GPU), or a backend object itself.  Raises a ValueError naming what is missing."""
    if device is None or isinstance(device, str) and device == "cpu":
        return default_backend
    if hasattr(device, "xp") and hasattr(device, "asarray"):
        return device
    kind = device.split(":")[0] if isinstance(device, str) else None
    if kind not in DEVICES or kind != device and kind != "cuda":
        raise ValueError(f"device={device!r} is invalid: choose 'cpu' (NumPy), 'torch-cpu', "
                         "'cuda' (or 'cuda:N'), 'mps'")
    try:
        import torch
    except ImportError:
        raise ValueError(f"device={device!r} needs PyTorch: pip install 'nnfit[torch]'; or use "
                         "device='cpu'") from None
    if kind == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={device!r} needs PyTorch with CUDA: pip install 'nnfit[torch]'"
                         "; torch.cuda.is_available() is False (no NVIDIA GPU or driver, or a "
                         "CPU-only torch build); use device='cpu'")
    if kind == "cuda" and device != "cuda":
        index = device[len("cuda:"):]
        if not index.isdigit() or int(index) >= torch.cuda.device_count():
            raise ValueError(f"device={device!r} is invalid: this machine has "
                             f"{torch.cuda.device_count()} CUDA device(s), cuda:0 ...")
    if kind == "mps" and not torch.backends.mps.is_available():
        raise ValueError("device='mps' needs PyTorch with MPS (an Apple-silicon Mac, macOS 12.3 "
                         "or later): pip install 'nnfit[torch]'; torch.backends.mps.is_available() "
                         "is False; use device='cpu'")
    from .torch_backend import TorchBackend
    return TorchBackend("cpu" if device == "torch-cpu" else device)


def host_array(a):
    """A torch tensor (on any device) as a NumPy array, at the estimators' boundary; anything
    else unchanged (scikit-learn's checks take it from there)."""
    if type(a).__module__.split(".")[0] == "torch" and hasattr(a, "detach"):
        return a.detach().cpu().numpy()
    return a
