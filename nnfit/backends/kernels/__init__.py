"""Optional compiled loops (numba), offered to the engine through ``backend.fused(name)``.

The NumPy lines of ``nnfit.engine.optimizers`` make one pass over the flat parameter vector per operation:
RMSprop's update is nine passes over theta's 235,000 numbers for the MNIST network, each
reading and writing memory that no longer fits in the cache, and costs as much time per
step as the largest matrix product.  The loops of ``updates`` (optimizers, ridge), ``layers``
(a hidden layer's passes, the softmax loss), ``survival`` (the Cox and Poisson losses) and
``images`` (augmentation) do the same arithmetic, element by
element, in the same order (so float32 results are the same bit for bit), in one pass.

They are compiled by numba when it is installed (``pip install numba``); without it, or with
the environment variable ``NNFIT_NO_NUMBA=1``, ``KERNELS`` is empty and the optimizers run
their NumPy lines.  Each loop refuses arrays of different lengths (a ValueError) instead of
indexing past the end of the shorter one.  ``error_model="numpy"`` lets the loops vectorize (no Python
ZeroDivisionError check); there is no ``fastmath``, so nothing is reassociated.

One departure, for speed: a running average below ``tiny``, the smallest normal number of
theta's dtype (1.2e-38 in float32), is set to zero.  A parameter whose gradient stays zero
(a weight on an MNIST border pixel that is nearly always 0, a unit that dropout and ReLU keep
silent) sees s shrink by rho at every step, and within a few hundred steps s is a subnormal
number, on which x86 CPUs compute some hundred times slower: the whole update became 25 times
slower in a measured run.  Such an s is lost in RMSprop's s + eps (eps = 1e-7) and adds
under 1e-19 to Adam's sqrt(s) + eps, so the parameters come out the same.
"""
import os

KERNELS = {}

try:
    if os.environ.get("NNFIT_NO_NUMBA"):
        raise ImportError("NNFIT_NO_NUMBA is set")
    import numba  # noqa: F401
except ImportError:
    numba = None

if numba is not None:
    from . import images, layers, survival, updates
    for _module in (updates, layers, images, survival):
        KERNELS.update(_module.KERNELS)
