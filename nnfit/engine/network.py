"""A multilayer network: layers run in sequence, their backprop closures in reverse.

    A^(0) = X,   A^(l) = g(A^(l-1) W_l + b_l)  (with dropout),   f(X) = A^(L-1) W_L + b_L

All weights and biases live in one flat parameter vector ``theta`` (and the gradient in one
flat ``grad``); each Dense layer holds views into them, so an optimizer updates the whole
network with a few vectorized operations on ``theta``.
"""
import math

from .activations import ACTIVATIONS
from ..backends.numpy_backend import default_backend
from .dense import Dense
from .dropout import Dropout
from .stages import chain, plan_key, stages


class Sequential:
    """A network: layers applied in order, with all parameters in one flat vector.

    ``forward(X, train=False, rng=None)`` runs the layers in order and returns
    ``(output, backprop)`` like every layer; ``backprop(dY)`` runs the layers' closures in
    reverse (backpropagation) and leaves dR/dtheta in ``grad``.

    Parameters
    ----------
    layers : sequence of layers
        Objects following the layer contract (``param_shapes``, ``bind``, ``forward``), e.g.
        ``Dense``, ``ReLU``, ``Dropout``.
    dtype : {"float32", "float64"}, default="float32"
        Precision of the parameter and gradient vectors.
    backend : NumpyBackend, default=NumpyBackend()
        The array backend.

    Attributes
    ----------
    layers : list
        The layers.
    theta : ndarray of shape (n_params,)
        All parameters; every layer's weights and biases are views into it.
    grad : ndarray of shape (n_params,)
        The gradient dR/dtheta of the last backward pass, laid out like ``theta``.
    n_params : int
        Number of parameters.
    dense : list of Dense
        The Dense layers, input side first.

    Examples
    --------
    >>> import numpy as np
    >>> from nnfit import Dense, NumpyBackend, ReLU, Sequential
    >>> backend = NumpyBackend()
    >>> network = Sequential([Dense(4, 3, backend), ReLU(backend), Dense(3, 1, backend)])
    >>> network.n_params                       # (4 + 1) * 3 + (3 + 1) * 1
    19
    >>> network.initialize(np.random.default_rng(0))
    >>> Y, backprop = network.forward(np.ones((2, 4), dtype="float32"))
    >>> Y.shape
    (2, 1)
    """

    def __init__(self, layers, dtype="float32", backend=default_backend):
        self.layers = list(layers)
        self.dtype = dtype
        self.backend = backend
        shapes = [s for layer in self.layers for s in layer.param_shapes]
        self.n_params = sum(math.prod(s) for s in shapes)
        self.theta = backend.xp.zeros(self.n_params, dtype=dtype)
        self.grad = backend.xp.zeros(self.n_params, dtype=dtype)
        self._bind()

    def move_to(self, backend):
        """Put theta (its values), a zero gradient and every layer on ``backend``."""
        theta = self.backend.to_numpy(self.theta)
        self.backend = backend
        for layer in self.layers:
            if hasattr(layer, "backend"):
                layer.backend = backend
        self.theta = backend.asarray(theta, self.dtype)
        self.grad = backend.xp.zeros(self.n_params, dtype=self.dtype)
        self._bind()

    def _bind(self):
        offset = 0
        for layer in self.layers:
            params, grads = [], []
            for shape in layer.param_shapes:
                size = math.prod(shape)
                params.append(self.theta[offset:offset + size].reshape(shape))
                grads.append(self.grad[offset:offset + size].reshape(shape))
                offset += size
            layer.bind(params, grads)

    @property
    def dense(self):
        return [layer for layer in self.layers if isinstance(layer, Dense)]

    def forward(self, X, train=False, rng=None):
        # Dense -> ReLU (-> Dropout) run as one compiled stage where possible (``engine.stages``); the
        # plan is built again only when the layers change (a step costs a few microseconds)
        key = plan_key(self.layers)
        plan = self.__dict__.get("_plan")
        if plan is None or plan[0] != key:
            plan = self._plan = (key, stages(self.layers))
        return chain(plan[1], X, train, rng)

    def initialize(self, rng):
        """He-normal weights before ReLU, Glorot-uniform otherwise; biases zero."""
        self.theta[:] = 0
        for i, layer in enumerate(self.layers):
            if not isinstance(layer, Dense):
                continue
            following = self.layers[i + 1] if i + 1 < len(self.layers) else None
            n_in, n_out = layer.n_in, layer.n_out
            if getattr(following, "init", "glorot") == "he":
                W = rng.normal(0.0, math.sqrt(2.0 / n_in), size=(n_in, n_out))
            else:
                limit = math.sqrt(6.0 / (n_in + n_out))
                W = rng.uniform(-limit, limit, size=(n_in, n_out))
            layer.W[...] = self.backend.asarray(W, self.dtype)

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_plan", None)  # rebuilt at the next forward
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._bind()  # pickling copies the views apart; make them views of theta again

    def __repr__(self):
        return "Sequential([" + ", ".join(map(repr, self.layers)) + "])"


def mlp(n_in, hidden, n_out, activation="relu", dropout=(), dtype="float32", backend=default_backend):
    """Build the usual network: Dense -> g -> Dropout for each hidden layer, then a Dense output.

    The output layer has no activation: the output transform (identity, softmax or logistic)
    is fused with the loss.  A dropout rate of 0 adds no Dropout layer.

    Parameters
    ----------
    n_in : int
        Number of inputs p.
    hidden : sequence of int
        Width of each hidden layer, input side first; ``()`` for none.
    n_out : int
        Number of outputs (10 for MNIST's classes).
    activation : {"relu", "sigmoid", "tanh", "identity"}, default="relu"
        The activation function g of the hidden layers.
    dropout : sequence of float, default=()
        Dropout rate of each hidden layer; missing entries count as 0.
    dtype : {"float32", "float64"}, default="float32"
        Precision of the parameters.
    backend : NumpyBackend, default=NumpyBackend()
        The array backend.

    Returns
    -------
    Sequential
        The network, with zero parameters (call ``initialize(rng)`` before use).

    Examples
    --------
    >>> from nnfit import mlp
    >>> network = mlp(784, (256, 128), 10, dropout=(0.4, 0.3))
    >>> network.n_params                       # the lecture's MNIST network
    235146
    >>> network
    Sequential([Dense(784, 256), ReLU(), Dropout(0.4), Dense(256, 128), ReLU(), Dropout(0.3), Dense(128, 10)])
    """
    rates = list(dropout) + [0.0] * (len(hidden) - len(dropout))
    layers, width = [], n_in
    for size, rate in zip(hidden, rates):
        layers += [Dense(width, size, backend), ACTIVATIONS[activation](backend)]
        if rate > 0:
            layers.append(Dropout(rate, backend))
        width = size
    layers.append(Dense(width, n_out, backend))
    layers[0].input_grad = False
    return Sequential(layers, dtype, backend)


def summary_table(network):
    """Rows (layer, output width, number of parameters) and the total."""
    rows, width = [], None
    for layer in network.layers:
        if isinstance(layer, Dense):
            width = layer.n_out
        n = sum(math.prod(s) for s in layer.param_shapes)
        rows.append((repr(layer), width, n))
    return rows, network.n_params
