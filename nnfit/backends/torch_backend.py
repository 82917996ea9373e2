"""The PyTorch-tensor backend: the same layers, losses and optimizers on ``torch`` tensors.

The engine computes with ``backend.xp`` and ``backend.special`` as if they were NumPy and
``scipy.special``: on this backend they are ``TorchNamespace`` and ``TorchSpecial``
(``torch_namespace``), which map the engine's NumPy calls onto torch functions with the same
arithmetic, so in float64 the two backends agree to rounding (``tests/test_torch_backend.py``).

No tensor the engine makes requires a gradient, so autograd records nothing: every gradient
is computed by the layers' backprop closures, as on the CPU; there is no ``.backward()``.

Random numbers: ``uniform(rng, ...)`` and ``permutation(rng, n)`` draw from a torch
Generator on the device, seeded at each call from the fit's single ``numpy.random.Generator``,
so a fit is reproducible with ``random_state`` (and a warm start after ``load`` goes on as it
would have) although the numbers differ from the NumPy backend's.  ``host_random=True``
draws them on the host from the NumPy generator instead, exactly the NumPy backend's numbers
(slower: for tests).  ``rng=None`` uses torch's default generator of the device, whose
draws a CUDA graph can hold (dropout's masks in ``engine.cuda_graph``).
"""
import numpy as np
import scipy.sparse
import torch

from .torch_namespace import _NUMPY_NAME, TorchNamespace, TorchSpecial, torch_dtype

__all__ = ["TorchBackend", "TorchNamespace", "TorchSpecial", "torch_dtype"]


class TorchBackend:
    """Tensors on ``device`` ("cpu", "cuda", "cuda:1", "mps"), autograd unused.

    ``graphs`` (CUDA only): fit each epoch of minibatch steps as one captured CUDA graph
    (``engine.cuda_graph``) where the fit allows it; False runs the steps one by one.
    ``fused_step`` (with ``graphs``, default True): the captured steps of a float32 network of
    Dense -> ReLU (-> Dropout) layers run their elementwise passes as single Triton kernels
    (``step_kernels``, ``engine.fused_epoch``): the same arithmetic to float32 rounding, 14
    launches a step of the MNIST network instead of 61; dropout draws from Philox in the
    kernels.  Without Triton, or for other networks, the graph holds the layers' own lines.
    ``compile_step`` (with ``graphs``, experimental): the captured step of the layers' own
    lines is first passed through ``torch.compile``, which fuses its elementwise passes into
    fewer kernels (the same arithmetic to float32 rounding; dropout then draws from Inductor's
    generator); it takes precedence over ``fused_step``.
    The matrix products follow torch's float32 precision (``torch.set_float32_matmul_precision``:
    "highest", the default, is full float32; "high" lets them use TF32 tensor cores).
    """

    name = "torch"

    def __init__(self, device="cpu", *, host_random=False, graphs=True, compile_step=False,
                 fused_step=True):
        self.device = torch.device(device)
        self.host_random = bool(host_random)
        self.graphs = bool(graphs)
        self.compile_step = bool(compile_step)
        self.fused_step = bool(fused_step)
        self.xp = TorchNamespace(self.device)
        self.special = TorchSpecial()
        self._generator = torch.Generator(device=self.device)

    # --- conversions ---------------------------------------------------------------------------
    def asarray(self, a, dtype):
        """``a`` (a NumPy array, a tensor of any device, a list) as a contiguous tensor of
        ``dtype`` on this device; no copy when it already is one (a CPU tensor made from a
        NumPy array shares its memory)."""
        dtype = self.xp.dtype(dtype)
        if isinstance(a, torch.Tensor):
            a = a.detach()
        elif scipy.sparse.issparse(a):
            name = "torch-cpu" if self.device.type == "cpu" else self.device.type
            raise ValueError(f"device={name!r} takes dense inputs: fit a sparse X on "
                             "device='cpu' (NumPy), or pass X.toarray() if it fits in memory")
        else:
            a = np.ascontiguousarray(a)
            # a read-only array (a memory map, scikit-learn's checks) is copied, not shared
            a = torch.as_tensor(a if a.flags.writeable else a.copy())
        return a.to(device=self.device, dtype=dtype).contiguous()

    def to_numpy(self, a):
        """A tensor as a NumPy array (sharing memory for a CPU tensor); anything else as it is."""
        if isinstance(a, torch.Tensor):
            return a.detach().cpu().numpy()
        return np.asarray(a)

    # --- random numbers ------------------------------------------------------------------------
    def _seeded(self, rng):
        self._generator.manual_seed(int(rng.integers(2**62)))
        return self._generator

    def uniform(self, rng, shape, dtype):
        """Uniform [0, 1) draws on the device (see the module docstring for ``rng``)."""
        dtype = self.xp.dtype(dtype)
        if rng is None:
            return torch.rand(shape, dtype=dtype, device=self.device)
        if self.host_random:
            return self.asarray(rng.random(shape, dtype=_NUMPY_NAME[dtype]), dtype)
        return torch.rand(shape, generator=self._seeded(rng), dtype=dtype, device=self.device)

    def permutation(self, rng, n):
        """A random permutation of 0..n-1 as an index tensor on the device."""
        if rng is None:  # torch's default generator: sorting uniform keys
            return torch.argsort(torch.rand(n, device=self.device))
        if self.host_random:
            return torch.as_tensor(rng.permutation(n), device=self.device)
        return torch.randperm(n, generator=self._seeded(rng), device=self.device)

    def fused(self, name):
        """No compiled NumPy loops here: the optimizers and layers run their array lines."""
        return None

    def step_kernels(self):
        """The fused passes of a training step (``triton_kernels``) on CUDA with ``fused_step``
        where Triton imports, else None (``engine.fused_epoch`` then runs torch lines)."""
        if not (self.fused_step and self.graphs and self.device.type == "cuda"):
            return None
        try:
            from . import triton_kernels
        except ImportError:
            return None
        return triton_kernels

    @property
    def captures_epochs(self):
        """Whether the training loop may run a whole epoch as one replayed CUDA graph
        (``nnfit.engine.cuda_graph``): on CUDA, unless ``graphs=False``."""
        return self.device.type == "cuda" and self.graphs

    # --- identity --------------------------------------------------------------------------------
    def _key(self):
        return str(self.device), self.host_random, self.graphs, self.compile_step, self.fused_step

    def __eq__(self, other):
        return isinstance(other, TorchBackend) and self._key() == other._key()

    def __hash__(self):
        return hash(self._key())

    def __reduce__(self):  # pickles and deep-copies by its settings, not the generator
        return _rebuild, self._key()

    def __repr__(self):
        options = "".join(f", {k}=True" for k in ("host_random",) if getattr(self, k))
        options += "" if self.graphs else ", graphs=False"
        options += ", compile_step=True" if self.compile_step else ""
        options += "" if self.fused_step else ", fused_step=False"
        return f"TorchBackend({str(self.device)!r}{options})"


def _rebuild(device, host_random, graphs, compile_step, fused_step=True):
    return TorchBackend(device, host_random=host_random, graphs=graphs, compile_step=compile_step,
                        fused_step=fused_step)
