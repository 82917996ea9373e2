"""The NumPy namespace on torch tensors: ``TorchNamespace`` (``backend.xp``) and ``TorchSpecial``
(``backend.special``) of ``TorchBackend``.

The engine computes with ``backend.xp`` and ``backend.special`` as if they were NumPy and
``scipy.special``.  :class:`TorchNamespace` maps the calls the engine makes (``matmul(A, B,
out=)``, ``sum(A, axis=, out=)``, ``multiply(..., out=)``, ``vdot``, ``finfo``, ...) onto torch
functions, and :class:`TorchSpecial` maps ``expit``, ``softmax``, ``log_softmax``; a name not
mapped falls through to ``torch`` (``torch.special``), whose functions mostly share NumPy's
names.  The arithmetic is exactly the NumPy lines' (the same operations in the same order),
so in float64 the two backends agree to rounding (``tests/test_torch_backend.py``).
"""
import numpy as np
import torch

_NUMPY_NAME = {torch.float32: "float32", torch.float64: "float64"}


def torch_dtype(dtype):
    """A torch dtype from a torch dtype, a NumPy dtype or type, or a name ("float32")."""
    if isinstance(dtype, torch.dtype):
        return dtype
    return getattr(torch, np.dtype(dtype).name)


def _tensor_like(value, like):
    """``value`` (a Python or NumPy scalar) as a 0-d tensor of ``like``'s dtype and device,
    made by a fill on the device (no copy from host memory, which a CUDA graph cannot hold)."""
    if isinstance(value, torch.Tensor):
        return value
    return torch.full((), float(value), dtype=like.dtype, device=like.device)


class TorchNamespace:
    """The NumPy calls of the engine, on torch tensors of one device."""

    def __init__(self, device):
        self.device = device

    def __getattr__(self, name):  # exp, log, tanh, where, isfinite, float32, ...
        return getattr(torch, name)

    def dtype(self, dtype):
        dtype = torch_dtype(dtype)
        if self.device.type == "mps" and dtype == torch.float64:
            raise ValueError("device='mps' computes in float32 only (Apple's GPUs have no "
                             "float64); use dtype='float32' or device='cpu'")
        return dtype

    # --- creation ------------------------------------------------------------------------------
    def zeros(self, shape, dtype="float64"):
        return torch.zeros(shape, dtype=self.dtype(dtype), device=self.device)

    def empty(self, shape, dtype="float64"):
        return torch.empty(shape, dtype=self.dtype(dtype), device=self.device)

    def ones(self, shape, dtype="float64"):
        return torch.ones(shape, dtype=self.dtype(dtype), device=self.device)

    def zeros_like(self, a, dtype=None):
        return torch.zeros_like(a, dtype=None if dtype is None else self.dtype(dtype))

    def empty_like(self, a, dtype=None):
        return torch.empty_like(a, dtype=None if dtype is None else self.dtype(dtype))

    def copy(self, a):
        return a.clone()

    def asarray(self, a, dtype=None):
        if isinstance(a, torch.Tensor) and (dtype is None or a.dtype == self.dtype(dtype)):
            return a.to(self.device)
        return torch.as_tensor(np.asarray(a), device=self.device,
                               dtype=None if dtype is None else self.dtype(dtype))

    def concatenate(self, arrays, axis=0):
        return torch.cat(list(arrays), dim=axis)

    def finfo(self, dtype):
        return torch.finfo(torch_dtype(dtype))

    # --- products and reductions -------------------------------------------------------------
    def matmul(self, a, b, out=None):
        return torch.matmul(a, b) if out is None else torch.matmul(a, b, out=out)

    def vdot(self, a, b):
        """Sum of a * b over all elements, as a 0-d tensor (``float()`` of it is the number)."""
        return torch.dot(a.reshape(-1), b.reshape(-1))

    def sum(self, a, axis=None, out=None, keepdims=False):
        if axis is None:
            total = torch.sum(a)
            return total if out is None else out.copy_(total)
        if out is None:
            return torch.sum(a, dim=axis, keepdim=keepdims)
        return torch.sum(a, dim=axis, keepdim=keepdims, out=out)

    def max(self, a, axis=None, keepdims=False):
        return torch.amax(a) if axis is None else torch.amax(a, dim=axis, keepdim=keepdims)

    def min(self, a, axis=None, keepdims=False):
        return torch.amin(a) if axis is None else torch.amin(a, dim=axis, keepdim=keepdims)

    def mean(self, a, axis=None, keepdims=False):
        return torch.mean(a) if axis is None else torch.mean(a, dim=axis, keepdim=keepdims)

    def argmax(self, a, axis=None):
        return torch.argmax(a, dim=axis)

    # --- sorting and running sums (the Cox partial likelihood) -------------------------------
    def argsort(self, a, kind=None):
        return torch.argsort(a, stable=kind == "stable")

    def cumsum(self, a, axis=0):
        return torch.cumsum(a, dim=axis)

    def flip(self, a, axis=0):
        return torch.flip(a, dims=(axis,))

    def flatnonzero(self, a):
        return torch.nonzero(a.reshape(-1)).reshape(-1)

    def take(self, a, indices, axis=None, out=None, mode="raise"):
        """Rows (``axis=0``) of ``a`` at ``indices``, written into ``out`` if given (``mode``
        is NumPy's; torch always checks the indices)."""
        indices = torch.as_tensor(indices, device=a.device)
        if axis is None:
            return torch.take(a, indices) if out is None else out.copy_(torch.take(a, indices))
        if out is None:
            return torch.index_select(a, axis, indices)
        return torch.index_select(a, axis, indices, out=out)

    # --- elementwise, with out= ------------------------------------------------------------------
    def multiply(self, a, b, out=None):
        return self._binary(torch.mul, a, b, out)

    def add(self, a, b, out=None):
        return self._binary(torch.add, a, b, out)

    def subtract(self, a, b, out=None):
        return self._binary(torch.sub, a, b, out)

    def divide(self, a, b, out=None):
        return self._binary(torch.div, a, b, out)

    def greater_equal(self, a, b, out=None):
        return self._binary(torch.ge, a, b, out)

    def greater(self, a, b, out=None):
        return self._binary(torch.gt, a, b, out)

    def maximum(self, a, b, out=None):
        if isinstance(a, torch.Tensor) and not isinstance(b, torch.Tensor):  # max(Z, 0) of ReLU
            return torch.clamp_min(a, b) if out is None else torch.clamp_min(a, b, out=out)
        return self._binary(torch.maximum, a, b, out)

    def minimum(self, a, b, out=None):
        if isinstance(a, torch.Tensor) and not isinstance(b, torch.Tensor):
            return torch.clamp_max(a, b) if out is None else torch.clamp_max(a, b, out=out)
        return self._binary(torch.minimum, a, b, out)

    def logaddexp(self, a, b, out=None):
        return self._binary(torch.logaddexp, a, b, out)

    @staticmethod
    def _binary(fn, a, b, out):
        if not isinstance(a, torch.Tensor):
            a = _tensor_like(a, b)
        if fn in (torch.maximum, torch.minimum, torch.logaddexp):
            b = _tensor_like(b, a)
        return fn(a, b) if out is None else fn(a, b, out=out)

    def sqrt(self, a, out=None):
        return torch.sqrt(a) if out is None else torch.sqrt(a, out=out)

    def exp(self, a, out=None):
        return torch.exp(a) if out is None else torch.exp(a, out=out)

    def log(self, a, out=None):
        return torch.log(a) if out is None else torch.log(a, out=out)

    def abs(self, a, out=None):
        return torch.abs(a) if out is None else torch.abs(a, out=out)

    def sign(self, a, out=None):
        return torch.sign(a) if out is None else torch.sign(a, out=out)

    def tanh(self, a, out=None):
        return torch.tanh(a) if out is None else torch.tanh(a, out=out)

    def __repr__(self):
        return f"TorchNamespace({str(self.device)!r})"


class TorchSpecial:
    """The ``scipy.special`` functions of the engine, on torch tensors."""

    def __getattr__(self, name):  # xlogy, logit, ...
        return getattr(torch.special, name)

    @staticmethod
    def expit(a):
        return torch.sigmoid(a)

    @staticmethod
    def softmax(a, axis=None):
        return torch.softmax(a, dim=-1 if axis is None else axis)

    @staticmethod
    def log_softmax(a, axis=None):
        return torch.log_softmax(a, dim=-1 if axis is None else axis)

    @staticmethod
    def logsumexp(a, axis=None, keepdims=False):
        dims = tuple(range(a.ndim)) if axis is None else axis
        return torch.logsumexp(a, dim=dims, keepdim=keepdims)
