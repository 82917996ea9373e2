"""A whole epoch of minibatch steps as device work, captured once as a CUDA graph and replayed.

A step of the MNIST network is some forty small kernels (three matrix products forward, five
back, the activations, dropout, the loss, RMSprop's passes over theta); launched one by one
from Python they cost more than they compute.  ``EpochProgram`` takes the epoch's
ceil(n / B) steps with no host synchronisation: it gathers each batch, in the order of a
permutation drawn on the device before the epoch, into static buffers, runs the layers' own
forward passes and
backprop closures (dropout draws from torch's default generator), computes the loss and the
penalties as the ``engine.losses`` and ``engine.penalties`` lines do but leaves their values on the device,
updates theta, and adds n_b R_b into a device total.  ``GraphedEpoch`` captures that program
into a ``torch.cuda.CUDAGraph`` at the first epoch and replays it at every epoch: the total
is read once per epoch, where divergence is checked.

What changes between epochs lives in device tensors the graph reads: the permutation of the
rows (drawn outside the graph, as in the step-by-step loop: sorting inside a capture is not
safe for every size), the learning rate (its decay) and Adam's step count t (its bias
corrections 1 - beta^t).  The seed of the epoch's dropout masks is drawn from the fit's NumPy
generator and given to torch's default CUDA generator before the replay (graph-safe RNG: a
replay reads the generator's seed and offset), whose state is put back afterwards.

Where the backend has Triton kernels and the network is Dense -> ReLU (-> Dropout) layers,
``fused_epoch`` runs the same steps with their elementwise passes fused (the default on CUDA);
this program stays for the other fits and with ``fused_step=False``.

Run eagerly (``EpochProgram(...)(rng)`` with the fit's generator) the program takes the same
steps as the training loop, number for number in float64 with ``host_random`` draws
(``tests/test_torch_backend.py``), which is how it is tested on machines without a GPU.
"""
import contextlib
import math

import torch

from .losses import SigmoidBinaryCrossEntropy, SoftmaxCrossEntropy, SquaredError
from .objective import Objective
from .optimizers import SGD, Adam, RMSprop
from .training import DivergenceError

_LOSSES = (SquaredError, SoftmaxCrossEntropy, SigmoidBinaryCrossEntropy)
_OPTIMIZERS = (SGD, RMSprop, Adam)


def graphed_epoch(objective, optimizer, X, Y, batch_size, augment=None, compile_step=False):
    """A ``GraphedEpoch``, or None where the fit needs the step-by-step loop (``graphable``)."""
    if not graphable(objective, optimizer, X, batch_size, augment):
        return None
    return GraphedEpoch(objective, optimizer, X, Y, batch_size, compile_step)


def graphable(objective, optimizer, X, batch_size, augment=None):
    """Whether an epoch can run as a program: not with full batches, an ``augment`` function
    (NumPy, on the host), sample weights, or an objective, loss or optimizer this module does
    not know (whose arithmetic it would not reproduce)."""
    loss = objective.loss
    known = (type(objective) is Objective and not getattr(objective, "weighted", False)
             and set(vars(objective)) <= {"network", "loss", "penalty", "weighted"}
             and type(loss) in _LOSSES and set(vars(loss)) == {"backend"}
             and type(optimizer) in _OPTIMIZERS)
    return known and augment is None and batch_size < X.shape[0]


def device_loss(loss, Z, Y):
    """(R on the batch as a 0-d tensor, dR/dZ): the arithmetic of ``loss.__call__`` without
    its ``float()``, which would wait for the device."""
    xp, n = loss.backend.xp, Z.shape[0]
    if isinstance(loss, SquaredError):
        residual = Z - Y
        value = 0.5 * xp.vdot(residual, residual) / n
        residual /= n
        return value, residual
    if isinstance(loss, SoftmaxCrossEntropy):
        shifted = Z - xp.max(Z, axis=1, keepdims=True)
        E = xp.exp(shifted)
        total = E.sum(axis=1)
        value = (xp.vdot(Y.sum(axis=1), xp.log(total)) - xp.vdot(Y, shifted)) / n
        E /= total[:, None]
        E -= Y
        E /= n
        return value, E
    value = (xp.sum(xp.logaddexp(0, Z)) - xp.vdot(Y, Z)) / n
    dZ = loss.backend.special.expit(Z)
    dZ -= Y
    dZ /= n
    return value, dZ


def device_penalty(penalty, xp):
    """P(theta) as a 0-d tensor (None without penalties), with dP/dW added to each dW:
    ``Penalty.add_gradient`` with the subnormal weights flushed by a masked fill."""
    value = None
    for layer, ridge, lasso in zip(penalty.dense, penalty.ridge, penalty.lasso):
        W, dW = layer.W, layer.dW
        if ridge:
            term = ridge * xp.vdot(W, W)
            value = term if value is None else value + term
            W.masked_fill_(xp.abs(W) < xp.finfo(W.dtype).tiny, 0)
            dW += (2 * ridge) * W
        if lasso:
            term = lasso * xp.abs(W).sum()
            value = term if value is None else value + term
            dW += lasso * xp.sign(W)
    return value


class EpochProgram:
    """One epoch of steps on the device; ``program(rng)`` runs it eagerly and returns the sum
    of n_b R_b over the batches (the ``train_epoch`` of ``run_epochs``)."""

    def __init__(self, objective, optimizer, X, Y, batch_size, compile_step=False):
        self.objective, self.optimizer = objective, optimizer
        self.network = objective.network
        self.backend = self.network.backend
        self.X, self.Y, self.batch_size = X, Y, batch_size
        self.n_steps = math.ceil(X.shape[0] / batch_size)
        xp = self.backend.xp
        self.X_batch, self.Y_batch = xp.copy(X[:batch_size]), xp.copy(Y[:batch_size])
        self.order = self.backend.permutation(None, X.shape[0])  # the rows' order, per epoch
        self.learning_rate = xp.zeros((), dtype="float64")
        self.t = xp.zeros((), dtype="float64")  # Adam's step count
        self.total = xp.zeros((), dtype="float64")
        self._ensure_state()
        if compile_step:  # Inductor fuses the step's elementwise passes (fewer, larger kernels)
            self.step = torch.compile(self.step, dynamic=False)

    def __call__(self, rng):
        self._prologue(rng)
        with self._learning_rate_on_device():
            self.run(rng)
        return self._epilogue()

    def run(self, rng=None, steps=None):
        """The epoch's steps (or those numbered in ``steps``) in the rows' ``order``, leaving
        sum n_b R_b in ``total``; ``rng`` None: dropout draws from torch's default generator."""
        xp, size = self.backend.xp, self.batch_size
        self.total.zero_()
        for step in range(self.n_steps) if steps is None else steps:
            idx = self.order[step * size:(step + 1) * size]
            Xb, Yb = self.X_batch[:len(idx)], self.Y_batch[:len(idx)]
            xp.take(self.X, idx, axis=0, out=Xb)
            xp.take(self.Y, idx, axis=0, out=Yb)
            self.total.add_(self.step(Xb, Yb, rng), alpha=len(idx))  # one kernel, in float64
        return self.total

    def step(self, Xb, Yb, rng=None):
        """One step theta <- update(theta, dR_b/dtheta); returns R_b as a 0-d tensor."""
        network, objective = self.network, self.objective
        Z, backprop = network.forward(Xb, True, rng)
        value, dZ = device_loss(objective.loss, Z, Yb)
        backprop(dZ)
        penalty = device_penalty(objective.penalty, self.backend.xp)
        value = value if penalty is None else value + penalty
        if isinstance(self.optimizer, Adam):
            self._adam_step(network.theta, network.grad)
        else:
            self.optimizer.step(network.theta, network.grad)
        return value

    @contextlib.contextmanager
    def _learning_rate_on_device(self):
        """The optimizer's learning rate as the device tensor while the steps run (their array
        lines read it as a tensor as well as a number), its number again after."""
        rate, self.optimizer.learning_rate = self.optimizer.learning_rate, self.learning_rate
        try:
            yield
        finally:
            self.optimizer.learning_rate = rate

    def _adam_step(self, theta, grad):
        """``Adam.step`` with t and the learning rate on the device."""
        opt, xp = self.optimizer, self.backend.xp
        self.t += 1
        correction = xp.sqrt(1 - opt.beta2 ** self.t)
        step_size = self.learning_rate * correction / (1 - opt.beta1 ** self.t)
        opt.update(theta, grad, step_size, opt.eps * correction)

    def _ensure_state(self):
        """Allocate the optimizer's running state now: inside a graph its zeros would be
        written again at every replay."""
        opt, xp, theta = self.optimizer, self.backend.xp, self.network.theta
        for name in opt.state_names:
            if getattr(opt, name) is None:
                setattr(opt, name, xp.zeros_like(theta))
        if hasattr(opt, "scratch") and opt.scratch is None:
            opt.scratch = xp.empty_like(theta)

    def _prologue(self, rng):
        """The epoch's permutation (first, as the training loop draws it) and learning rate."""
        self.order.copy_(self.backend.permutation(rng, self.X.shape[0]))
        self.learning_rate.fill_(self.optimizer.learning_rate)
        self.t.fill_(getattr(self.optimizer, "t", 0))

    def _epilogue(self):
        """Read the epoch's total (the one wait for the device) and check it."""
        if isinstance(self.optimizer, Adam):
            self.optimizer.t += self.n_steps
        total = float(self.total)
        if not math.isfinite(total):
            raise DivergenceError(
                f"the objective became {total} during an epoch with learning_rate="
                f"{self.optimizer.learning_rate:g}: the fit diverged; try a smaller learning rate, "
                f"e.g. learning_rate={self.optimizer.learning_rate / 10:g}, or scale the inputs")
        return total


class GraphedEpoch(EpochProgram):
    """The epoch program captured as one CUDA graph on its first call, replayed after."""

    graph = None

    def __call__(self, rng):
        self._prologue(rng)
        seed = int(rng.integers(2**62))
        if self.graph is None:
            with self._learning_rate_on_device():
                self._capture()
        self._replay(seed)
        return self._epilogue()

    def _replay(self, seed):
        """Replay the graph with dropout drawing from torch's generator seeded by ``seed``."""
        generator = torch.cuda.default_generators[self._device_index()]
        saved = generator.get_state()
        generator.manual_seed(seed)
        try:
            self.graph.replay()
        finally:
            generator.set_state(saved)

    def _device_index(self):
        device = self.backend.device
        return device.index if device.index is not None else torch.cuda.current_device()

    def _capture(self):
        """Warm up on a side stream (the first calls create cuBLAS handles and workspaces),
        undo the warm-up's steps, then capture the whole epoch."""
        device = self.backend.device
        state = self._tensors_of_state()
        saved = [a.clone() for a in state]
        stream = torch.cuda.Stream(device)
        stream.wait_stream(torch.cuda.current_stream(device))
        with torch.cuda.device(device), torch.cuda.stream(stream):
            self.run(None, steps=sorted({0, 1, self.n_steps - 1}))  # both batch sizes
        torch.cuda.current_stream(device).wait_stream(stream)
        for a, b in zip(state, saved):
            a.copy_(b)
        self.graph = torch.cuda.CUDAGraph()
        with torch.cuda.device(device), torch.cuda.graph(self.graph, stream=stream):
            self.run(None)

    def _tensors_of_state(self):
        opt = self.optimizer
        names = [n for n in opt.state_names if getattr(opt, n) is not None]
        return [self.network.theta, self.t] + [getattr(opt, n) for n in names]
