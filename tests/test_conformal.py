"""Conformal intervals (nnfit/estimators/conformal.py): MAPIE's numbers, the textbook order
statistic, the stated coverage over random splits, DataFrames through TabularRegressor, and
bad settings refused."""
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_diabetes
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import KFold, train_test_split

from nnfit.datasets import load_hitters
from nnfit.estimators.conformal import ConformalRegressor
from nnfit.estimators.regressor import MLPRegressor
from nnfit.tabular.models import TabularRegressor

regression = pytest.importorskip("mapie.regression")
BENCH = Path(__file__).resolve().parents[1] / "bench" / "conformal.py"


def small(seed=0):
    return MLPRegressor((16,), epochs=50, random_state=seed)


@pytest.fixture(scope="module")
def diabetes():
    return load_diabetes(return_X_y=True)


@pytest.fixture(scope="module")
def hitters():
    frame = load_hitters().frame  # League, Division, NewLeague as read: strings
    return frame.drop(columns="Salary"), frame["Salary"].to_numpy(float)


def _order_statistic(residuals, level):
    """The ceil((m + 1) level)-th smallest of m absolute residuals (split conformal's q)."""
    m = len(residuals)
    return np.sort(residuals)[int(np.ceil((m + 1) * level)) - 1]


def test_split_is_the_order_statistic_of_the_calibration_residuals(diabetes):
    X, y = diabetes
    X_train, X_test, y_train, _ = train_test_split(X, y, test_size=0.25, random_state=1)
    model = ConformalRegressor(small(), level=0.8, random_state=7).fit(X_train, y_train)
    X_fit, X_cal, y_fit, y_cal = train_test_split(X_train, y_train, test_size=0.25,
                                                  random_state=7)
    fitted = small().fit(X_fit, y_fit)
    q = _order_statistic(np.abs(y_cal - fitted.predict(X_cal)), 0.8)
    prediction, lower, upper = model.predict_interval(X_test)
    np.testing.assert_allclose(prediction, fitted.predict(X_test), rtol=1e-12)
    np.testing.assert_allclose(upper - prediction, q, rtol=1e-9)
    np.testing.assert_allclose(prediction - lower, q, rtol=1e-9)
    assert model.n_calibration_ == len(y_cal) == 83
    np.testing.assert_array_equal(model.predict(X_test), prediction)


def test_split_and_cross_equal_mapie_called_directly_on_arrays(diabetes):
    X, y = diabetes
    X_train, X_test, y_train, _ = train_test_split(X, y, test_size=0.25, random_state=2)
    ours = ConformalRegressor(small(), level=0.9, random_state=3).fit(X_train, y_train)
    X_fit, X_cal, y_fit, y_cal = train_test_split(X_train, y_train, test_size=0.25,
                                                  random_state=3)
    mapie = regression.SplitConformalRegressor(small(), confidence_level=0.9, prefit=False)
    points, intervals = mapie.fit(X_fit, y_fit).conformalize(X_cal, y_cal).predict_interval(X_test)
    np.testing.assert_allclose(np.column_stack(ours.predict_interval(X_test)),
                               np.column_stack([points, intervals[:, :, 0]]), rtol=1e-9)

    ours = ConformalRegressor(small(), level=0.9, method="cross", cv=4,
                              random_state=5).fit(X_train, y_train)
    mapie = regression.CrossConformalRegressor(
        small(), confidence_level=0.9, method="plus",
        cv=KFold(4, shuffle=True, random_state=5)).fit_conformalize(X_train, y_train)
    points, intervals = mapie.predict_interval(X_test)
    np.testing.assert_allclose(np.column_stack(ours.predict_interval(X_test)),
                               np.column_stack([points, intervals[:, :, 0]]), rtol=1e-9)
    assert ours.n_calibration_ == len(y_train)


def _coverage(X, y, method, splits, level=0.9):
    covered = []
    for seed in range(splits):
        X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25,
                                                            random_state=seed)
        model = ConformalRegressor(small(seed), level=level, method=method,
                                   random_state=seed).fit(X_train, y_train)
        _, lower, upper = model.predict_interval(X_test)
        assert (lower <= upper).all()
        covered.append(np.mean((lower <= y_test) & (y_test <= upper)))
    return np.mean(covered)


def test_split_intervals_cover_90_percent_over_20_random_splits(diabetes):
    # 83 calibration rows: expected coverage ceil(84 * 0.9) / 84 = 0.905; the mean of 20
    # splits has a standard deviation of about 0.01 (bench/conformal.py: 100 splits)
    assert 0.85 <= _coverage(*diabetes, "split", 20) <= 0.95


def test_cross_intervals_cover_about_90_percent_over_8_random_splits(diabetes):
    assert 0.85 <= _coverage(*diabetes, "cross", 8) <= 0.95


def test_tabular_regressor_on_a_dataframe_with_categorical_columns(hitters):
    X, y = hitters
    assert X["League"].dtype == object
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)
    tabular = TabularRegressor(small())
    for method in ("split", "cross"):
        model = ConformalRegressor(tabular, level=0.9, method=method, cv=3,
                                   random_state=0).fit(X_train, y_train)
        prediction, lower, upper = model.predict_interval(X_test)
        assert prediction.shape == lower.shape == upper.shape == (len(X_test),)
        assert (lower <= prediction).all() and (prediction <= upper).all()
        assert 0.7 < np.mean((lower <= y_test) & (y_test <= upper)) <= 1
    assert list(model.get_params()["estimator"].get_params()) == \
        list(tabular.get_params())  # the wrapped estimator is untouched (cloned)

    # prefit: a TabularRegressor fitted already, calibrated on other rows; MAPIE called on
    # it directly would probe it with a plain array, which it refuses
    X_fit, X_cal, y_fit, y_cal = train_test_split(X_train, y_train, test_size=0.3,
                                                  random_state=1)
    fitted = clone(tabular).fit(X_fit, y_fit)
    model = ConformalRegressor(fitted, level=0.9, method="prefit").fit(X_cal, y_cal)
    prediction, lower, upper = model.predict_interval(X_test)
    q = _order_statistic(np.abs(y_cal - fitted.predict(X_cal)), 0.9)
    np.testing.assert_allclose(prediction, fitted.predict(X_test), rtol=1e-12)
    np.testing.assert_allclose(upper - lower, 2 * q, rtol=1e-9)
    assert model.estimator_ is fitted and model.n_calibration_ == len(y_cal)


def test_the_default_estimator_is_mlp_regressor(diabetes):
    X, y = diabetes
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = ConformalRegressor(random_state=0).fit(X[:200], y[:200])
    assert type(model.estimator_) is MLPRegressor
    assert model.estimator is None  # the parameter is not changed by fit


@pytest.mark.parametrize("level, message", [
    (0, "in \\(0, 1\\)"), (1, "in \\(0, 1\\)"), (1.5, "in \\(0, 1\\)"),
    (90, "give 0.9 for 90 % intervals"), (True, "invalid"), ("0.9", "invalid"), (None, "invalid"),
    ([0.8, 0.9], "invalid"), (np.nan, "invalid"),
])
def test_a_bad_level_is_refused(diabetes, level, message):
    X, y = diabetes
    with pytest.raises(ValueError, match=f"level=.*{message}"):
        ConformalRegressor(small(), level=level).fit(X, y)


@pytest.mark.parametrize("params, message", [
    ({"method": "jackknife"}, "method='jackknife' is invalid"),
    ({"method": "cross", "cv": 1}, "cv=1 is invalid"),
    ({"method": "cross", "cv": 2.5}, "cv=2.5 is invalid"),
    ({"calibration_size": 0}, "calibration_size=0 is invalid"),
    ({"calibration_size": 1.0}, "calibration_size=1.0 is invalid"),
    ({"calibration_size": 5}, "need at least 9 calibration rows .* got 5"),
    ({"level": 0.99, "calibration_size": 0.1}, "need at least 99 calibration rows .* got 20"),
])
def test_bad_settings_are_refused(diabetes, params, message):
    X, y = diabetes
    with pytest.raises(ValueError, match=message):
        ConformalRegressor(small(), **params).fit(X[:200], y[:200])


def test_bad_targets_and_an_unfitted_prefit_model_are_refused(diabetes):
    X, y = diabetes
    with pytest.raises(ValueError, match="one numeric target"):
        ConformalRegressor(small()).fit(X, np.column_stack([y, y]))
    with pytest.raises(ValueError, match="finite numbers"):
        ConformalRegressor(small()).fit(X, np.where(np.arange(len(y)) == 3, np.nan, y))
    with pytest.raises(ValueError, match="X has 442 rows but y has 441"):
        ConformalRegressor(small()).fit(X, y[1:])
    with pytest.raises(NotFittedError):
        ConformalRegressor(small(), method="prefit").fit(X, y)
    with pytest.raises(NotFittedError):
        ConformalRegressor(small()).predict_interval(X)


def test_the_bench_script_runs_quick():
    run = subprocess.run([sys.executable, str(BENCH), "--quick", "--tables", "hitters",
                          "--systems", "nnfit split,sk-MLP split"],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    rows = [line.split() for line in run.stdout.splitlines() if line.startswith("hitters")]
    assert [row[1:3] for row in rows] == [["nnfit", "split"], ["sk-MLP", "split"]]
    assert all(0 <= float(row[3]) <= 1 and float(row[6]) > 0 for row in rows)


def test_the_split_half_width_is_the_interval_of_every_row():
    X, y = load_diabetes(return_X_y=True)
    model = ConformalRegressor(MLPRegressor((8,), epochs=20, random_state=0),
                               random_state=0).fit(X[:300], y[:300])
    prediction, lower, upper = model.predict_interval(X[300:])
    np.testing.assert_array_equal(upper, prediction + model.half_width_)
    np.testing.assert_array_equal(lower, prediction - model.half_width_)
