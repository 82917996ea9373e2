"""The objective R(theta) that fitting minimizes, and its gradient by backpropagation.

    R(theta) = sum_{i=1}^n w_i L(y_i, f_theta(x_i)) / sum_i w_i
               + sum_l [ ridge_l * sum W_l^2 + lasso_l * sum |W_l| ]

L is the per-sample loss of ``engine.losses`` (1/2 ||y - f||^2, cross-entropy, ...), the weighted mean
runs over the n samples of the batch given (w_i = 1 without sample weights: the plain mean), and
the penalties run over the Dense layers' weights (biases are not penalized).  On a minibatch this
is the minibatch objective whose gradient SGD follows.  ``value_and_grad`` leaves dR/dtheta in
``network.grad``.

With ``weighted=True`` the last column of Y carries w_i (so that minibatches gather each row's
weight with its targets), scaled to mean 1 over the training rows: a minibatch's objective
(1/n_b) sum_b w_i L_i is then an unbiased estimate of the full weighted mean, and on one batch
of all the rows it is exactly sum_i w_i L_i / sum_i w_i.
"""
from .penalties import Penalty


class Objective:
    """The objective R(theta) of a network, with its gradient by backpropagation.

    R(theta) = (1/n) sum_i w_i L(y_i, f(x_i)) + sum_l [ridge_l sum W_l^2 + lasso_l sum abs(W_l)],
    the (weighted) mean loss over the n rows given plus the penalties on the Dense layers'
    weights (see the module docstring).  ``value_and_grad(X, Y, train=True, rng=None)`` returns
    R and leaves dR/dtheta in ``network.grad``; ``value(X, Y, train=False, rng=None)`` returns R
    only.

    Parameters
    ----------
    network : Sequential
        The network f_theta.
    loss : SquaredError, SoftmaxCrossEntropy or SigmoidBinaryCrossEntropy
        The per-sample loss fused with the output transform.
    ridge : float or sequence of float, default=0.0
        Ridge penalty, one value for all Dense layers or one per layer.
    lasso : float or sequence of float, default=0.0
        Lasso penalty, one value for all Dense layers or one per layer.
    weighted : bool, default=False
        Whether the last column of Y holds the sample weights w_i.

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

    def __init__(self, network, loss, ridge=0.0, lasso=0.0, weighted=False):
        self.network = network
        self.loss = loss
        self.penalty = Penalty(network.dense, ridge, lasso)
        self.weighted = weighted

    def _loss(self, Z, Y):
        if self.weighted:
            return self.loss(Z, Y[:, :-1], Y[:, -1])
        return self.loss(Z, Y)

    def value_and_grad(self, X, Y, train=True, rng=None):
        """R(theta) on (X, Y); writes dR/dtheta into ``network.grad``.

        Parameters
        ----------
        X : array or SciPy sparse matrix of shape (n, n_features)
        Y : array of shape (n, n_outputs), plus a last column of weights if ``weighted``
        train : bool
            Dropout on (True) or off.
        rng : numpy.random.Generator, optional
            The source of the dropout masks.

        Returns
        -------
        float
            R(theta).
        """
        Z, backprop = self.network.forward(X, train, rng)
        loss, dZ = self._loss(Z, Y)
        backprop(dZ)
        return loss + self.penalty.add_gradient()

    def value(self, X, Y, train=False, rng=None):
        """R(theta) on (X, Y) without the gradient (same arguments as ``value_and_grad``)."""
        Z, _ = self.network.forward(X, train, rng)
        loss, _ = self._loss(Z, Y)
        return loss + self.penalty.add_gradient(with_gradient=False)
