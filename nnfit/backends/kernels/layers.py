"""Compiled passes of a hidden layer (Dense -> ReLU (-> Dropout), forward and backward) and of
the softmax cross-entropy loss, for ``nnfit.engine.stages`` and ``nnfit.engine.losses``."""
import numpy as np

from ._numba import inline, jit

# --- hidden layers: Dense -> ReLU (-> Dropout) in one pass forward and one backward ------------
# (``engine.stages``).  Without dropout the arithmetic is that of the NumPy lines, value for value.
# Dropout's mask comes from SplitMix64 (Steele, Lea & Flood 2014) seeded once per layer and step
# from the fit's numpy Generator: output number m of the step is mix(seed + (m + 1) gamma); a
# unit's draw k of ``bits`` bits keeps it when k >= threshold, i.e. when k 2^-bits >= phi.  With
# 24 bits for float32 (two draws per output) and 53 for float64 (one), the bits of
# ``Generator.random``, the keep probability is the reference's exactly; only the stream differs.
_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_MIX1, _MIX2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)


@inline
def _splitmix64(seed, m):
    """Output m (from 0) of SplitMix64 seeded with ``seed``: mix(seed + (m + 1) gamma)."""
    x = seed + (m + np.uint64(1)) * _GAMMA
    x = (x ^ (x >> np.uint64(30))) * _MIX1
    x = (x ^ (x >> np.uint64(27))) * _MIX2
    return x ^ (x >> np.uint64(31))

@inline
def _relu_dropped(z, b, kept, scale, zero):
    """max(z + b, 0) * (scale if kept else 0), ``zero`` in z's dtype; a NaN stays NaN, as
    with np.maximum."""
    a = z + b
    a = zero if a <= zero else a
    return a * (scale if kept else zero)

@jit
def bias_relu(Z, b):
    """Z <- max(Z + b, 0) in place (Z: n x k, b: k)."""
    zero = b.dtype.type(0)
    n, k = Z.shape
    for i in range(n):
        for j in range(k):
            a = Z[i, j] + b[j]
            Z[i, j] = zero if a <= zero else a  # NaN stays NaN, as with np.maximum

@jit
def bias_relu_dropout(Z, b, seed, shift_threshold, scale):
    """Z <- max(Z + b, 0) * M * scale in place, M[i, j] = [(mix(seed + (e + 1) gamma) >> shift)
    >= threshold] with e = i k + j: one SplitMix64 output per unit (float64: 53 bits).
    The scalars come in arrays (numba types arrays faster than NumPy scalars at each call):
    seed[0], shift_threshold = [shift, threshold], scale[0] = 1 / (1 - phi) in Z's dtype."""
    zero = b.dtype.type(0)
    n, k = Z.shape
    shift, threshold = shift_threshold[0], shift_threshold[1]
    seed, scale = seed[0], scale[0]
    for i in range(n):
        for j in range(k):
            x = _splitmix64(seed, np.uint64(i * k + j))
            Z[i, j] = _relu_dropped(Z[i, j], b[j], (x >> shift) >= threshold, scale, zero)

@jit
def bias_relu_dropout_24(Z, b, seed, threshold, scale):  # seed, threshold, scale: 1-arrays
    """``bias_relu_dropout`` with 24-bit draws, two per SplitMix64 output as Generator.random
    makes float32 numbers: unit e takes output e // 2, its low 32 bits for even e and its
    high 32 for odd e, of which the top 24.  Half the hashing of one output per unit."""
    zero = b.dtype.type(0)
    n, k = Z.shape
    seed, threshold, scale = seed[0], threshold[0], scale[0]
    low, high = np.uint64(0xFFFFFFFF), np.uint64(40)
    if k % 2 == 0:
        half = k // 2
        for i in range(n):
            for p in range(half):
                x = _splitmix64(seed, np.uint64(i * half + p))
                j = 2 * p
                keep_j = ((x & low) >> np.uint64(8)) >= threshold
                Z[i, j] = _relu_dropped(Z[i, j], b[j], keep_j, scale, zero)
                keep_next = (x >> high) >= threshold
                Z[i, j + 1] = _relu_dropped(Z[i, j + 1], b[j + 1], keep_next, scale, zero)
        return
    for i in range(n):  # odd k: pairs straddle rows, so each unit finds its own output
        for j in range(k):
            e = np.uint64(i * k + j)
            x = _splitmix64(seed, e >> np.uint64(1))
            draw = (x >> high) if e & np.uint64(1) else ((x & low) >> np.uint64(8))
            Z[i, j] = _relu_dropped(Z[i, j], b[j], draw >= threshold, scale, zero)

@jit
def relu_backward(dA, A, scale, db):
    """dA <- dA * scale where A > 0, else 0 (dR/dZ through dropout's scaling and ReLU, whose
    output A is 0 exactly where either removed the unit), in place; db <- its column sums,
    row after row as NumPy's ``sum(axis=0)`` adds them.  ``scale`` is a 1-array."""
    zero = db.dtype.type(0)
    n, k = dA.shape
    scale = scale[0]
    for j in range(k):
        db[j] = zero
    for i in range(n):
        for j in range(k):
            d = dA[i, j] * (scale if A[i, j] > zero else zero)
            dA[i, j] = d
            db[j] += d




# --- the loss: softmax cross-entropy and its gradient in two passes around NumPy's exp ---------
@jit
def _shift_rows(Z, S):
    """S <- Z - c, c_i = max_l z_il, so that exp never overflows."""
    n, k = Z.shape
    for i in range(n):
        c = Z[i, 0]
        for m in range(1, k):
            c = max(c, Z[i, m])
        for m in range(k):
            S[i, m] = Z[i, m] - c

@jit
def _cross_entropy_from_exp(Z, Y, E):
    """E = exp(Z - c) in, (softmax(Z) - Y) / n out in place; returns
    L = 1/n sum_i sum_m y_im (log sum_l E_il - (z_im - c_i)), summed in float64."""
    n, k = Z.shape
    n_t = Z.dtype.type(n)
    loss = 0.0
    for i in range(n):
        c = Z[i, 0]
        for m in range(1, k):
            c = max(c, Z[i, m])
        total = E[i, 0]
        for m in range(1, k):
            total += E[i, m]
        log_total = np.log(total)
        for m in range(k):
            y = Y[i, m]
            loss += float(y) * (float(log_total) - float(Z[i, m] - c))
            E[i, m] = (E[i, m] / total - y) / n_t
    return loss / n

def softmax_cross_entropy(Z, Y):
    """(L, dZ) of ``engine.losses.SoftmaxCrossEntropy`` with NumPy's exp (numba's scalar exp costs
    ten times more) between two compiled passes.  The row sums run left to right, NumPy's
    pairwise, and the loss is summed in float64: equal to the reference to a few ulps."""
    E = np.empty_like(Z)
    _shift_rows(Z, E)
    np.exp(E, out=E)
    return _cross_entropy_from_exp(Z, Y, E), E


KERNELS = dict(bias_relu=bias_relu, bias_relu_dropout=bias_relu_dropout,
               bias_relu_dropout_24=bias_relu_dropout_24, relu_backward=relu_backward,
               softmax_cross_entropy=softmax_cross_entropy)
