"""The elementwise passes of a training step as single Triton kernels, for the whole-epoch CUDA
program (``engine.fused_epoch``); imported only on a CUDA ``TorchBackend`` (needs Triton).

    bias_relu_dropout        out = max(H + b, 0) * keep / (1 - phi),  keep = u >= phi
    relu_dropout_backward    dA <- dA / (1 - phi) where A > 0, else 0       (in place)
    softmax_xent             dZ = (softmax(Z + b) - Y) / n,  total += sum_i R_i
    head_softmax_xent        the same with Z = A W computed in the kernel (the output layer)
    head_backward            dA = (dZ W^T) / (1 - phi) where A > 0, else 0 (its input gradient)
    rmsprop                  s <- a s + (1 - a) g^2,  theta <- theta - rho g / sqrt(s + eps)

Each is one launch where the engine's NumPy lines make three to nine passes, so a captured step
is its larger matrix products (cuBLAS) and six of these.  The products inside the two head
kernels (the output layer has few columns) follow torch's float32 matmul precision, as cuBLAS
does: full float32 ("highest", the default), else TF32.  The arithmetic is the lines' (the
same operations in the same order, IEEE-rounded division and square root); dropout's uniform
draws u come from Philox keyed by a seed read from device memory (an int64 tensor the caller
sets before each replay) plus a ``salt`` naming the step and layer, counted by the element's
index, so a CUDA graph replays fresh masks without host work.  float32 only (the scalars
travel as float32 arguments; float64 fits take the engine's own lines).  ``out`` and ``A`` may be
column slices of wider buffers (a row stride of their own): the engine keeps a column of ones
beside each layer's input, so that one product gives dW and db together.
"""
import triton
import triton.language as tl

_BLOCK = 1024


@triton.jit(do_not_specialize=["salt"])  # one compiled kernel for every step's salt
def _bias_relu_dropout(H, b, out, seed_ptr, salt, n_cols, n, ld_out, rate, scale,
                       DROP: tl.constexpr, BLOCK: tl.constexpr):
    i = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    inside = i < n
    row, col = i // n_cols, i % n_cols
    z = tl.load(H + i, mask=inside) + tl.load(b + col, mask=inside)
    a = tl.maximum(z, 0.0, propagate_nan=tl.PropagateNan.ALL)
    if DROP:
        u = tl.rand(tl.load(seed_ptr) + salt, i)
        a = tl.where(u >= rate, a * scale, 0.0)
    tl.store(out + row * ld_out + col, a, mask=inside)


@triton.jit
def _relu_dropout_backward(dA, A, n_cols, n, ld_a, scale, BLOCK: tl.constexpr):
    i = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    inside = i < n
    kept = tl.load(A + (i // n_cols) * ld_a + i % n_cols, mask=inside) > 0
    g = tl.load(dA + i, mask=inside)
    tl.store(dA + i, tl.where(kept, g * scale, 0.0), mask=inside)


@triton.jit
def _softmax_xent(Z, b, Y, dZ, total, n_rows, n_cols, ld_y, n_float,
                  BLOCK_R: tl.constexpr, BLOCK_C: tl.constexpr):
    rows = tl.program_id(0) * BLOCK_R + tl.arange(0, BLOCK_R)
    cols = tl.arange(0, BLOCK_C)
    in_rows, in_cols = rows < n_rows, cols < n_cols
    inside = in_rows[:, None] & in_cols[None, :]
    z = tl.load(Z + rows[:, None] * n_cols + cols[None, :], mask=inside, other=float("-inf"))
    z = z + tl.load(b + cols, mask=in_cols, other=0.0)[None, :]
    y = tl.load(Y + rows[:, None] * ld_y + cols[None, :], mask=inside, other=0.0)
    shifted = z - tl.where(in_rows, tl.max(z, axis=1), 0.0)[:, None]
    e = tl.where(inside, tl.exp(shifted), 0.0)
    sums = tl.where(in_rows, tl.sum(e, axis=1), 1.0)
    zero = tl.zeros((BLOCK_R, BLOCK_C), dtype=tl.float32)  # div_rn takes equal shapes
    g = tl.div_rn(tl.div_rn(e, sums[:, None] + zero) - y, n_float + zero)
    tl.store(dZ + rows[:, None] * n_cols + cols[None, :], g, mask=inside)
    value = tl.sum(y, axis=1) * tl.log(sums) - tl.sum(tl.where(inside, y * shifted, 0.0), axis=1)
    tl.atomic_add(total, tl.sum(tl.where(in_rows, value, 0.0), axis=0).to(tl.float64))


@triton.jit
def _head_softmax_xent(A, ld_a, W, b, Y, ld_y, dZ, total, n_rows, n_cols, n_float,
                       N_IN: tl.constexpr, BLOCK_R: tl.constexpr, BLOCK_K: tl.constexpr,
                       BLOCK_C: tl.constexpr, PRECISION: tl.constexpr):
    rows = tl.program_id(0) * BLOCK_R + tl.arange(0, BLOCK_R)
    cols = tl.arange(0, BLOCK_C)
    in_rows, in_cols = rows < n_rows, cols < n_cols
    z = tl.zeros((BLOCK_R, BLOCK_C), dtype=tl.float32)
    for k0 in range(0, N_IN, BLOCK_K):  # Z = A W, the output layer's product
        k = k0 + tl.arange(0, BLOCK_K)
        a = tl.load(A + rows[:, None] * ld_a + k[None, :],
                    mask=in_rows[:, None] & (k < N_IN)[None, :], other=0.0)
        w = tl.load(W + k[:, None] * n_cols + cols[None, :],
                    mask=(k < N_IN)[:, None] & in_cols[None, :], other=0.0)
        z = tl.dot(a, w, z, input_precision=PRECISION)
    inside = in_rows[:, None] & in_cols[None, :]
    z = tl.where(inside, z + tl.load(b + cols, mask=in_cols, other=0.0)[None, :], float("-inf"))
    y = tl.load(Y + rows[:, None] * ld_y + cols[None, :], mask=inside, other=0.0)
    shifted = z - tl.where(in_rows, tl.max(z, axis=1), 0.0)[:, None]
    e = tl.where(inside, tl.exp(shifted), 0.0)
    sums = tl.where(in_rows, tl.sum(e, axis=1), 1.0)
    zero = tl.zeros((BLOCK_R, BLOCK_C), dtype=tl.float32)
    g = tl.div_rn(tl.div_rn(e, sums[:, None] + zero) - y, n_float + zero)
    tl.store(dZ + rows[:, None] * n_cols + cols[None, :], g, mask=inside)
    value = tl.sum(y, axis=1) * tl.log(sums) - tl.sum(tl.where(inside, y * shifted, 0.0), axis=1)
    tl.atomic_add(total, tl.sum(tl.where(in_rows, value, 0.0), axis=0).to(tl.float64))


@triton.jit
def _head_backward(dZ, W, A, ld_a, dA, n_rows, n_cols, n_hidden, scale,
                   BLOCK_R: tl.constexpr, BLOCK_H: tl.constexpr, BLOCK_C: tl.constexpr,
                   PRECISION: tl.constexpr):
    rows = tl.program_id(0) * BLOCK_R + tl.arange(0, BLOCK_R)
    hidden = tl.program_id(1) * BLOCK_H + tl.arange(0, BLOCK_H)
    cols = tl.arange(0, BLOCK_C)
    in_rows, in_hidden, in_cols = rows < n_rows, hidden < n_hidden, cols < n_cols
    g = tl.load(dZ + rows[:, None] * n_cols + cols[None, :],
                mask=in_rows[:, None] & in_cols[None, :], other=0.0)
    w_t = tl.load(W + hidden[None, :] * n_cols + cols[:, None],  # W^T: (classes, hidden)
                  mask=in_cols[:, None] & in_hidden[None, :], other=0.0)
    d = tl.dot(g, w_t, input_precision=PRECISION)  # dA = dZ W^T
    inside = in_rows[:, None] & in_hidden[None, :]
    kept = tl.load(A + rows[:, None] * ld_a + hidden[None, :], mask=inside, other=0.0) > 0
    tl.store(dA + rows[:, None] * n_hidden + hidden[None, :], tl.where(kept, d * scale, 0.0),
             mask=inside)


@triton.jit
def _rmsprop(theta, grad, square_avg, learning_rate, n, rho, one_minus_rho, eps,
             BLOCK: tl.constexpr):
    i = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    inside = i < n
    g = tl.load(grad + i, mask=inside)
    s = tl.load(square_avg + i, mask=inside) * rho + g * g * one_minus_rho
    tl.store(square_avg + i, s, mask=inside)
    rate = tl.load(learning_rate).to(g.dtype)
    step = tl.div_rn(g, tl.sqrt_rn(s + eps)) * rate
    tl.store(theta + i, tl.load(theta + i, mask=inside) - step, mask=inside)


def _grid(n):
    return (triton.cdiv(n, _BLOCK),)


def bias_relu_dropout(H, b, out, rate, seed, salt):
    """``out`` (H's shape, rows ``out.stride(0)`` apart) <- max(H + b, 0) with dropout ``rate``;
    ``H`` contiguous, ``seed`` an int64 device tensor, ``salt`` an int (the step and layer)."""
    n_rows, n_cols = H.shape
    n = n_rows * n_cols
    _bias_relu_dropout[_grid(n)](H, b, out, seed, salt, n_cols, n, out.stride(0), float(rate),
                                 1 / (1 - rate), DROP=rate > 0, BLOCK=_BLOCK)
    return out


def relu_dropout_backward(dA, A, scale):
    """dA (contiguous) <- dA * scale where A > 0, else 0 (A's rows ``A.stride(0)`` apart)."""
    n_rows, n_cols = dA.shape
    n = n_rows * n_cols
    _relu_dropout_backward[_grid(n)](dA, A, n_cols, n, A.stride(0), float(scale), BLOCK=_BLOCK)
    return dA


def softmax_xent(Z, b, Y, dZ, total):
    """dZ <- (softmax(Z + b) - Y) / n and total (a float64 0-d tensor) += n R, R the mean
    cross-entropy; Z and dZ contiguous, Y's rows ``Y.stride(0)`` apart.  Each program takes a
    block of rows and adds its part of n R to ``total`` atomically (in float64, the parts in
    any order); None (nothing done) when a row has more than 8,192 classes: the caller
    computes it another way."""
    n_rows, n_cols = Z.shape
    block_c = triton.next_power_of_2(n_cols)
    if block_c > 8192:
        return None
    block_r = max(1, min(triton.next_power_of_2(n_rows), 256 // block_c))
    size = block_r * block_c
    _softmax_xent[(triton.cdiv(n_rows, block_r),)](
        Z, b, Y, dZ, total, n_rows, n_cols, Y.stride(0), float(n_rows), BLOCK_R=block_r,
        BLOCK_C=block_c, num_warps=2 if size <= 512 else 4 if size <= 2048 else 8)
    return dZ


def rmsprop(theta, grad, square_avg, learning_rate, rho, eps):
    """Keras's RMSprop step on flat contiguous vectors; ``learning_rate`` a 0-d device tensor."""
    n = theta.numel()
    _rmsprop[_grid(n)](theta, grad, square_avg, learning_rate, n, float(rho), float(1 - rho),
                       float(eps), BLOCK=_BLOCK)


def _precision():
    """tl.dot's input precision from torch's float32 matmul setting, as cuBLAS follows it."""
    import torch
    return "ieee" if torch.get_float32_matmul_precision() == "highest" else "tf32"


def head_softmax_xent(A, W, b, Y, dZ, total):
    """The output layer and the loss in one kernel: Z = A W + b, then ``softmax_xent``'s dZ
    and total (A's rows ``A.stride(0)`` apart).  None (nothing done) for more than 64 classes."""
    n_rows, n_in = A.shape
    n_cols = W.shape[1]
    block_c = max(16, triton.next_power_of_2(n_cols))
    if block_c > 64:
        return None
    _head_softmax_xent[(triton.cdiv(n_rows, 16),)](
        A, A.stride(0), W, b, Y, Y.stride(0), dZ, total, n_rows, n_cols, float(n_rows),
        N_IN=n_in, BLOCK_R=16, BLOCK_K=32, BLOCK_C=block_c, PRECISION=_precision(), num_warps=2)
    return dZ


def head_backward(dZ, W, A, dA, scale):
    """dA <- (dZ W^T) * scale where A > 0, else 0: the output layer's input gradient through
    the hidden layer's dropout and ReLU (A's rows ``A.stride(0)`` apart).  None (nothing
    done) for more than 64 classes."""
    n_rows, n_cols = dZ.shape
    n_hidden = W.shape[0]
    block_c = max(16, triton.next_power_of_2(n_cols))
    if block_c > 64:
        return None
    grid = (triton.cdiv(n_rows, 32), triton.cdiv(n_hidden, 32))
    _head_backward[grid](dZ, W, A, A.stride(0), dA, n_rows, n_cols, n_hidden, float(scale),
                         BLOCK_R=32, BLOCK_H=32, BLOCK_C=block_c, PRECISION=_precision(),
                         num_warps=2)
    return dA
