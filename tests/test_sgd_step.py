"""One step of gradient descent on a 2-1-1 network, worked out by hand.

x = (1, 2), y = 3, W1 = (0.5, -0.25)^T, b1 = 0.1, W2 = 2, b2 = 0, ReLU, squared error.
Forward:  z = 0.5 - 0.5 + 0.1 = 0.1,  a = 0.1,  f = 2 * 0.1 = 0.2,  R = 1/2 (3 - 0.2)^2 = 3.92.
Backward: dR/df = f - y = -2.8;  dW2 = a * -2.8 = -0.28;  db2 = -2.8;
          dR/da = -2.8 * 2 = -5.6 = dR/dz (z > 0);  dW1 = x * -5.6 = (-5.6, -11.2);  db1 = -5.6.
Step rho = 0.1: W1 = (1.06, 0.87), b1 = 0.66, W2 = 2.028, b2 = 0.28.
"""
import numpy as np

import nnfit
from nnfit import GradientDescent, MLPRegressor, Objective, RMSprop, SGD, SquaredError
from nnfit.backends.numpy_backend import default_backend


def tiny():
    net = nnfit.mlp(2, (1,), 1, "relu", dtype="float64")
    W1, b1, W2, b2 = net.dense[0].W, net.dense[0].b, net.dense[1].W, net.dense[1].b
    W1[:] = [[0.5], [-0.25]]
    b1[:] = 0.1
    W2[:] = 2.0
    b2[:] = 0.0
    return net, Objective(net, SquaredError(default_backend))


X, Y = np.array([[1.0, 2.0]]), np.array([[3.0]])


def test_forward_and_backward_by_hand():
    net, objective = tiny()
    assert np.isclose(objective.value_and_grad(X, Y), 3.92)
    np.testing.assert_allclose(net.grad, [-5.6, -11.2, -5.6, -0.28, -2.8])


def test_one_gradient_descent_step_by_hand():
    net, objective = tiny()
    objective.value_and_grad(X, Y)
    GradientDescent(0.1).step(net.theta, net.grad)
    np.testing.assert_allclose(net.dense[0].W.ravel(), [1.06, 0.87])
    np.testing.assert_allclose(net.dense[0].b, [0.66])
    np.testing.assert_allclose(net.dense[1].W.ravel(), [2.028])
    np.testing.assert_allclose(net.dense[1].b, [0.28])


def test_sgd_without_momentum_is_the_same_step():
    net, objective = tiny()
    objective.value_and_grad(X, Y)
    SGD(0.1, momentum=0.0).step(net.theta, net.grad)
    np.testing.assert_allclose(net.theta, [1.06, 0.87, 0.66, 2.028, 0.28])


def test_first_rmsprop_step_moves_each_parameter_by_rho_over_sqrt_one_minus_decay():
    # s = 0.1 g^2, so the step is rho * g / sqrt(0.1 g^2) = rho * sign(g) / sqrt(0.1)
    net, objective = tiny()
    before = net.theta.copy()
    objective.value_and_grad(X, Y)
    RMSprop(0.01, rho=0.9, eps=0.0).step(net.theta, net.grad)
    np.testing.assert_allclose(net.theta - before, 0.01 / np.sqrt(0.1) * np.ones(5))


def test_rmsprop_puts_eps_under_the_square_root_as_keras_does():
    # Keras / TensorFlow: theta -= rho g / sqrt(s + eps); PyTorch's sqrt(s) + eps would differ
    net, objective = tiny()
    before = net.theta.copy()
    objective.value_and_grad(X, Y)
    g = net.grad.copy()
    RMSprop(0.01, rho=0.9, eps=1e-3).step(net.theta, net.grad)
    np.testing.assert_allclose(net.theta - before, -0.01 * g / np.sqrt(0.1 * g * g + 1e-3), rtol=1e-6)
    assert not np.allclose(net.theta - before, -0.01 * g / (np.sqrt(0.1 * g * g) + 1e-3), rtol=1e-3)


def test_ridge_adds_two_lambda_w_to_weights_only():
    net, _ = tiny()
    objective = Objective(net, SquaredError(default_backend), ridge=0.5)
    value = objective.value_and_grad(X, Y)
    assert np.isclose(value, 3.92 + 0.5 * (0.25 + 0.0625 + 4.0))
    np.testing.assert_allclose(net.grad, [-5.6 + 0.5, -11.2 - 0.25, -5.6, -0.28 + 2.0, -2.8])


def test_ridge_flushes_subnormal_weights_to_zero():
    # a weight shrunk below float32's smallest normal number would slow every later step
    net = nnfit.mlp(2, (1,), 1, "relu", dtype="float32")
    net.dense[0].W[:] = [[1e-39], [0.5]]
    objective = Objective(net, SquaredError(default_backend), ridge=0.1)
    objective.value_and_grad(X.astype("float32"), Y.astype("float32"))
    assert net.dense[0].W[0, 0] == 0 and net.dense[0].W[1, 0] == np.float32(0.5)


def test_plain_sgd_on_full_batches_takes_the_steps_of_gradient_descent():
    # optimizer="sgd" is the slide's rule theta <- theta - rho g; with one minibatch of all rows
    # it is gradient descent, step for step (the rows' order only reorders the gradient's sums)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = X @ [1.0, -2.0, 0.5] + 0.1 * rng.normal(size=60)
    common = dict(hidden_layer_sizes=(5,), learning_rate=0.05, validation_fraction=0.0,
                  early_stopping=False, dtype="float64", random_state=0)
    sgd = MLPRegressor(optimizer="sgd", batch_size=60, epochs=8, **common).fit(X, y)
    # gd judges each step by R at its start and keeps the best parameters it judged: its 9th
    # epoch measures R after 8 steps, the parameters plain SGD ends its 8 epochs with
    gd = MLPRegressor(optimizer="gd", epochs=9, **common).fit(X, y)
    np.testing.assert_allclose(sgd.history_["train_objective"],
                               gd.history_["train_objective"][:8], rtol=1e-12)
    assert gd.best_epoch_ == 8
    for a, b in zip(sgd.coefs_ + sgd.intercepts_, gd.coefs_ + gd.intercepts_):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    moved = MLPRegressor(optimizer="momentum", batch_size=60, epochs=8, **common).fit(X, y)
    assert not np.allclose(moved.coefs_[0], sgd.coefs_[0])  # momentum 0.9 takes other steps
    still = MLPRegressor(optimizer="momentum", momentum=0.0, batch_size=60, epochs=8,
                         **common).fit(X, y)
    np.testing.assert_allclose(still.coefs_[0], sgd.coefs_[0], rtol=1e-12, atol=1e-14)
