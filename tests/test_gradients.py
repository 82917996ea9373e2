"""Backpropagation against central finite differences, in float64, for every piece."""
import itertools

import numpy as np
import pytest
import scipy.sparse

import nnfit
from nnfit import Objective, SigmoidBinaryCrossEntropy, SoftmaxCrossEntropy, SquaredError, gradcheck
from nnfit.backends.numpy_backend import default_backend

TOL = 1e-6


def targets(loss, n, n_out, rng):
    if loss is SoftmaxCrossEntropy:
        return np.eye(n_out)[rng.integers(n_out, size=n)]
    if loss is SigmoidBinaryCrossEntropy:
        return rng.integers(2, size=(n, n_out)).astype(float)
    return rng.normal(size=(n, n_out))


def problem(hidden, activation, loss, dropout=(), ridge=0.0, lasso=0.0, seed=0):
    rng = np.random.default_rng(seed)
    net = nnfit.mlp(4, hidden, 3, activation, dropout, dtype="float64")
    net.initialize(rng)
    net.theta += rng.normal(scale=0.05, size=net.n_params)  # non-zero biases, no tied weights
    X = rng.normal(size=(7, 4))
    return Objective(net, loss(default_backend), ridge, lasso), X, targets(loss, 7, 3, rng)


@pytest.mark.parametrize("activation,loss,penalty", list(itertools.product(
    ["relu", "sigmoid", "tanh", "identity"],
    [SquaredError, SoftmaxCrossEntropy, SigmoidBinaryCrossEntropy],
    [{}, {"ridge": 0.03}, {"lasso": 0.02}, {"ridge": [0.1, 0.0, 0.05], "lasso": [0.0, 0.01, 0.02]}],
)))
def test_every_combination(activation, loss, penalty):
    objective, X, Y = problem((5, 6), activation, loss, **penalty)
    assert gradcheck(objective, X, Y) < TOL


@pytest.mark.parametrize("loss", [SquaredError, SoftmaxCrossEntropy, SigmoidBinaryCrossEntropy])
def test_three_hidden_layers_with_dropout_masks_fixed(loss):
    objective, X, Y = problem((6, 5, 4), "relu", loss, dropout=(0.3, 0.5, 0.2), ridge=0.01, lasso=0.01)
    assert gradcheck(objective, X, Y, train=True, seed=3) < TOL
    # dropout is really active: with train=True the objective differs from the prediction-time one
    rng = lambda: np.random.default_rng(3)  # noqa: E731
    assert objective.value(X, Y, True, rng()) != objective.value(X, Y, False)
    assert objective.value(X, Y, True, rng()) == objective.value(X, Y, True, rng())


def test_no_hidden_layer_is_logistic_regression():
    objective, X, Y = problem((), "relu", SoftmaxCrossEntropy, ridge=0.1)
    assert len(objective.network.dense) == 1
    assert gradcheck(objective, X, Y) < TOL


def test_gradcheck_detects_a_wrong_gradient():
    objective, X, Y = problem((5,), "tanh", SquaredError)
    dense = objective.network.dense[1]
    original = dense.forward

    def wrong_forward(A, train=False, rng=None):
        Z, backprop = original(A, train, rng)

        def bad_backprop(dZ):
            dA = backprop(dZ)
            dense.db *= 1.5  # a bug in the bias gradient
            return dA

        return Z, bad_backprop

    dense.forward = wrong_forward
    assert gradcheck(objective, X, Y) > 0.1


def test_estimator_gradients_match_finite_differences():
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(40, 3)), rng.integers(3, size=40)
    model = nnfit.MLPClassifier((6, 4), dropout=0.2, ridge=0.01, lasso=0.001, dtype="float64",
                                epochs=3, random_state=1).fit(X, y)
    # (random_state=0 ends, with numba's dropout stream, beside a kink of lasso's |w| or a ReLU,
    # where the finite difference is off by 1.1e-6 with the NumPy lines as well)
    assert gradcheck(model, X, y, train=False) < TOL
    value, coef_grads, intercept_grads = model.loss_gradient(X, y)
    assert [g.shape for g in coef_grads] == [w.shape for w in model.coefs_]
    assert [g.shape for g in intercept_grads] == [b.shape for b in model.intercepts_]
    h = 1e-6
    model.coefs_[0][1, 2] += h
    up = model.loss_gradient(X, y)[0]
    model.coefs_[0][1, 2] -= 2 * h
    down = model.loss_gradient(X, y)[0]
    assert abs((up - down) / (2 * h) - coef_grads[0][1, 2]) < 1e-6


@pytest.mark.parametrize("activation,loss", list(itertools.product(
    ["relu", "tanh"], [SquaredError, SoftmaxCrossEntropy, SigmoidBinaryCrossEntropy])))
def test_weighted_objective(activation, loss):
    """R = sum_i w_i L_i / sum_i w_i + penalties, the weights (zeros included) in Y's last column."""
    objective, X, Y = problem((5, 6), activation, loss, ridge=0.03, lasso=0.02)
    w = np.array([0.0, 1.0, 2.5, 0.3, 4.0, 1.0, 0.0])
    weighted = Objective(objective.network, objective.loss, 0.03, 0.02, weighted=True)
    assert gradcheck(weighted, X, np.column_stack([Y, w / w.mean()])) < TOL


@pytest.mark.parametrize("loss", [SquaredError, SoftmaxCrossEntropy, SigmoidBinaryCrossEntropy])
def test_sparse_input_to_the_first_layer(loss):
    """Z = X W and dW = X^T dZ as sparse products, against finite differences and the dense path."""
    objective, X, Y = problem((5,), "tanh", loss, ridge=0.01)
    X = X * (np.random.default_rng(1).random(X.shape) < 0.4)
    sparse = scipy.sparse.csr_matrix(X)
    assert gradcheck(objective, sparse, Y) < TOL
    value = objective.value_and_grad(sparse, Y)
    grad = objective.network.grad.copy()
    assert value == pytest.approx(objective.value_and_grad(X, Y), rel=1e-13)
    np.testing.assert_allclose(grad, objective.network.grad, rtol=1e-12, atol=1e-15)
