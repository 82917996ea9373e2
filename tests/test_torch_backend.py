"""The engine on the PyTorch-tensor backend: device="torch-cpu" here, "cuda"/"mps" where present.

The layers, losses, penalties, optimizers and training loop are the NumPy ones, run on torch
tensors; so the checks are the engine's own: gradients against finite differences (float64),
the scikit-learn contract, held-out accuracy, model files, and equality with the NumPy backend
where the random numbers are the same (``host_random=True`` draws them from the fit's NumPy
generator, as the NumPy backend does; the default draws them on the device, where they cannot
be the same numbers).
"""
import itertools
import pickle

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import nnfit  # noqa: E402
from nnfit import MLPClassifier, MLPRegressor, Objective, gradcheck  # noqa: E402
from nnfit import SigmoidBinaryCrossEntropy, SoftmaxCrossEntropy, SquaredError  # noqa: E402
from nnfit.backends.numpy_backend import default_backend, get_backend  # noqa: E402
from nnfit.backends.torch_backend import TorchBackend  # noqa: E402

torch.set_num_threads(1)  # torch's OpenMP threads spin against each other on a busy 2-core box
CPU = TorchBackend("cpu")
SAME_DRAWS = TorchBackend("cpu", host_random=True)
TOL = 1e-6
has_cuda = torch.cuda.is_available()
has_mps = torch.backends.mps.is_available()


def targets(loss, n, n_out, rng):
    if loss is SoftmaxCrossEntropy:
        return np.eye(n_out)[rng.integers(n_out, size=n)]
    if loss is SigmoidBinaryCrossEntropy:
        return rng.integers(2, size=(n, n_out)).astype(float)
    return rng.normal(size=(n, n_out))


def problem(hidden, activation, loss, dropout=(), ridge=0.0, lasso=0.0, backend=CPU, seed=0):
    rng = np.random.default_rng(seed)
    net = nnfit.mlp(4, hidden, 3, activation, dropout, dtype="float64", backend=backend)
    net.initialize(rng)
    net.theta += backend.asarray(rng.normal(scale=0.05, size=net.n_params), "float64")
    X, Y = rng.normal(size=(7, 4)), targets(loss, 7, 3, rng)
    return Objective(net, loss(backend), ridge, lasso), X, Y


# --- gradients -----------------------------------------------------------------------------------
@pytest.mark.parametrize("activation,loss,penalty", list(itertools.product(
    ["relu", "sigmoid", "tanh", "identity"],
    [SquaredError, SoftmaxCrossEntropy, SigmoidBinaryCrossEntropy],
    [{}, {"ridge": [0.1, 0.0, 0.05], "lasso": [0.0, 0.01, 0.02]}],
)))
def test_backprop_matches_finite_differences_on_torch(activation, loss, penalty):
    objective, X, Y = problem((5, 6), activation, loss, **penalty)
    assert isinstance(objective.network.theta, torch.Tensor)
    assert gradcheck(objective, X, Y) < TOL


@pytest.mark.parametrize("loss", [SquaredError, SoftmaxCrossEntropy, SigmoidBinaryCrossEntropy])
def test_dropout_masks_are_fixed_by_the_seed_on_torch(loss):
    objective, X, Y = problem((6, 5, 4), "relu", loss, dropout=(0.3, 0.5, 0.2), ridge=0.01, lasso=0.01)
    assert gradcheck(objective, X, Y, train=True, seed=3) < TOL
    Xt, Yt = CPU.asarray(X, "float64"), CPU.asarray(Y, "float64")
    rng = lambda: np.random.default_rng(3)  # noqa: E731
    assert objective.value(Xt, Yt, True, rng()) != objective.value(Xt, Yt, False)
    assert objective.value(Xt, Yt, True, rng()) == objective.value(Xt, Yt, True, rng())


@pytest.mark.parametrize("loss", [SquaredError, SoftmaxCrossEntropy, SigmoidBinaryCrossEntropy])
def test_torch_objective_and_gradient_equal_numpy(loss):
    """The same parameters and data: R and dR/dtheta agree to rounding on the two backends."""
    on_numpy, X, Y = problem((5, 6), "tanh", loss, ridge=0.01, lasso=0.02, backend=default_backend)
    on_torch, _, _ = problem((5, 6), "tanh", loss, ridge=0.01, lasso=0.02)
    value = on_numpy.value_and_grad(X, Y, train=False)
    value_t = on_torch.value_and_grad(CPU.asarray(X, "float64"), CPU.asarray(Y, "float64"), False)
    assert value_t == pytest.approx(value, rel=1e-13)
    np.testing.assert_allclose(on_torch.network.grad.numpy(), on_numpy.network.grad, rtol=1e-11,
                               atol=1e-14)


def test_autograd_records_nothing():
    objective, X, Y = problem((5,), "relu", SoftmaxCrossEntropy, dropout=(0.2,))
    Z, _ = objective.network.forward(CPU.asarray(X, "float64"), True, np.random.default_rng(0))
    assert not objective.network.theta.requires_grad and Z.grad_fn is None


# --- the namespace -------------------------------------------------------------------------------
def test_namespace_calls_match_numpy():
    rng = np.random.default_rng(0)
    A, B = rng.normal(size=(5, 3)), rng.normal(size=(3, 4))
    a, b = torch.from_numpy(A), torch.from_numpy(B)
    xp, sp = CPU.xp, CPU.special
    out = torch.empty(5, 4, dtype=torch.float64)
    assert xp.matmul(a, b, out=out) is out
    np.testing.assert_allclose(out.numpy(), A @ B)
    col = torch.empty(3, dtype=torch.float64)
    xp.sum(a, axis=0, out=col)
    np.testing.assert_allclose(col.numpy(), A.sum(axis=0))
    np.testing.assert_allclose(xp.max(a, axis=1, keepdims=True).numpy(), A.max(axis=1, keepdims=True))
    assert float(xp.vdot(a, a)) == pytest.approx(np.vdot(A, A))
    np.testing.assert_allclose(xp.logaddexp(0, a).numpy(), np.logaddexp(0, A))
    np.testing.assert_allclose(xp.maximum(a, 0).numpy(), np.maximum(A, 0))
    np.testing.assert_allclose(sp.expit(a).numpy(), 1 / (1 + np.exp(-A)))
    np.testing.assert_allclose(sp.softmax(a, axis=1).numpy().sum(axis=1), 1.0)
    u = torch.rand(5, 3, dtype=torch.float64)
    expected = (u.numpy() >= 0.4).astype(float)
    xp.greater_equal(u, 0.4, out=u)
    np.testing.assert_array_equal(u.numpy(), expected)
    rows = torch.empty(2, 3, dtype=torch.float64)
    xp.take(a, torch.tensor([4, 1]), axis=0, out=rows)
    np.testing.assert_array_equal(rows.numpy(), A[[4, 1]])
    assert xp.finfo("float32").tiny == np.finfo(np.float32).tiny
    assert xp.zeros(3, dtype="float32").dtype == torch.float32
    assert CPU.fused("rmsprop") is None


# --- estimators ----------------------------------------------------------------------------------
def test_same_random_numbers_give_the_numpy_backend_model(blobs, monkeypatch):
    """Dropout, shuffled minibatches, RMSprop, validation and early stopping: with the NumPy
    generator's numbers the torch-cpu fit is the NumPy fit, to rounding (float64).  (The NumPy
    fit runs its layers' NumPy lines: the compiled stages of ``_stages`` draw dropout masks from
    another stream.)"""
    X, y = blobs
    params = dict(hidden_layer_sizes=(16, 8), dropout=(0.3, 0.2), optimizer="rmsprop", epochs=8,
                  ridge=1e-3, batch_size=32, dtype="float64", random_state=0, patience=3,
                  early_stopping=True)
    monkeypatch.setattr(nnfit.engine.stages, "kernels", lambda backend: None)
    a = MLPClassifier(**params).fit(X, y)
    b = MLPClassifier(**params, device=SAME_DRAWS).fit(X, y)
    assert isinstance(b.network_.theta, torch.Tensor)
    np.testing.assert_allclose(b.network_.theta.numpy(), a.network_.theta, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(b.history_["val_loss"], a.history_["val_loss"], rtol=1e-9)
    np.testing.assert_allclose(b.predict_proba(X), a.predict_proba(X), rtol=1e-9, atol=1e-12)


def test_same_random_numbers_regressor_adam_lasso():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(200, 5))
    y = X @ rng.normal(size=5) + 0.1 * rng.normal(size=200)
    params = dict(hidden_layer_sizes=(10,), lasso=1e-3, epochs=6, dtype="float64", random_state=1)
    a = MLPRegressor(**params).fit(X, y)
    b = MLPRegressor(**params, device=SAME_DRAWS).fit(X, y)
    np.testing.assert_allclose(b.predict(X), a.predict(X), rtol=1e-9, atol=1e-10)
    assert b.score(X, y) == pytest.approx(a.score(X, y), rel=1e-9)


def test_torch_cpu_fit_is_reproducible_and_accurate():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)
    params = dict(hidden_layer_sizes=(64, 32), dropout=(0.2, 0.1), optimizer="rmsprop", epochs=5,
                  device="torch-cpu")
    a = MLPClassifier(**params, random_state=0).fit(X_train, y_train)
    b = MLPClassifier(**params, random_state=0).fit(X_train, y_train)
    c = MLPClassifier(**params, random_state=1).fit(X_train, y_train)
    assert torch.equal(a.network_.theta, b.network_.theta)
    assert not torch.equal(a.network_.theta, c.network_.theta)
    # 60 epochs: 97.3 % of the test digits (NumPy backend, same seed, other random numbers: 97.3 %)
    a.set_params(warm_start=True, epochs=55).fit(X_train, y_train)
    assert a.score(X_test, y_test) >= 0.96
    assert isinstance(a.predict(X_test), np.ndarray) and isinstance(a.coefs_[0], np.ndarray)


def test_torch_tensors_in_numpy_arrays_out(blobs):
    X, y = blobs
    params = dict(hidden_layer_sizes=(8,), epochs=4, random_state=0, device="torch-cpu")
    a = MLPClassifier(**params).fit(X, y)
    X_t = torch.tensor(X, dtype=torch.float32, requires_grad=True)
    b = MLPClassifier(**params).fit(X_t, torch.from_numpy(y))
    np.testing.assert_array_equal(b.predict(X_t), a.predict(X))
    assert isinstance(b.predict_proba(X_t), np.ndarray)
    assert b.score(X_t, torch.from_numpy(y)) == a.score(X, y)
    r = MLPRegressor((4,), epochs=3, random_state=0, device="torch-cpu").fit(X_t, torch.tensor(X[:, 0]))
    assert isinstance(r.predict(X_t), np.ndarray) and r.predict(X_t).shape == (300,)


def test_partial_fit_warm_start_and_pickle_on_torch(blobs):
    X, y = blobs
    model = MLPClassifier((8,), learning_rate=0.03, random_state=0, device="torch-cpu")
    for _ in range(3):
        model.partial_fit(X, y, classes=[0, 1, 2])
    assert model.n_iter_ == 3 and model.score(X, y) > 0.8
    copy = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(copy.predict(X), model.predict(X))
    model.set_params(warm_start=True, epochs=2).fit(X, y)
    assert model.n_iter_ == 5


def test_save_load_round_trip_and_moving_between_devices(blobs, tmp_path):
    X, y = blobs
    model = MLPClassifier((8,), dropout=0.1, optimizer="rmsprop", epochs=4, random_state=0,
                          device="torch-cpu").fit(X, y)
    path = model.save(tmp_path / "m.nnfit")
    loaded = nnfit.load(path)
    assert loaded.device == "cpu" and isinstance(loaded.network_.theta, np.ndarray)
    np.testing.assert_array_equal(loaded.network_.theta, model.network_.theta.numpy())
    np.testing.assert_allclose(loaded.predict_proba(X), model.predict_proba(X), rtol=1e-5, atol=1e-6)
    # a warm start on another device moves the network and RMSprop's averages there
    loaded.set_params(warm_start=True, epochs=1, device=SAME_DRAWS).fit(X, y)
    assert isinstance(loaded.network_.theta, torch.Tensor)
    assert isinstance(loaded._optimizer.square_avg, torch.Tensor)
    assert loaded.coefs_[0].base is not None or loaded.coefs_[0].size  # NumPy views of theta
    loaded.set_params(device="cpu").fit(X, y)
    assert isinstance(loaded.network_.theta, np.ndarray) and loaded.n_iter_ == 6


def test_device_errors_say_what_to_do(blobs, monkeypatch):
    X, y = blobs
    with pytest.raises(ValueError, match="device='tpu' is invalid: choose 'cpu'"):
        MLPClassifier(device="tpu").fit(X, y)
    if not has_cuda:
        with pytest.raises(ValueError, match=r"needs PyTorch with CUDA.*is_available\(\) is False"):
            MLPClassifier(device="cuda").fit(X, y)
    if not has_mps:
        with pytest.raises(ValueError, match="needs PyTorch with MPS"):
            MLPRegressor(device="mps").fit(X, y[:, None] * 1.0)
    from scipy.sparse import csr_matrix
    with pytest.raises(ValueError, match="takes dense inputs"):
        CPU.asarray(csr_matrix(X), "float32")
    monkeypatch.setitem(__import__("sys").modules, "torch", None)
    with pytest.raises(ValueError, match=r"needs PyTorch: pip install 'nnfit\[torch\]'"):
        get_backend("torch-cpu")
    assert get_backend("cpu") is default_backend


@pytest.mark.parametrize("estimator", [MLPClassifier(epochs=20, random_state=0, device="torch-cpu"),
                                       MLPRegressor(epochs=20, random_state=0, device="torch-cpu")],
                         ids=["classifier", "regressor"])
def test_sklearn_contract_core_on_torch(estimator):
    from sklearn.utils.estimator_checks import check_estimator
    from test_estimators import expected_failures
    check_estimator(estimator, expected_failed_checks=expected_failures(estimator))


def test_mnist_subset_on_torch_cpu():
    """The book's dropout network on 6,000 MNIST images for 5 epochs: 93.4 % of 1,000 test
    images right (the NumPy backend, with other random numbers: 93.6 %)."""
    from nnfit import mnist_table
    from nnfit.datasets import load_mnist
    X_train, y_train, X_test, y_test = mnist_table.quick_subset(*load_mnist(), seed=0)
    model = mnist_table.network("dropout", epochs=5, seed=0, device="torch-cpu").fit(X_train, y_train)
    accuracy = model.score(X_test, y_test)
    assert accuracy >= 0.92, accuracy


# --- GPUs ----------------------------------------------------------------------------------------
@pytest.mark.skipif(not has_mps, reason="needs an Apple GPU (torch.backends.mps)")
def test_mps_fit_matches_torch_cpu_closely(blobs):
    X, y = blobs
    params = dict(hidden_layer_sizes=(16,), epochs=5, random_state=0)
    a = MLPClassifier(**params, device=TorchBackend("cpu", host_random=True)).fit(X, y)
    b = MLPClassifier(**params, device=TorchBackend("mps", host_random=True)).fit(X, y)
    np.testing.assert_allclose(b.predict_proba(X), a.predict_proba(X), atol=1e-3)
    with pytest.raises(ValueError, match="float32 only"):
        MLPClassifier(dtype="float64", device="mps").fit(X, y)


def test_mnist_command_device_option(tmp_path, capsys):
    from nnfit.cli import main
    assert main(["mnist", "--device", "tpu", "--out", str(tmp_path / "r")]) == 2
    assert "device='tpu' is invalid" in capsys.readouterr().err
    assert main(["mnist", "--quick", "--rows", "logistic", "--epochs", "1", "--device", "torch-cpu",
                 "--no-progress", "--out", str(tmp_path / "r"), "--json", str(tmp_path / "r.json")]) == 0
    import json
    row = json.loads((tmp_path / "r.json").read_text())["rows"][0]
    assert row["hyperparameters"]["device"] == "torch-cpu" and row["test_error"] < 40  # 24 % after 1 epoch
