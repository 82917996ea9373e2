"""Safe defaults (raw Hitters), the end of a fit (ConvergenceWarning, progress bar, restored
epoch), and partial-fit-only models that save."""
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import mean_absolute_error
from sklearn.model_selection import train_test_split

import nnfit
from nnfit import MLPClassifier, MLPRegressor
from nnfit.datasets import load_hitters
from nnfit.islr_lab import hitters_network, hitters_split


@pytest.fixture(scope="module")
def raw_hitters():
    """The ``nnfit hitters`` split (test_size=1/3, random_state=1) of the unstandardized table."""
    data = load_hitters()
    return train_test_split(data.data.to_numpy(np.float64), data.target.to_numpy(np.float64),
                            test_size=1 / 3, random_state=1)


@pytest.mark.parametrize("params", [{}, {"hidden_layer_sizes": (50,), "dropout": 0.4}])
def test_regressor_defaults_on_raw_hitters_within_10_percent_of_the_lab_network(raw_hitters, params):
    X_train, X_test, y_train, y_test = raw_hitters
    seeds = range(3)
    lab = np.mean([hitters_network(*hitters_split(), seed=seed) for seed in seeds])
    ours = [mean_absolute_error(y_test, MLPRegressor(random_state=seed, **params)
                                .fit(X_train, y_train).predict(X_test)) for seed in seeds]
    assert np.mean(ours) <= 1.10 * lab, (ours, lab)
    # the case: MAE 28,235 and predictions from -81,453 to 105,141 (thousands of dollars)
    predicted = MLPRegressor(random_state=0, **params).fit(X_train, y_train).predict(X_test)
    assert -500 < predicted.min() and predicted.max() < 5000


def test_early_stopping_auto_holds_out_from_10000_rows_only():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(10_000, 2))
    y = X[:, 0]
    small = MLPRegressor((2,), epochs=2, random_state=0).fit(X[:500], y[:500])
    assert "val_loss" not in small.history_ and small.n_iter_ == 2
    large = MLPRegressor((2,), epochs=2, batch_size=1000, random_state=0)
    with pytest.warns(ConvergenceWarning):
        large.fit(X, y)
    assert "val_loss" in large.history_


def test_the_classifier_follows_the_same_rule_with_a_small_ridge():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(10_000, 2))
    y = (X[:, 0] > 0).astype(int)
    small = MLPClassifier((2,), epochs=2, random_state=0).fit(X[:500], y[:500])
    assert "val_loss" not in small.history_ and small.n_iter_ == 2
    assert small.get_params()["ridge"] == 2e-3 and small.early_stopping == "auto"
    large = MLPClassifier((2,), epochs=2, batch_size=1000, random_state=0)
    with pytest.warns(ConvergenceWarning):
        large.fit(X, y)
    assert "val_loss" in large.history_


def blobs():
    rng = np.random.default_rng(0)
    y = rng.integers(2, size=200)
    return rng.normal(size=(200, 2)) + 3 * y[:, None], y


def test_running_out_of_epochs_warns_and_the_end_names_the_restored_epoch(capsys):
    X, y = blobs()
    with pytest.warns(ConvergenceWarning, match="used all its epochs .epochs=3.*best at epoch 3"):
        MLPClassifier((4,), epochs=3, verbose=2, early_stopping=True, random_state=0).fit(X, y)
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last == ("ran all 3 epochs (epochs=3); restored the weights of epoch 3, the best "
                    "validation loss")
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        MLPClassifier((4,), epochs=3, early_stopping=False, random_state=0).fit(X, y)
        model = MLPClassifier((4,), epochs=500, patience=2, tol=0.05, verbose=2,
                              early_stopping=True, random_state=0).fit(X, y)
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert model.n_iter_ < 500 and last == (
        f"stopped after epoch {model.n_iter_}: the validation loss gained no more than "
        f"tol=0.05 in 2 epoch(s); restored the weights of epoch {model.best_epoch_}, the best "
        "validation loss")


def test_progress_bar_keeps_its_final_state(capsys):
    X, y = blobs()
    MLPClassifier((4,), epochs=4, early_stopping=False, verbose=1, random_state=0).fit(X, y)
    captured = capsys.readouterr()
    final_bar = captured.err.split("\r")[-1]
    assert "4/4" in final_bar  # tqdm's leave=False would end with the line cleared
    assert captured.out.strip() == "ran all 4 epochs (epochs=4); kept the last epoch's weights " \
                                   "(epoch 4; no early stopping)"


@pytest.mark.parametrize("Estimator", [MLPClassifier, MLPRegressor])
def test_partial_fit_only_model_saves_and_loads(tmp_path, Estimator):
    X, y = blobs()
    model = Estimator((4,), random_state=0)
    kwargs = {"classes": [0, 1]} if Estimator is MLPClassifier else {}
    model.partial_fit(X[:100], y[:100], **kwargs)
    model.partial_fit(X[100:], y[100:])
    assert model.best_epoch_ == model.n_iter_ == 2 and model.interrupted_ is False
    loaded = nnfit.load(model.save(tmp_path / "partial.nnfit"))
    assert np.array_equal(loaded.predict(X), model.predict(X))
    assert loaded.best_epoch_ == 2
