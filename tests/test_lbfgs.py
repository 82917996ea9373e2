"""optimizer="lbfgs": full-batch L-BFGS with the backpropagated gradient reaches the maximum-
likelihood fit without a hidden layer, monitors a validation set per iteration, continues with
warm_start, and refuses what it cannot do."""
import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression, LogisticRegression

from nnfit import DivergenceError, MLPClassifier, MLPRegressor

FULL = dict(optimizer="lbfgs", early_stopping=False, validation_fraction=0, random_state=0)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_no_hidden_layer_is_the_logistic_mle(n_classes):
    """Probabilities equal scikit-learn's unpenalized logistic regression (run to a tight tol:
    at its default tol=1e-4 it is itself up to 4e-4 away from the optimum here)."""
    X, y = make_classification(n_samples=300, n_features=6, n_informative=4, n_classes=n_classes,
                               class_sep=0.5, random_state=0)
    X[:, 1] = 100 * X[:, 1] + 50  # another scale: the standardization does not move the MLE
    reference = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000).fit(X, y)
    model = MLPClassifier((), ridge=0.0, dtype="float64", **FULL).fit(X, y)
    assert np.abs(model.predict_proba(X) - reference.predict_proba(X)).max() < 1e-4
    _, coef_grads, intercept_grads = model.loss_gradient(X, y)
    assert max(np.abs(coef_grads[0]).max(), np.abs(intercept_grads[0]).max()) < 1e-5
    in_float32 = MLPClassifier((), ridge=0.0, **FULL).fit(X, y)
    assert np.abs(in_float32.predict_proba(X) - reference.predict_proba(X)).max() < 1e-3


def test_no_hidden_layer_is_least_squares():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 5)) * [1, 10, 100, 0.1, 1]
    Y = X @ rng.normal(size=(5, 2)) + rng.normal(size=(200, 2))
    reference = LinearRegression().fit(X, Y).predict(X)
    model = MLPRegressor((), ridge=0, dtype="float64", **FULL).fit(X, Y)
    assert np.abs(model.predict(X) - reference).max() < 1e-4 * Y.std()


@pytest.fixture(scope="module")
def moons():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(300, 2))
    return X, (X[:, 1] > np.sin(2 * X[:, 0]) + rng.normal(scale=0.3, size=300)).astype(int)


def test_a_hidden_layer_fits_a_curved_boundary_and_early_stops_per_iteration(moons):
    X, y = moons
    model = MLPClassifier((16,), optimizer="lbfgs", ridge=1e-3, early_stopping=True,
                          random_state=0).fit(X[:200], y[:200])
    history = model.history_
    assert history["epoch"] == list(range(1, model.n_iter_ + 1))
    assert all(np.diff(history["train_objective"]) <= 1e-12)  # each line search lowers R
    best = int(np.argmin(history["val_loss"]))
    assert model.best_epoch_ == history["epoch"][best]
    assert model.n_iter_ - model.best_epoch_ <= model.patience
    assert model.score(X[200:], y[200:]) > 0.85  # a logistic regression gets 0.67


def test_warm_start_continues_with_a_fresh_memory(moons):
    X, y = moons
    model = MLPClassifier((8,), optimizer="lbfgs", epochs=5, early_stopping=False,
                          validation_fraction=0, warm_start=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
        first = model.history_["train_objective"][-1]
        model.fit(X, y)
    assert model.n_iter_ == 10 and model.history_["epoch"] == list(range(1, 11))
    assert model.history_["train_objective"][-1] < first


def test_too_few_iterations_warn_and_a_callback_stops(moons):
    X, y = moons
    with pytest.warns(ConvergenceWarning, match="optimizer='lbfgs' used all its iterations"):
        MLPClassifier((8,), optimizer="lbfgs", epochs=3, random_state=0).fit(X, y)
    model = MLPRegressor((8,), optimizer="lbfgs", random_state=0,
                         callbacks=[lambda record: record["epoch"] == 4]).fit(X, y)
    assert model.n_iter_ == 4 == model.best_epoch_


def test_what_lbfgs_refuses(moons):
    X, y = moons
    for params, message in [({"dropout": 0.2}, "dropout makes it random; set dropout=0"),
                            ({"augment": lambda Xb, rng: Xb}, "set augment=None")]:
        model = MLPClassifier((8,), optimizer="lbfgs", **params)
        with pytest.raises(ValueError, match=message):
            model.fit(X, y)
        assert not hasattr(model, "network_")  # refused before anything was fitted
    with pytest.raises(ValueError, match="partial_fit takes minibatch steps"):
        MLPClassifier((8,), optimizer="lbfgs").partial_fit(X, y, classes=[0, 1])


@pytest.mark.filterwarnings("ignore:overflow encountered")
def test_an_objective_that_cannot_start_raises_divergence_and_leaves_no_model():
    X = np.array([[1e30, 1.0], [-1e30, 2.0], [1e30, 0.5]] * 4)
    y = np.array([0, 1, 0] * 4)
    model = MLPRegressor((), optimizer="lbfgs", standardize=False, standardize_target=False,
                         random_state=0)
    with pytest.raises(DivergenceError, match="L-BFGS: the objective is inf at the starting"):
        model.fit(X, y)
    assert not hasattr(model, "network_")


@pytest.mark.filterwarnings("ignore:.*used all its iterations")
def test_the_torch_backend_takes_the_same_iterations():
    pytest.importorskip("torch")
    X, y = make_classification(n_samples=200, n_features=5, n_informative=3, n_classes=3,
                               random_state=0)
    params = dict(hidden_layer_sizes=(8,), optimizer="lbfgs", epochs=30, dtype="float64",
                  random_state=0)
    numpy_fit = MLPClassifier(**params).fit(X, y)
    torch_fit = MLPClassifier(device="torch-cpu", **params).fit(X, y)
    assert torch_fit.n_iter_ == numpy_fit.n_iter_
    assert np.abs(torch_fit.predict_proba(X) - numpy_fit.predict_proba(X)).max() < 1e-6
