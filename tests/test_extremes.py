"""Extreme values and strict checks (issue 11, items 5 and 9): nothing silently zeroed or inf."""
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.estimator_checks import check_classifiers_one_label_sample_weights

from nnfit import MLPClassifier, MLPRegressor

warnings.filterwarnings("ignore", category=ConvergenceWarning)


@pytest.fixture(scope="module")
def linear():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    return X, X @ [1.0, -2.0, 0.5] + 3


def test_a_1e308_cell_keeps_its_column(linear):
    X, y = linear
    X = X.copy()
    X[5, 1] = 1e308
    model = MLPRegressor((8,), epochs=5, random_state=0).fit(X, y)
    assert np.all(np.isfinite(model._x_scale)) and model._x_scale[1] > 1e300
    assert model._x_scale.dtype == np.float64  # statistics in float64
    scaled = model._scaled(X, None, "float32")
    assert np.ptp(scaled[:, 1]) > 10  # the column is not zero for every row
    assert np.all(np.isfinite(model.predict(X)))


def test_values_beyond_float32_are_refused_with_column_and_row(linear):
    X, y = linear
    # a copy: under pandas 2 (lifelines, in the test extra, holds pandas < 3) the frame would
    # share the module fixture's array, and the 1e300 below would reach the later tests
    frame = pd.DataFrame(X.copy(), columns=["age", "income", "dose"])
    frame.loc[7, "income"] = 1e300
    with pytest.raises(ValueError, match=r"'income' \(column 1\), row 7 .* beyond the range of "
                                         "float32"):
        MLPRegressor(epochs=1, standardize=False).fit(frame, y)
    model = MLPRegressor((4,), epochs=1, random_state=0).fit(frame.iloc[:5], y[:5])
    new = frame.iloc[:10].copy()
    new.loc[3, "dose"] = 1e300  # position 3 of the new rows
    with pytest.raises(ValueError, match=r"'dose' \(column 2\), row 3 .* beyond the range"):
        model.predict(new)
    # standardized in float64 first, the same column fits float32 and predicts finite numbers
    assert np.all(np.isfinite(MLPRegressor((4,), epochs=1).fit(frame, y).predict(frame)))


def test_inf_and_nan_get_the_same_message_at_fit_and_predict(linear):
    X, y = linear
    frame = pd.DataFrame(X, columns=["age", "income", "dose"])
    model = MLPRegressor((4,), epochs=1, random_state=0).fit(frame, y)
    messages = []
    for value in (np.nan, np.inf):
        bad = frame.copy()
        bad.loc[11, "dose"] = value
        for action in (lambda: MLPRegressor(epochs=1).fit(bad, y), lambda: model.predict(bad)):
            with pytest.raises(ValueError) as error:
                action()
            messages.append(str(error.value).replace(f": {value} in", ": VALUE in"))
    assert len(set(messages)) == 1
    assert "NaN or infinity: VALUE in 'dose' (column 2), row 11" in messages[0]


def test_huge_targets_work_or_are_refused(linear):
    X, y = linear
    small = MLPRegressor((8,), random_state=0).fit(X, y)
    huge = MLPRegressor((8,), random_state=0).fit(X, y * 1e200)
    predicted = huge.predict(X)
    assert np.all(np.isfinite(predicted)) and small.score(X, y) > 0.9
    # the same fit in units of 1e200 (r2_score itself overflows on the squares of 1e200s)
    np.testing.assert_allclose(predicted / 1e200, small.predict(X), rtol=1e-4, atol=1e-4)
    with pytest.raises(ValueError, match="too close to map the predictions back"):
        MLPRegressor(epochs=1).fit(X, y * 1e306)
    with pytest.raises(ValueError, match="beyond the range of float32"):
        MLPRegressor(epochs=1, standardize_target=False).fit(X, y * 1e200)


@pytest.fixture(scope="module")
def blobs():
    rng = np.random.default_rng(0)
    y = rng.integers(3, size=150)
    return rng.normal(size=(150, 2)) + 3 * y[:, None], y


@pytest.mark.parametrize("params,message", [
    ({"ridge": np.inf}, "ridge=inf is invalid"),
    ({"ridge": np.nan}, "ridge=nan is invalid"),
    ({"lasso": [0.1, np.inf]}, "lasso=.* is invalid"),
    ({"ridge": True}, "ridge=True is invalid"),
    ({"dropout": None}, "dropout=None is invalid"),
    ({"dropout": "0.2"}, "dropout='0.2' is invalid"),
    ({"standardize": "no"}, "standardize='no' is invalid: expected True or False"),
    ({"warm_start": None}, "warm_start=None is invalid"),
    ({"early_stopping": "yes"}, "early_stopping='yes' is invalid: expected True or False or 'auto'"),
    ({"random_state": -1}, "random_state=-1 is invalid: expected an integer seed >= 0"),
    ({"random_state": True}, "random_state=True is invalid"),
    ({"class_weight": "bal"}, "class_weight='bal' is invalid"),
    ({"tol": np.inf}, "tol=inf is invalid"),
    ({"verbose": 3}, "verbose=3 is invalid"),
    ({"verbose": "yes"}, "verbose='yes' is invalid"),
    ({"callbacks": print}, "callbacks=.* is invalid"),
    ({"monitor": ["loss"]}, "monitor=.* is invalid"),
    ({"dtype": [1]}, "dtype=.* is invalid"),
])
def test_hyperparameters_are_checked_strictly(blobs, params, message):
    X, y = blobs
    with pytest.raises(ValueError, match=message):
        MLPClassifier(**{"hidden_layer_sizes": (4,), "epochs": 1, **params}).fit(X, y)


def test_regressor_specific_flags(linear):
    X, y = linear
    with pytest.raises(ValueError, match="standardize_target=None is invalid"):
        MLPRegressor(epochs=1, standardize_target=None).fit(X, y)


@pytest.mark.parametrize("labels,error,message", [
    ([None, 1, 2], ValueError, r"y\[0\] is a missing label \(None\)"),
    (["a", "b", np.nan], ValueError, r"y\[2\] is a missing label"),
    (["a", 1, "b"], TypeError, r"y mixes label types \(number, string\)"),
])
def test_missing_and_mixed_labels(labels, error, message):
    X = np.arange(12.0).reshape(6, 2)
    y = np.array(labels * 2, dtype=object)
    with pytest.raises(error, match=message):
        MLPClassifier(epochs=1).fit(X, y)


def test_every_class_keeps_a_training_row_and_one_without_weight_is_named():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(41, 2))
    y = np.array([0, 1] * 20 + [2])  # one sample of class 2: too few to stratify
    for seed in range(20):
        with warnings.catch_warnings():
            warnings.simplefilter("error", UserWarning)
            warnings.simplefilter("ignore", ConvergenceWarning)
            model = MLPClassifier((2,), epochs=1, validation_fraction=0.3, random_state=seed)
            model.fit(X, y)
        train, val = model._split(41, y)
        assert 40 in train and len(val) >= 12
    tiny = MLPClassifier((2,), epochs=1, validation_fraction=0.5, random_state=0)
    assert tiny._split(2, np.array([0, 1])) == (None, None)  # nothing left to hold out
    weights = np.r_[np.ones(40), 0.0]
    with pytest.warns(UserWarning, match=r"class\(es\) \[2\] have no training row of positive"):
        MLPClassifier((2,), epochs=1, random_state=0).fit(X, y, sample_weight=weights)


@pytest.mark.parametrize("seed", range(10))
def test_weights_that_leave_one_class_are_refused_for_every_seed(seed):
    check_classifiers_one_label_sample_weights(
        "MLPClassifier", MLPClassifier(epochs=5, random_state=seed))
    X, y = np.arange(20.0).reshape(10, 2), np.arange(10) % 3
    with pytest.raises(ValueError, match="only class 1 has rows of positive weight"):
        MLPClassifier(epochs=1, random_state=seed).fit(X, y, sample_weight=(y == 1) * 1.0)
