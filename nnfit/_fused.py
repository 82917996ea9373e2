"""Optional compiled one-pass optimizer updates and ridge gradient (numba), used through the
backend object.

The NumPy lines of ``_optimizers`` make one pass over the flat parameter vector per operation:
RMSprop's update is nine passes over theta's 235,000 numbers for the MNIST network, each
reading and writing memory that no longer fits in the cache, and costs as much time per
step as the largest matrix product.  The loops below do the same arithmetic, element by
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
# Each loop first checks that its arrays have one length: a loop indexes them all by theta's, and
# a shorter one (an edited model file's optimizer state) would be read and written out of bounds.
LENGTHS = "compiled update: the arrays passed have different lengths (a damaged optimizer state?)"

try:
    if os.environ.get("NNFIT_NO_NUMBA"):
        raise ImportError("NNFIT_NO_NUMBA is set")
    import numba
    import numpy as np
except ImportError:
    numba = None

if numba is not None:
    _jit = numba.njit(cache=True, error_model="numpy", nogil=True)

    # The scalars arrive as NumPy scalars of theta's dtype (see _optimizers), so float32
    # parameters are updated in float32 arithmetic, as NumPy's lines would.
    @_jit
    def rmsprop(theta, grad, s, rho, one_minus_rho, eps, learning_rate, tiny):
        """s <- rho s + (1 - rho) g^2;  theta <- theta - learning_rate g / sqrt(s + eps)."""
        if grad.shape[0] != theta.shape[0] or s.shape[0] != theta.shape[0]:
            raise ValueError(LENGTHS)
        zero = tiny - tiny  # 0 in theta's dtype
        for i in range(theta.shape[0]):
            g = grad[i]
            s_i = s[i] * rho + g * g * one_minus_rho
            s_i = zero if s_i < tiny else s_i  # no subnormal numbers (see above)
            s[i] = s_i
            theta[i] -= g / np.sqrt(s_i + eps) * learning_rate

    @_jit
    def adam(theta, grad, m, s, beta1, one_minus_beta1, beta2, one_minus_beta2, eps, step_size,
             tiny):
        """m <- b1 m + (1 - b1) g;  s <- b2 s + (1 - b2) g^2;  theta <- theta - step m / (sqrt(s) + eps).

        ``eps`` and ``step_size`` arrive with Adam's bias corrections folded in."""
        n = theta.shape[0]
        if grad.shape[0] != n or m.shape[0] != n or s.shape[0] != n:
            raise ValueError(LENGTHS)
        zero = tiny - tiny  # 0 in theta's dtype
        for i in range(theta.shape[0]):
            g = grad[i]
            m_i = m[i] * beta1 + g * one_minus_beta1
            s_i = s[i] * beta2 + g * g * one_minus_beta2
            m_i = zero if abs(m_i) < tiny else m_i  # no subnormal numbers (see above)
            s_i = zero if s_i < tiny else s_i
            m[i] = m_i
            s[i] = s_i
            theta[i] -= m_i / (np.sqrt(s_i) + eps) * step_size

    @_jit
    def ridge(W, dW, two_ridge, tiny):
        """dW <- dW + 2 ridge W over a layer's flattened weights, after flushing |w| < tiny to 0
        (``_penalties.flush_subnormals``)."""
        if dW.shape[0] != W.shape[0]:
            raise ValueError(LENGTHS)
        zero = tiny - tiny
        for i in range(W.shape[0]):
            w = W[i]
            if abs(w) < tiny:
                w = zero
                W[i] = w
            dW[i] += w * two_ridge

    KERNELS = {"rmsprop": rmsprop, "adam": adam, "ridge": ridge}
