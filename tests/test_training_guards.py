"""No silent divergence (issue 11, item 4): a blow-up stops in its epoch with a DivergenceError
naming a smaller learning rate, and full-batch gradient descent does not quietly keep its random
start.  A warm start with an optimizer state of the wrong length is refused before any step."""
import warnings

import numpy as np
import pandas as pd
import pytest

import nnfit
from nnfit import MLPClassifier, MLPRegressor


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 4))
    y = X @ [1.0, -2.0, 0.5, 0.0] + rng.normal(scale=0.3, size=200)
    return X, y


def test_adam_at_learning_rate_1e4_on_a_regressor_is_caught_in_its_first_epoch(data):
    # issue 11: ended with an objective of 4.9e15 and R^2 of -1.6e17, no warning
    X, y = data
    model = MLPRegressor((16,), learning_rate=1e4, epochs=20, random_state=0)
    with pytest.raises(nnfit.DivergenceError,
                       match=r"grew from .* in epoch 1 with learning_rate=10000.*rate=1000\b"):
        model.fit(X, y)


def test_full_batch_gd_at_learning_rate_100_says_its_first_step_raised_r(data):
    # issue 11: stopped after 2 epochs and returned the random initial weights, no warning
    X, y = data
    model = MLPRegressor((16,), optimizer="gd", learning_rate=100, validation_fraction=0,
                         epochs=50, random_state=0)
    with pytest.raises(nnfit.DivergenceError, match="grew from 2.673 to 1.678e\\+08.*epoch 2.*"
                                                    "learning_rate=10\\b"):
        model.fit(X, y)
    model.set_params(learning_rate=0.7)  # R rises, but not a thousandfold
    with pytest.raises(nnfit.DivergenceError, match="first step raised R from 2.67.* to .*"
                                                    "learning_rate=0.07"):
        model.fit(X, y)


def test_full_batch_gd_with_a_validation_set_is_judged_too(data):
    X, y = data
    with pytest.raises(nnfit.DivergenceError, match="first step raised R|grew from|became"):
        MLPRegressor((16,), optimizer="gd", learning_rate=100, epochs=50, random_state=0).fit(X, y)


def test_gd_that_never_lowers_r_warns_that_it_kept_the_random_start(data):
    X, y = data
    model = MLPRegressor((16,), optimizer="gd", learning_rate=1e-9, validation_fraction=0,
                         epochs=50, random_state=0)
    with pytest.warns(RuntimeWarning, match="keeps its random initial parameters.*larger "
                                            "learning_rate"):
        model.fit(X, y)
    assert model.best_epoch_ == 0


def test_a_fit_that_works_is_not_flagged(data):
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for optimizer, rate in [("gd", 0.1), ("sgd", 0.01), ("adam", 0.01), ("rmsprop", 0.01)]:
            model = MLPRegressor((16,), optimizer=optimizer, learning_rate=rate, epochs=30,
                                 random_state=0).fit(X, y)
            assert model.score(X, y) > 0.8


def test_a_warm_start_compares_with_the_first_fit_s_start(data):
    # the reference is the untrained network's objective, not the (small) one of a fitted model
    X, y = data
    model = MLPRegressor((16,), learning_rate=0.01, epochs=40, warm_start=True, random_state=0)
    model.fit(X, y)
    model.fit(X + np.random.default_rng(1).normal(scale=0.5, size=X.shape), y)  # noisier data
    model.set_params(learning_rate=1e4)
    with pytest.raises(nnfit.DivergenceError):
        model.fit(X, y)


@pytest.mark.parametrize("estimator", [MLPClassifier, MLPRegressor])
@pytest.mark.parametrize("optimizer", ["gd", "sgd", "nesterov", "rmsprop", "adam"])
@pytest.mark.parametrize("rate", [1e2, 1e4])
def test_blow_ups_of_every_optimizer_are_caught(data, estimator, optimizer, rate):
    X, y = data
    y = (y > 0).astype(int) if estimator is MLPClassifier else y
    model = estimator((16,), optimizer=optimizer, learning_rate=rate, epochs=30, random_state=0)
    with pytest.raises(nnfit.DivergenceError, match="learning_rate="):
        model.fit(X * 10, y)


def test_a_warm_start_with_half_of_adam_s_state_is_refused(data):
    X, y = data
    model = MLPRegressor((4,), epochs=2, warm_start=True, random_state=0).fit(X, y)
    model._optimizer.s = None
    with pytest.raises(ValueError, match="optimizer's state is incomplete"):
        model.fit(X, y)


@pytest.mark.parametrize("optimizer, state", [("adam", "m"), ("adam", "s"),
                                              ("rmsprop", "square_avg"), ("momentum", "velocity")])
def test_a_warm_start_with_a_cut_optimizer_state_is_refused(data, optimizer, state):
    # what loading an edited file gave before model files were checked: a SIGSEGV with numba
    X, y = data
    model = MLPRegressor((4,), optimizer=optimizer, epochs=2, warm_start=True,
                         random_state=0).fit(X, y)
    setattr(model._optimizer, state, getattr(model._optimizer, state)[:1].copy())
    with pytest.raises(ValueError, match=f"optimizer's state '{state}' has shape \\(1,\\)"):
        model.fit(X, y)


def test_a_last_step_that_overflows_the_parameters_is_a_divergence(data):
    # before: the validation score of NaN outputs failed in r2_score ("Input contains NaN")
    X, y = data
    model = MLPRegressor((3,), lasso=3.2e294, epochs=3, random_state=0)
    with pytest.raises(nnfit.DivergenceError, match="in epoch 1 .*learning_rate=0.0001"):
        model.fit(X, y)


def test_a_diverged_first_fit_leaves_the_estimator_unfitted(data):
    from sklearn.exceptions import NotFittedError
    X, y = data
    model = MLPRegressor((8,), optimizer="sgd", learning_rate=50.0, epochs=5, random_state=0)
    with pytest.raises(nnfit.DivergenceError):
        model.fit(X, y)
    with pytest.raises(NotFittedError):
        model.predict(X)


def test_a_diverged_warm_start_puts_back_the_model_it_started_from(data, tmp_path):
    X, y = data
    model = MLPRegressor((8,), optimizer="rmsprop", learning_rate=0.01, epochs=5,
                         random_state=0).fit(X, y)
    before, s, epochs = model.predict(X), model._optimizer.square_avg.copy(), model.n_iter_
    model.set_params(warm_start=True, learning_rate=1e4)
    with pytest.raises(nnfit.DivergenceError):
        model.fit(X, y)
    np.testing.assert_array_equal(model.predict(X), before)
    np.testing.assert_array_equal(model._optimizer.square_avg, s)
    assert len(model.history_["epoch"]) == epochs
    model.save(tmp_path / "m.nnfit")  # still a whole, saveable model


def test_a_whole_epoch_path_is_judged_by_its_mean_objective(data, monkeypatch):
    # the CUDA-graph path runs an epoch at once; its eager twin on torch-cpu is checked the
    # same way: Adam at learning rate 100 used to run its 3 epochs at objectives of ~1e4
    pytest.importorskip("torch")
    from nnfit.engine import cuda_graph
    from nnfit.backends.torch_backend import TorchBackend

    class WholeEpochs(TorchBackend):  # a CPU backend that asks for whole epochs, as CUDA does
        captures_epochs = True

    monkeypatch.setattr(cuda_graph, "graphed_epoch", lambda o, opt, Xd, Yd, b, augment=None,
                        compile_step=False: cuda_graph.EpochProgram(o, opt, Xd, Yd, b))
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 5))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    backend = WholeEpochs("cpu")
    model = MLPClassifier((8,), optimizer="adam", learning_rate=100.0, epochs=3,
                          early_stopping=False, random_state=0, device=backend)
    with pytest.raises(nnfit.DivergenceError, match="mean objective grew from 0.5"):
        model.fit(X, y)


def test_best_epoch_is_the_kept_epoch_without_early_stopping():
    """early_stopping=False keeps the last epoch's weights, so best_epoch_ is that epoch (it was
    the best monitored one, and the tabular refit then ran that many epochs instead)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(160, 10))
    y = (X[:, 0] + rng.normal(size=160) > 0).astype(int)
    settings = dict(hidden_layer_sizes=(64,), ridge=0.0, early_stopping=False,
                    validation_fraction=0.2, epochs=40, learning_rate=0.05, random_state=0)
    net = nnfit.MLPClassifier(**settings).fit(X, y)
    assert len(net.validation_indices_) == 32 and net.n_iter_ == net.best_epoch_ == 40
    lowest = int(np.argmin(net.history_["val_loss"])) + 1
    assert lowest < 20  # the monitored loss was lowest early (overfitting), not at the kept epoch
    frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(10)])
    table = nnfit.TabularClassifier(nnfit.MLPClassifier(**settings)).fit(
        frame, pd.Series(np.where(y, "yes", "no")))
    assert table.estimator_.n_iter_ == table.estimator_.best_epoch_ == 40
