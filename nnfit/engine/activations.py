"""Activation functions g(z), applied elementwise, and their derivatives g'(z).

    ReLU      g(z) = max(z, 0)           g'(z) = 1[z > 0]
    Sigmoid   g(z) = 1 / (1 + e^-z)      g'(z) = g(z) (1 - g(z))
    Tanh      g(z) = tanh(z)             g'(z) = 1 - g(z)^2
    Identity  g(z) = z                   g'(z) = 1

Each backprop returns dR/dZ = dR/dA * g'(Z), reusing the forward output A = g(Z).
"""


_COMMON_DOC = """

    Applied elementwise; ``forward(Z)`` returns ``(A, backprop)`` with A = g(Z), and
    ``backprop(dA)`` returns dR/dZ = dA * g'(Z), computed from the stored A.

    Parameters
    ----------
    backend : NumpyBackend
        The array backend the layer computes with.

    Examples
    --------
    >>> import numpy as np
    >>> from nnfit import NumpyBackend, {name}
    >>> A, backprop = {name}(NumpyBackend()).forward(np.array([[-1.0, 0.0, 2.0]]))
    >>> A.shape
    (1, 3)
"""


class _Activation:
    param_shapes = []
    init = "glorot"  # initialization of the Dense layer feeding this activation

    def __init_subclass__(cls):
        """Each activation's docstring: its g and g', then the text they all share."""
        if cls.__doc__:
            cls.__doc__ = cls.__doc__.rstrip() + _COMMON_DOC.format(name=cls.__name__)

    def __init__(self, backend):
        self.backend = backend

    def bind(self, params, grads):
        pass

    def __repr__(self):
        return type(self).__name__ + "()"


class ReLU(_Activation):
    """Rectified linear unit g(z) = (z)_+ = max(z, 0), with g'(z) = 1 if z > 0 else 0.

    The Dense layer before it is initialized He-normal (``init = "he"``).
    """
    init = "he"

    def forward(self, Z, train=False, rng=None):
        A = self.backend.xp.maximum(Z, 0)

        def backprop(dA):
            dA *= A > 0
            return dA

        return A, backprop


class Sigmoid(_Activation):
    """Sigmoid (logistic) activation g(z) = 1 / (1 + e^-z), with g'(z) = g(z) (1 - g(z))."""

    def forward(self, Z, train=False, rng=None):
        A = self.backend.special.expit(Z)

        def backprop(dA):
            return dA * A * (1 - A)

        return A, backprop


class Tanh(_Activation):
    """Hyperbolic tangent activation g(z) = tanh(z), with g'(z) = 1 - g(z)^2."""

    def forward(self, Z, train=False, rng=None):
        A = self.backend.xp.tanh(Z)

        def backprop(dA):
            return dA * (1 - A * A)

        return A, backprop


class Identity(_Activation):
    """Identity activation g(z) = z, g'(z) = 1 (a linear hidden layer)."""

    def forward(self, Z, train=False, rng=None):
        return Z, lambda dA: dA


ACTIVATIONS = {"relu": ReLU, "sigmoid": Sigmoid, "logistic": Sigmoid, "tanh": Tanh, "identity": Identity}
