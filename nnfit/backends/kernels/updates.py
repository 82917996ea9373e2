"""Compiled one-pass updates of the flat parameter vector: RMSprop (by blocks that skip zero
gradients), Adam, the ridge gradient, and a Dense layer's bias gradient (column sums)."""
import numpy as np

from ._numba import LENGTHS, jit

# The scalars arrive as NumPy scalars of theta's dtype (see _optimizers), so float32
# parameters are updated in float32 arithmetic, as NumPy's lines would.
@jit
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

@jit
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

@jit
def ridge(W, dW, two_ridge, tiny):
    """dW <- dW + 2 ridge W over a layer's flattened weights, after flushing |w| < tiny to 0
    (``engine.penalties.flush_subnormals``)."""
    if dW.shape[0] != W.shape[0]:
        raise ValueError(LENGTHS)
    zero = tiny - tiny
    for i in range(W.shape[0]):
        w = W[i]
        if abs(w) < tiny:
            w = zero
            W[i] = w
        dW[i] += w * two_ridge



# --- RMSprop skipping blocks of zero gradients -------------------------------------------------
_BLOCK = 128

@jit
def rmsprop_blocks(theta, grad, s, params):
    """``rmsprop`` above, 128 parameters at a time: where a block's gradients are all 0 (the
    first-layer weights of inputs that are 0 throughout the minibatch: 40 % of the MNIST
    network's first layer at batch 128), the update is s <- rho s + 0 and theta <- theta - 0,
    so only s <- rho s is computed, without the square roots and divisions.  Same bits.
    (The blocks' loops have a constant length, which lets them vectorize; the last partial
    block goes through ``rmsprop``.)  ``params`` holds rho, 1 - rho, eps, learning_rate and
    tiny in theta's dtype: one array is typed faster than five NumPy scalars at each call."""
    if grad.shape[0] != theta.shape[0] or s.shape[0] != theta.shape[0]:
        raise ValueError(LENGTHS)
    rho, one_minus_rho, eps, learning_rate, tiny = params[0], params[1], params[2], params[3], params[4]
    zero = tiny - tiny
    n = theta.shape[0]
    full = n - n % _BLOCK
    for start in range(0, full, _BLOCK):
        nonzero = 0
        for i in range(_BLOCK):
            nonzero += np.int32(grad[start + i] != zero)
        if nonzero:
            for i in range(_BLOCK):
                k = start + i
                g = grad[k]
                s_k = s[k] * rho + g * g * one_minus_rho
                s_k = zero if s_k < tiny else s_k  # no subnormal numbers (see above)
                s[k] = s_k
                theta[k] -= g / np.sqrt(s_k + eps) * learning_rate
        else:
            for i in range(_BLOCK):
                s_k = s[start + i] * rho
                s[start + i] = zero if s_k < tiny else s_k
    rmsprop(theta[full:], grad[full:], s[full:], rho, one_minus_rho, eps, learning_rate, tiny)




# --- the bias gradient of a Dense layer without a fused activation -----------------------------
@jit
def column_sums(dZ, db):
    """db <- sum_i dZ[i], row after row as NumPy's ``sum(axis=0)`` adds them (same bits),
    without the setup of NumPy's reduction, which costs more than the sum on a minibatch."""
    zero = db.dtype.type(0)
    n, k = dZ.shape
    for j in range(k):
        db[j] = zero
    for i in range(n):
        for j in range(k):
            db[j] += dZ[i, j]


KERNELS = {"rmsprop": rmsprop_blocks, "adam": adam, "ridge": ridge, "column_sums": column_sums}
