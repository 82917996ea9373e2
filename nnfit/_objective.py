"""The objective R(theta) that fitting minimizes, and its gradient by backpropagation.

    R(theta) = (1/n) sum_{i=1}^n L(y_i, f_theta(x_i))
               + sum_l [ ridge_l * sum W_l^2 + lasso_l * sum |W_l| ]

L is the per-sample loss of ``_losses`` (1/2 ||y - f||^2, cross-entropy, ...), the mean runs
over the n samples of the batch given, and the penalties run over the Dense layers' weights
(biases are not penalized).  On a minibatch this is the minibatch objective whose gradient SGD
follows.  ``value_and_grad`` leaves dR/dtheta in ``network.grad``.
"""
from ._penalties import Penalty


class Objective:
    """The objective R(theta) of a network, with its gradient by backpropagation.

    R(theta) = (1/n) sum_i L(y_i, f(x_i)) + sum_l [ridge_l sum W_l^2 + lasso_l sum abs(W_l)],
    the mean loss over the n rows given plus the penalties on the Dense layers' weights.
    ``value_and_grad(X, Y, train=True, rng=None)`` returns R and leaves dR/dtheta in
    ``network.grad``; ``value(X, Y, train=False, rng=None)`` returns R only.

    Parameters
    ----------
    network : Sequential
        The network f.
    loss : SquaredError, SoftmaxCrossEntropy or SigmoidBinaryCrossEntropy
        The loss L, fused with the output transform.
    ridge : float or sequence of float, default=0.0
        Ridge penalty per Dense layer (one value for all, or one per layer).
    lasso : float or sequence of float, default=0.0
        Lasso penalty per Dense layer.

    Attributes
    ----------
    network, loss : as given
    penalty : Penalty
        The penalty term.

    Examples
    --------
    >>> import numpy as np
    >>> from nnfit import NumpyBackend, Objective, SquaredError, mlp
    >>> network = mlp(2, (3,), 1, dtype="float64")
    >>> network.initialize(np.random.default_rng(0))
    >>> objective = Objective(network, SquaredError(NumpyBackend()), ridge=0.01)
    >>> R = objective.value_and_grad(np.ones((5, 2)), np.zeros((5, 1)))
    >>> network.grad.shape
    (13,)
    """
    def __init__(self, network, loss, ridge=0.0, lasso=0.0):
        self.network = network
        self.loss = loss
        self.penalty = Penalty(network.dense, ridge, lasso)

    def value_and_grad(self, X, Y, train=True, rng=None):
        """R(theta) on (X, Y); writes dR/dtheta into ``network.grad``."""
        Z, backprop = self.network.forward(X, train, rng)
        loss, dZ = self.loss(Z, Y)
        backprop(dZ)
        return loss + self.penalty.add_gradient()

    def value(self, X, Y, train=False, rng=None):
        Z, _ = self.network.forward(X, train, rng)
        loss, _ = self.loss(Z, Y)
        return loss + self.penalty.add_gradient(with_gradient=False)
