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


# --- hidden layers: Dense -> ReLU (-> Dropout) in one pass forward and one backward ------------
# (``_stages``).  Without dropout the arithmetic is that of the NumPy lines, value for value.
# Dropout's mask comes from SplitMix64 (Steele, Lea & Flood 2014) seeded once per layer and step
# from the fit's numpy Generator: output number m of the step is mix(seed + (m + 1) gamma); a
# unit's draw k of ``bits`` bits keeps it when k >= threshold, i.e. when k 2^-bits >= phi.  With
# 24 bits for float32 (two draws per output) and 53 for float64 (one), the bits of
# ``Generator.random``, the keep probability is the reference's exactly; only the stream differs.
if numba is not None:
    _GAMMA = np.uint64(0x9E3779B97F4A7C15)
    _MIX1, _MIX2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)

    _inline = numba.njit(cache=True, error_model="numpy", nogil=True, inline="always")

    @_inline
    def _splitmix64(seed, m):
        """Output m (from 0) of SplitMix64 seeded with ``seed``: mix(seed + (m + 1) gamma)."""
        x = seed + (m + np.uint64(1)) * _GAMMA
        x = (x ^ (x >> np.uint64(30))) * _MIX1
        x = (x ^ (x >> np.uint64(27))) * _MIX2
        return x ^ (x >> np.uint64(31))

    @_inline
    def _relu_dropped(z, b, kept, scale, zero):
        """max(z + b, 0) * (scale if kept else 0), ``zero`` in z's dtype; a NaN stays NaN, as
        with np.maximum."""
        a = z + b
        a = zero if a <= zero else a
        return a * (scale if kept else zero)

    @_jit
    def bias_relu(Z, b):
        """Z <- max(Z + b, 0) in place (Z: n x k, b: k)."""
        zero = b.dtype.type(0)
        n, k = Z.shape
        for i in range(n):
            for j in range(k):
                a = Z[i, j] + b[j]
                Z[i, j] = zero if a <= zero else a  # NaN stays NaN, as with np.maximum

    @_jit
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

    @_jit
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

    @_jit
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

    KERNELS.update(bias_relu=bias_relu, bias_relu_dropout=bias_relu_dropout,
                   bias_relu_dropout_24=bias_relu_dropout_24, relu_backward=relu_backward)


# --- the loss: softmax cross-entropy and its gradient in two passes around NumPy's exp ---------
if numba is not None:
    @_jit
    def _shift_rows(Z, S):
        """S <- Z - c, c_i = max_l z_il, so that exp never overflows."""
        n, k = Z.shape
        for i in range(n):
            c = Z[i, 0]
            for m in range(1, k):
                c = max(c, Z[i, m])
            for m in range(k):
                S[i, m] = Z[i, m] - c

    @_jit
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
        """(L, dZ) of ``_losses.SoftmaxCrossEntropy`` with NumPy's exp (numba's scalar exp costs
        ten times more) between two compiled passes.  The row sums run left to right, NumPy's
        pairwise, and the loss is summed in float64: equal to the reference to a few ulps."""
        E = np.empty_like(Z)
        _shift_rows(Z, E)
        np.exp(E, out=E)
        return _cross_entropy_from_exp(Z, Y, E), E

    KERNELS["softmax_cross_entropy"] = softmax_cross_entropy



# --- RMSprop skipping blocks of zero gradients -------------------------------------------------
if numba is not None:
    _BLOCK = 128

    @_jit
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

    KERNELS["rmsprop"] = rmsprop_blocks


# --- augmentation: bilinear resampling of a stack of images ------------------------------------
if numba is not None:
    @_jit
    def bilinear(images, rows, cols, out):
        """out[i, p] = image i (H x W, 0 outside) interpolated bilinearly at row rows[i, p] - 1,
        column cols[i, p] - 1 (coordinates in the frame of the image bordered by one row and
        column of zeros, as ``augment._resample`` gives them to scipy's map_coordinates).
        As scipy computes it (same bits, float64 too): float64 arithmetic, the four corners
        summed in the same order, each as (pixel * row weight) * column weight with weights
        1 - t and t.  Values outside [0, 1] cannot arise."""
        n, H, W = images.shape
        for i in range(n):
            for p in range(rows.shape[1]):
                r = np.float64(rows[i, p])
                c = np.float64(cols[i, p])
                r0 = np.floor(r)
                c0 = np.floor(c)
                tr = r - r0
                tc = c - c0
                ir = np.int64(r0) - 1
                ic = np.int64(c0) - 1
                value = 0.0
                if 0 <= ir < H:
                    if 0 <= ic < W:
                        value += np.float64(images[i, ir, ic]) * (1.0 - tr) * (1.0 - tc)
                    if 0 <= ic + 1 < W:
                        value += np.float64(images[i, ir, ic + 1]) * (1.0 - tr) * tc
                if 0 <= ir + 1 < H:
                    if 0 <= ic < W:
                        value += np.float64(images[i, ir + 1, ic]) * tr * (1.0 - tc)
                    if 0 <= ic + 1 < W:
                        value += np.float64(images[i, ir + 1, ic + 1]) * tr * tc
                out[i, p] = value

    KERNELS["bilinear"] = bilinear


# --- the bias gradient of a Dense layer without a fused activation -----------------------------
if numba is not None:
    @_jit
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

    KERNELS["column_sums"] = column_sums
