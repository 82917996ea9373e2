"""A hidden layer Dense -> ReLU (-> Dropout) as one stage: its product by BLAS, the rest in one
compiled pass forward and one backward.

    Z = X W + b,   A = max(Z, 0) * M / (1 - phi)
    dZ = dA * M / (1 - phi) * 1[Z > 0] = dA * (1 / (1 - phi) if A > 0 else 0)
    db = sum_i dZ[i],   dW = X^T dZ,   dX = dZ W^T

These are the equations of ``engine.dense``, ``engine.activations.ReLU`` and ``engine.dropout`` composed (A > 0
exactly where ReLU and the mask both kept the unit, so A alone carries the mask to the backward
pass).  The layers' NumPy lines, which stay the reference, make some six passes over the
(batch x units) values forward, with a float uniform draw per unit, and four backward; the
``backends.kernels`` kernels make one each way, and dropout's mask costs a SplitMix64 hash per two units
(float32; one per unit in float64), seeded from the fit's Generator once per layer and step.
The keep probability is the reference's exactly but the stream is another: a dropout network
fitted with numba is not, bit for bit, the one fitted without (each is reproducible).
``Sequential.forward`` runs the stages of ``stages(layers)``: this one wherever a Dense layer is
followed by ReLU and the backend has the kernels (NumPy with numba installed), ``DenseStage`` for
another Dense layer (the output layer: its bias gradient in one compiled pass), each layer's own
``forward`` elsewhere.  A stage given inputs other than a NumPy array of the weights' dtype (a
sparse matrix, say) runs its layers one by one.  The products are ``backends.blocked``'s
(with the threads "adaptive", blocks fixed by the shapes: the same bits on any thread count).
"""
import functools
import math
import weakref

import numpy as np

from ..backends.blocked import matmul
from .activations import ReLU
from .dense import Dense, dense_products
from .dropout import Dropout


class HiddenStage:
    def __init__(self, dense, relu, dropout, kernels):
        self.layers = [layer for layer in (dense, relu, dropout) if layer is not None]
        self.dense, self.dropout = dense, dropout
        (self.bias_relu, self.bias_relu_dropout, self.bias_relu_dropout_24, self.relu_backward,
         _) = kernels

    def _layer_by_layer(self, X, train, rng):
        return chain([layer.forward for layer in self.layers], X, train, rng)

    def forward(self, X, train=False, rng=None):
        dense = self.dense
        W = dense.W
        if not _compiled_input(X, W):
            return self._layer_by_layer(X, train, rng)
        Z = matmul(X, W)
        rate = self.dropout.rate if self.dropout is not None else 0.0  # read now: it may change
        if train and rate > 0:
            threshold, scale = _dropout_constants(rate, W.dtype.char)
            seed = rng.bit_generator.random_raw(1)
            if W.dtype == np.float32:
                self.bias_relu_dropout_24(Z, dense.b, seed, threshold, scale)
            else:
                self.bias_relu_dropout(Z, dense.b, seed, threshold, scale)
        else:
            self.bias_relu(Z, dense.b)
            scale = _dropout_constants(0.0, W.dtype.char)[1]

        def backprop(dA):
            self.relu_backward(dA, Z, scale, dense.db)
            if dA.shape[1] == 1:  # one unit: NumPy sums the column pairwise, as a vector
                np.add.reduce(dA, axis=0, out=dense.db)
            return dense_products(X, dA, dense)

        return Z, backprop


class DenseStage:
    """A Dense layer alone (the output layer): its products, Z += b, and the bias gradient in
    one compiled pass (``column_sums``: NumPy's reduction costs more than the sum here)."""

    def __init__(self, dense, column_sums):
        self.dense, self.column_sums = dense, column_sums

    def forward(self, X, train=False, rng=None):
        dense = self.dense
        W = dense.W
        if not _compiled_input(X, W):
            return dense.forward(X, train, rng)
        Z = matmul(X, W)
        Z += dense.b

        def backprop(dZ):
            if dZ.shape[1] > 1:
                self.column_sums(dZ, dense.db)
            else:  # one column: NumPy sums it pairwise, as a vector
                np.add.reduce(dZ, axis=0, out=dense.db)
            return dense_products(X, dZ, dense)

        return Z, backprop


def _compiled_input(X, W):
    """Whether the kernels take X: a 2-D NumPy array of the weights' dtype (not a sparse
    matrix, a tensor or another precision, which the layers' own lines handle)."""
    return type(X) is np.ndarray and X.dtype == W.dtype and X.ndim == 2


@functools.lru_cache(maxsize=64)
def _dropout_constants(rate, dtype_char):
    """(threshold, scale) as the kernels take them: a unit is kept when its draw k of ``bits``
    bits (those of Generator.random: 24 for float32, 53 for float64) has k 2^-bits >= phi, i.e.
    k >= ceil(phi 2^bits) with phi in the dtype; scale = 1 / (1 - phi) in the dtype.  For
    float64 the threshold array also holds the shift 64 - 53.  Read-only: shared by all calls."""
    dtype = np.dtype(dtype_char)
    bits = 24 if dtype == np.float32 else 53
    threshold = math.ceil(float(dtype.type(rate)) * 2.0**bits)
    threshold = np.array([threshold] if bits == 24 else [64 - bits, threshold], np.uint64)
    scale = np.array([1 / (1 - rate)], dtype)
    threshold.flags.writeable = scale.flags.writeable = False
    return threshold, scale


_KERNEL_NAMES = ("bias_relu", "bias_relu_dropout", "bias_relu_dropout_24", "relu_backward",
                 "column_sums")
_kernels = weakref.WeakKeyDictionary()  # backend -> its kernels, or None: looked up once


_last = [None, None]  # the last backend asked and its kernels: an identity test, no hashing


def kernels(backend):
    if backend is _last[0]:
        return _last[1]
    if backend not in _kernels:
        found = tuple(backend.fused(name) for name in _KERNEL_NAMES)
        _kernels[backend] = None if None in found else found
    _last[:] = backend, _kernels[backend]
    return _last[1]


def _replaced(layer):
    """Whether ``forward`` was replaced on the instance (a test's probe): then it runs as it is."""
    return "forward" in getattr(layer, "__dict__", ())


def chain(forwards, X, train, rng):
    """Run ``forwards`` in order; return the output and one closure running their backprops
    in reverse (the chain rule through the whole sequence)."""
    backprops = []
    for forward in forwards:
        X, backprop = forward(X, train, rng)
        backprops.append(backprop)

    def backprop_all(dY):
        for backprop in reversed(backprops):
            dY = backprop(dY)
        return dY

    return X, backprop_all


def plan_key(layers):
    """What ``stages(layers)`` depends on: the layers, their backends (whose kernels the stages
    use) and any ``forward`` set on an instance; equal keys give equal plans."""
    return tuple((layer, getattr(layer, "backend", None),
                  getattr(layer, "__dict__", {}).get("forward")) for layer in layers)


def stages(layers):
    """The forward functions to run in order: fused hidden stages where possible, else layers'."""
    out, i, n = [], 0, len(layers)
    while i < n:
        layer = layers[i]
        if _replaced(layer) or type(layer) is not Dense:
            out.append(layer.forward)
            i += 1
            continue
        found = kernels(layer.backend)
        if found is None:
            out.append(layer.forward)
            i += 1
        elif i + 1 < n and type(layers[i + 1]) is ReLU and not _replaced(layers[i + 1]):
            dropout = layers[i + 2] if i + 2 < n and type(layers[i + 2]) is Dropout else None
            dropout = None if dropout is None or _replaced(dropout) else dropout
            out.append(HiddenStage(layer, layers[i + 1], dropout, found).forward)
            i += 2 if dropout is None else 3
        else:
            out.append(DenseStage(layer, found[-1]).forward)
            i += 1
    return out
