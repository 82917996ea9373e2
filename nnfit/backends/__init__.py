"""Floor 1, backends: where array operations run.

``NumpyBackend`` (NumPy and SciPy, with the optional compiled one-pass loops of ``kernels``)
and ``TorchBackend`` (the same NumPy calls mapped onto torch tensors, no autograd) give the
engine one small object, ``backend.xp`` / ``backend.special``, for every array operation.
This floor imports nothing else of nnfit.
"""
from .numpy_backend import DEVICES, NumpyBackend, default_backend, get_backend, host_array

__all__ = ["DEVICES", "NumpyBackend", "default_backend", "get_backend", "host_array"]
