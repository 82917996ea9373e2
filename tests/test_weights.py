"""Sample and class weights: the weighted objective, its gradient, and a 5 %-positive data set."""
import warnings

import numpy as np
import pytest
import scipy.sparse
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier as SklearnMLP
from sklearn.utils.class_weight import compute_sample_weight

import nnfit
from nnfit import MLPClassifier, MLPRegressor, Objective, gradcheck
from nnfit import SigmoidBinaryCrossEntropy, SoftmaxCrossEntropy, SquaredError
from nnfit.backends.numpy_backend import default_backend
from nnfit.estimators.standardize import fit_scaling
from nnfit.estimators.weights import class_sample_weight

TOL = 1e-6


def weighted_problem(loss, seed=0, n=9):
    rng = np.random.default_rng(seed)
    net = nnfit.mlp(4, (5, 3), 3, "tanh", (), dtype="float64")
    net.initialize(rng)
    net.theta += rng.normal(scale=0.05, size=net.n_params)
    X = rng.normal(size=(n, 4))
    if loss is SoftmaxCrossEntropy:
        Y = np.eye(3)[rng.integers(3, size=n)]
    elif loss is SigmoidBinaryCrossEntropy:
        Y = rng.integers(2, size=(n, 3)).astype(float)
    else:
        Y = rng.normal(size=(n, 3))
    w = rng.integers(0, 4, size=n).astype(float)
    w[0] = 2.5
    return net, X, Y, w


@pytest.mark.parametrize("loss", [SquaredError, SoftmaxCrossEntropy, SigmoidBinaryCrossEntropy])
def test_weighted_objective_gradient_matches_finite_differences(loss):
    net, X, Y, w = weighted_problem(loss)
    objective = Objective(net, loss(default_backend), ridge=0.01, lasso=0.01, weighted=True)
    assert gradcheck(objective, X, np.column_stack([Y, w / w.mean()])) < TOL


@pytest.mark.parametrize("loss", [SquaredError, SoftmaxCrossEntropy, SigmoidBinaryCrossEntropy])
def test_weighted_objective_is_the_weighted_mean_of_the_losses(loss):
    """R with integer weights equals R on the data with each row repeated w_i times."""
    net, X, Y, w = weighted_problem(loss)
    w = np.round(w)
    weighted = Objective(net, loss(default_backend), weighted=True)
    repeated = Objective(net, loss(default_backend))
    value = weighted.value(X, np.column_stack([Y, w / w.mean()]))
    expected = repeated.value(np.repeat(X, w.astype(int), axis=0), np.repeat(Y, w.astype(int), axis=0))
    assert value == pytest.approx(expected, rel=1e-12)


def test_estimator_weighted_gradient_and_constant_weights():
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(40, 3)), rng.integers(3, size=40)
    w = rng.uniform(0, 3, size=40)
    model = MLPClassifier((6,), ridge=0.01, dtype="float64", epochs=3, random_state=0)
    model.fit(X, y, sample_weight=w)
    value, coef_grads, _ = model.loss_gradient(X, y, sample_weight=w)
    h = 1e-6
    model.coefs_[0][1, 2] += h
    up = model.loss_gradient(X, y, sample_weight=w)[0]
    model.coefs_[0][1, 2] -= 2 * h
    down = model.loss_gradient(X, y, sample_weight=w)[0]
    numeric = (up - down) / (2 * h)
    assert abs(numeric - coef_grads[0][1, 2]) / max(abs(numeric), 1e-6) < TOL
    # equal weights are the unweighted objective: the same fit, bit for bit
    a = MLPClassifier((6,), epochs=3, random_state=0).fit(X, y)
    b = MLPClassifier((6,), epochs=3, random_state=0).fit(X, y, sample_weight=np.full(40, 7.0))
    assert np.array_equal(a.network_.theta, b.network_.theta)


def test_weighted_standardization_and_balanced_weights_count_repeats():
    """fit_scaling with integer weights is fit_scaling of the repeated rows, dense and sparse;
    "balanced" class weights count each class by its rows' sample weights."""
    rng = np.random.default_rng(3)
    X = rng.normal(loc=5, scale=[1, 100, 1e-3], size=(30, 3)) * (rng.random((30, 3)) < 0.7)
    w = rng.integers(0, 4, size=30)
    repeated = np.repeat(X, w, axis=0)
    mean, sd = fit_scaling(X, None, w.astype(float))
    expected_mean, expected_sd = fit_scaling(repeated)
    np.testing.assert_allclose(mean, expected_mean, rtol=1e-12)
    np.testing.assert_allclose(sd, expected_sd, rtol=1e-12)
    rows = np.arange(5, 30)
    _, sparse_sd = fit_scaling(scipy.sparse.csr_matrix(X), rows, w.astype(float))
    _, expected = fit_scaling(scipy.sparse.csr_matrix(np.repeat(X[rows], w[rows], axis=0)))
    np.testing.assert_allclose(sparse_sd, expected, rtol=1e-12)
    y = rng.integers(3, size=30)
    balanced = class_sample_weight("balanced", y, np.arange(3), w.astype(float))
    np.testing.assert_allclose(np.repeat(balanced, w),
                               compute_sample_weight("balanced", np.repeat(y, w)), rtol=1e-12)


def test_validation_score_and_score_are_weighted():
    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(200, 3)), rng.integers(2, size=200)
    w = rng.uniform(0, 5, size=200)
    model = MLPClassifier((8,), epochs=3, early_stopping=False, validation_fraction=0.3,
                          random_state=0).fit(X, y, sample_weight=w)
    _, val = model._split(200, y)
    correct = model.predict(X[val]) == y[val]
    assert model.history_["val_score"][-1] == pytest.approx(np.average(correct, weights=w[val]))
    assert model.score(X, y, sample_weight=w) == pytest.approx(
        np.average(model.predict(X) == y, weights=w))
    regressor = MLPRegressor((4,), epochs=3, random_state=0).fit(X, X[:, 0], sample_weight=w)
    regressor.partial_fit(X, X[:, 0], sample_weight=w)
    assert np.isfinite(regressor.score(X, X[:, 0], sample_weight=w))


def test_early_stopping_watches_the_weighted_validation_loss():
    """The validation loss early stopping compares is the class- and sample-weighted mean
    cross-entropy of the held-out rows (recomputed here at the epoch it kept)."""
    rng = np.random.default_rng(4)
    X, y = rng.normal(size=(300, 3)), (rng.random(300) < 0.15).astype(int)
    w = rng.uniform(0.5, 2, size=300)
    model = MLPClassifier((8,), class_weight="balanced", early_stopping=True, epochs=30,
                          validation_fraction=0.3, random_state=0).fit(X, y, sample_weight=w)
    _, val = model._split(300, y)
    weights = w * class_sample_weight("balanced", y, model.classes_, w)
    P = model.predict_proba(X[val])[np.arange(len(val)), y[val]]
    expected = np.average(-np.log(P), weights=weights[val])
    assert model.history_["val_loss"][model.best_epoch_ - 1] == pytest.approx(expected, rel=1e-4)
    assert abs(expected - np.mean(-np.log(P))) > 0.01  # the weights matter here


@pytest.fixture(scope="module")
def rare_cases():
    X, y = make_classification(n_samples=6000, n_features=20, n_informative=5, weights=[0.95],
                               flip_y=0.01, class_sep=0.8, random_state=0)
    return train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)


def test_balanced_class_weight_beats_or_matches_sklearn_with_balanced_sample_weights(rare_cases):
    X_train, X_test, y_train, y_test = rare_cases
    assert 0.04 < y_train.mean() < 0.07
    ours = MLPClassifier(class_weight="balanced", random_state=0).fit(X_train, y_train)
    with warnings.catch_warnings():  # its default 200 epochs end without convergence
        warnings.simplefilter("ignore", ConvergenceWarning)
        sklearn_model = SklearnMLP(random_state=0).fit(
            X_train, y_train, sample_weight=compute_sample_weight("balanced", y_train))
    plain = MLPClassifier(random_state=0).fit(X_train, y_train)
    ours_ba = balanced_accuracy_score(y_test, ours.predict(X_test))
    sklearn_ba = balanced_accuracy_score(y_test, sklearn_model.predict(X_test))
    plain_ba = balanced_accuracy_score(y_test, plain.predict(X_test))
    # measured: 0.761, scikit-learn 0.743, unweighted 0.603 (minority recall 0.74, 0.55, 0.21)
    assert ours_ba >= sklearn_ba and ours_ba > plain_ba + 0.05, (ours_ba, sklearn_ba, plain_ba)


def test_class_weight_dict_and_errors(blobs):
    X, y = blobs
    heavy = MLPClassifier((8,), epochs=30, class_weight={0: 50.0}, random_state=0).fit(X, y)
    light = MLPClassifier((8,), epochs=30, random_state=0).fit(X, y)
    assert np.mean(heavy.predict(X) == 0) > np.mean(light.predict(X) == 0)
    with pytest.raises(ValueError, match="class_weight has a weight for 7"):
        MLPClassifier(epochs=1, class_weight={7: 1.0}).fit(X, y)
    with pytest.raises(ValueError, match=r"class_weight\[0\]"):
        MLPClassifier(epochs=1, class_weight={0: -1.0}).fit(X, y)
    with pytest.raises(ValueError, match="class_weight='bal'"):
        MLPClassifier(epochs=1, class_weight="bal").fit(X, y)
    with pytest.raises(ValueError, match="partial_fit never sees"):
        MLPClassifier(class_weight="balanced").partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(TypeError, match="class_weight"):
        MLPRegressor(class_weight="balanced")


@pytest.mark.parametrize("weights,message", [
    (np.ones(299), r"shape \(299,\)"),
    (np.ones((300, 2)), r"shape \(300, 2\)"),
    (np.r_[-1.0, np.ones(299)], r"sample_weight\[0\] = -1.0"),
    (np.r_[np.ones(299), np.nan], r"sample_weight\[299\] = nan"),
    (np.zeros(300), "zero for every row"),
    ("abc", "sample_weight"),
])
def test_bad_sample_weight(blobs, weights, message):
    X, y = blobs
    with pytest.raises((ValueError, TypeError), match=message):
        MLPClassifier(epochs=1).fit(X, y, sample_weight=weights)


