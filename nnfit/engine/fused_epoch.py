"""The whole-epoch program with the elementwise passes of each step fused: on CUDA a step of the
MNIST network is six matrix products (cuBLAS) and six Triton kernels (``backends.
triton_kernels``, two of them holding the output layer's small products): 14 launches with
cuBLAS's split-K pieces, against 61 of ``cuda_graph``'s program (``bench/README.md``).

What it does otherwise than ``cuda_graph.EpochProgram`` (whose checks, state, learning rate,
divergence test and capture it keeps):

* rows gathered once an epoch: the prologue writes X[order] and Y[order] into buffers whose
  slices the steps read (no gather per step);
* a column of ones beside each layer's input (the copy of X, each hidden layer's output
  buffer): a Dense layer's W and b lie next to each other in theta, so one product
  [A, 1]^T dZ gives (dW; db), written straight into the gradient vector;
* Dense -> ReLU (-> Dropout): the product, then one pass for bias, ReLU and the mask; back,
  the product dZ W^T, then one pass (A > 0 carries both ReLU's zeros and the mask's);
* the output layer with softmax cross-entropy: one kernel gives Z = A W + b, R, dR/dZ and the
  epoch's total; back, one kernel gives dZ W^T through the hidden layer's dropout and ReLU
  (``fuse_head``; at most 64 classes); RMSprop: one pass over theta;
* on CUDA each layer's dW product runs on a second stream beside the next dX product, captured
  as parallel branches of the graph (``side_stream``).

Dropout's masks come from Philox in the kernel, keyed by a seed tensor filled before each replay
(one draw from the fit's generator, as the unfused graph seeds torch's generator) and the step
and layer.  Other losses, penalties and optimizers run the engine's own lines on the device.
Without the kernels (torch-cpu, where the tests run the program eagerly) every pass is the
engine's NumPy line on torch, so in float64 with ``host_random`` draws the program takes the
training loop's steps to rounding (the bias gradient as a product: another summation order).
"""
import contextlib

import torch

from .activations import ReLU
from .cuda_graph import EpochProgram, GraphedEpoch, device_loss, device_penalty, graphable
from .dense import Dense
from .dropout import Dropout
from .losses import SoftmaxCrossEntropy
from .optimizers import Adam, RMSprop


def fused_epoch(objective, optimizer, X, Y, batch_size, augment=None):
    """A ``GraphedFusedEpoch`` where the backend has the kernels (``step_kernels()``: CUDA,
    Triton, ``fused_step=True``), the network is Dense -> ReLU (-> Dropout) ... -> Dense in
    float32 and the fit can be graphed at all; else None (``cuda_graph.graphed_epoch`` then)."""
    network = objective.network
    step_kernels = getattr(network.backend, "step_kernels", None)
    kernels = step_kernels() if step_kernels is not None else None
    if (kernels is None or network.theta.dtype != torch.float32 or X.ndim != 2
            or fusable_layers(network) is None
            or not graphable(objective, optimizer, X, batch_size, augment)):
        return None
    try:
        return GraphedFusedEpoch(objective, optimizer, X, Y, batch_size, kernels)
    except torch.cuda.OutOfMemoryError:  # the epoch's copy of X does not fit: unfused program
        return None


def fusable_layers(network):
    """([(Dense, Dropout or None)] of the hidden layers, the output Dense), or None when the
    layers are not Dense -> ReLU (-> Dropout) ... -> Dense with each Dense's b right after its
    W in theta (as ``Sequential`` lays them out)."""
    layers = getattr(network, "layers", ())

    def plain(i, kind):  # a layer of exactly this type, no forward set on the instance
        return i < len(layers) and type(layers[i]) is kind and "forward" not in vars(layers[i])

    hidden, i = [], 0
    while plain(i, Dense) and plain(i + 1, ReLU):
        dropout = layers[i + 2] if plain(i + 2, Dropout) else None
        hidden.append((layers[i], dropout))
        i += 2 if dropout is None else 3
    if i != len(layers) - 1 or not plain(i, Dense):
        return None
    for dense in [d for d, _ in hidden] + [layers[i]]:
        W, b = dense.W, dense.b
        if W is None or b.data_ptr() != W.data_ptr() + W.numel() * W.element_size():
            return None
    return hidden, layers[i]


def _with_ones(xp, rows, width, dtype):
    """A (rows, width + 1 rounded up to 4) buffer with ones in column ``width``, zeros after."""
    buffer = xp.zeros((rows, -(-(width + 1) // 4) * 4), dtype=dtype)
    buffer[:, width] = 1
    return buffer


class FusedEpochProgram(EpochProgram):
    """``EpochProgram`` with fused steps; ``kernels`` the Triton module (None: torch lines)."""

    side_stream = True  # CUDA: each dW product on a second stream beside the dX product
    fuse_head = True  # CUDA: the output layer's two products in kernels with the loss / ReLU

    def __init__(self, objective, optimizer, X, Y, batch_size, kernels=None):
        super().__init__(objective, optimizer, X, Y, batch_size)
        self.kernels = kernels
        self.hidden, self.output = fusable_layers(self.network)
        xp, dtype, size = self.backend.xp, X.dtype, batch_size
        self.denses = [dense for dense, _ in self.hidden] + [self.output]
        self.inputs = _with_ones(xp, X.shape[0], X.shape[1], dtype)  # X[order], then ones
        self.targets = xp.empty_like(Y)  # Y[order]
        self.H = [xp.empty((size, d.n_out), dtype=dtype) for d, _ in self.hidden]
        self.A = [_with_ones(xp, size, d.n_out, dtype) for d, _ in self.hidden]
        self.dA = [xp.empty((size, d.n_out), dtype=dtype) for d, _ in self.hidden]
        self.Z = xp.empty((size, self.output.n_out), dtype=dtype)
        self.dZ = xp.empty_like(self.Z)
        self.grads = [self._extended(self.network.grad, d.W, d) for d in self.denses]
        self.seed = torch.zeros((), dtype=torch.int64, device=self.backend.device)
        cuda = kernels is not None and self.side_stream
        self._side = torch.cuda.Stream(self.backend.device) if cuda else None

    def _extended(self, vector, W, dense):
        """The (n_in + 1, n_out) view of ``vector`` (theta or grad) holding W's rows, then b's."""
        start = (W.data_ptr() - self.network.theta.data_ptr()) // W.element_size()
        return vector[start:start + (dense.n_in + 1) * dense.n_out].view(dense.n_in + 1, -1)

    def _prologue(self, rng):
        """The permutation (``EpochProgram``'s), then the rows in its order, X's and Y's."""
        super()._prologue(rng)
        self.inputs[:, :self.X.shape[1]] = self.X.index_select(0, self.order)
        torch.index_select(self.Y, 0, self.order, out=self.targets)

    def run(self, rng=None, steps=None):
        self.total.zero_()
        for step in range(self.n_steps) if steps is None else steps:
            self._step(step, rng)
        return self.total

    def _step(self, step, rng):
        xp, start = self.backend.xp, step * self.batch_size
        stop = min(start + self.batch_size, self.X.shape[0])
        n = stop - start
        inputs = [self.inputs[start:stop]] + [A[:n] for A in self.A]
        for i, (dense, dropout) in enumerate(self.hidden):  # forward
            H = self.H[i][:n]
            xp.matmul(inputs[i][:, :dense.n_in], dense.W, out=H)
            rate = dropout.rate if dropout is not None else 0.0
            self._bias_relu_dropout(H, dense.b, inputs[i + 1][:, :dense.n_out], rate,
                                    step * len(self.hidden) + i, rng)
        output, Z, dZ = self.output, self.Z[:n], self.dZ[:n]
        A, Y = inputs[-1][:, :output.n_in], self.targets[start:stop]
        if not self._head(A, output, Y, dZ):
            xp.matmul(A, output.W, out=Z)
            self._loss(Z, output.b, Y, dZ)
        for i in reversed(range(len(self.denses))):  # backward: dW and db, then dX
            dense = self.denses[i]
            with self._beside(i > 0):
                xp.matmul(inputs[i][:, :dense.n_in + 1].T, dZ, out=self.grads[i])
            if i:
                dA, A = self.dA[i - 1][:n], inputs[i][:, :dense.n_in]
                dropout = self.hidden[i - 1][1]
                scale = 1 / (1 - (dropout.rate if dropout is not None else 0.0))
                if not (dense is output and self._head_backward(dZ, dense.W, A, dA, scale)):
                    xp.matmul(dZ, dense.W.T, out=dA)
                    self._relu_dropout_backward(dA, A, scale)
                dZ = dA
        if self._side is not None:
            torch.cuda.current_stream(self.backend.device).wait_stream(self._side)
        penalty = device_penalty(self.objective.penalty, xp)
        if penalty is not None:
            self.total.add_(penalty, alpha=n)
        self._update()

    @contextlib.contextmanager
    def _beside(self, fork):
        """Run the block on the side stream (after what the current stream has queued)."""
        if not fork or self._side is None:
            yield
            return
        self._side.wait_stream(torch.cuda.current_stream(self.backend.device))
        with torch.cuda.stream(self._side):
            yield

    # --- the passes: a kernel, or the engine's lines ---------------------------------------
    def _head(self, A, output, Y, dZ):
        """The output layer's product and softmax cross-entropy in one kernel; False where
        not (no kernels, another loss, many classes)."""
        return (self.kernels is not None and self.fuse_head
                and type(self.objective.loss) is SoftmaxCrossEntropy
                and self.kernels.head_softmax_xent(A, output.W, output.b, Y, dZ,
                                                   self.total) is not None)

    def _head_backward(self, dZ, W, A, dA, scale):
        """dA = (dZ W^T) through the hidden layer's dropout and ReLU in one kernel, or False."""
        return (self.kernels is not None and self.fuse_head
                and self.kernels.head_backward(dZ, W, A, dA, scale) is not None)

    def _bias_relu_dropout(self, H, b, out, rate, salt, rng):
        if self.kernels is not None:
            self.kernels.bias_relu_dropout(H, b, out, rate, self.seed, salt)
            return
        xp = self.backend.xp  # Dense's Z += b, ReLU's max(Z, 0), Dropout's lines
        H += b
        A = xp.maximum(H, 0)
        if rate > 0:
            mask = self.backend.uniform(rng, A.shape, A.dtype)
            xp.greater_equal(mask, rate, out=mask)
            mask *= 1 / (1 - rate)
            xp.multiply(A, mask, out=out)
        else:
            out.copy_(A)

    def _relu_dropout_backward(self, dA, A, scale):
        if self.kernels is not None:
            self.kernels.relu_dropout_backward(dA, A, scale)
            return
        if scale != 1:  # Dropout's dA *= M / (1 - phi), then ReLU's dA *= A > 0
            mask = (A > 0).to(dA.dtype)
            mask *= scale
            dA *= mask
        else:
            dA *= A > 0

    def _loss(self, Z, b, Y, dZ):
        """dR/dZ into ``dZ``; total += n R."""
        loss = self.objective.loss
        if (self.kernels is not None and type(loss) is SoftmaxCrossEntropy
                and self.kernels.softmax_xent(Z, b, Y, dZ, self.total) is not None):
            return
        Z += b
        value, grad = device_loss(loss, Z, Y)
        dZ.copy_(grad)
        self.total.add_(value, alpha=Z.shape[0])

    def _update(self):
        opt, theta, grad = self.optimizer, self.network.theta, self.network.grad
        if type(opt) is RMSprop and self.kernels is not None:
            self.kernels.rmsprop(theta, grad, opt.square_avg, self.learning_rate, opt.rho, opt.eps)
        elif isinstance(opt, Adam):
            self._adam_step(theta, grad)
        else:
            opt.step(theta, grad)


class GraphedFusedEpoch(FusedEpochProgram, GraphedEpoch):
    """The fused program captured as one CUDA graph (``GraphedEpoch``'s warm-up and capture);
    each replay first writes the epoch's dropout seed into ``seed``."""

    def _replay(self, seed):
        self.seed.fill_(seed)
        self.graph.replay()
