"""nnfit estimators in scikit-learn's searches with n_jobs=2 (joblib processes) equal n_jobs=1.

The serial side runs under one BLAS thread and the workers get one (``inner_max_num_threads``),
so both sides compute the same float32 products: the scores must then agree bit for bit.
"""
import joblib
import numpy as np
import pytest
from scipy.stats import loguniform
from sklearn.model_selection import GridSearchCV, KFold, RandomizedSearchCV, cross_validate
from threadpoolctl import threadpool_limits

from nnfit import MLPClassifier, MLPRegressor, islr_lab

SMALL = dict(hidden_layer_sizes=(8,), epochs=15, batch_size=32, random_state=0)
GRID = {"hidden_layer_sizes": [(4,), (16,)], "dropout": [0.0, 0.3]}
SCORES = ["mean_test_score", "rank_test_score", "split0_test_score", "split1_test_score",
          "split2_test_score"]


@pytest.fixture(scope="module")
def hitters():
    X_train, X_test, y_train, y_test = islr_lab.hitters_split()
    return X_train, y_train, X_test


def serial_and_parallel(make, X, y):
    """``make(n_jobs).fit(X, y)`` with n_jobs=1 and 2, one BLAS thread per fit on both sides."""
    with threadpool_limits(limits=1, user_api="blas"):
        serial = make(1).fit(X, y)
    with joblib.parallel_config(backend="loky", inner_max_num_threads=1):
        parallel = make(2).fit(X, y)
    return serial, parallel


def assert_same_search(serial, parallel, X_test):
    for key in SCORES:
        assert np.array_equal(parallel.cv_results_[key], serial.cv_results_[key]), key
    assert parallel.cv_results_["params"] == serial.cv_results_["params"]
    assert parallel.best_params_ == serial.best_params_
    assert np.array_equal(parallel.predict(X_test), serial.predict(X_test))


def test_grid_search_in_two_processes_equals_the_serial_search(hitters):
    X, y, X_test = hitters
    serial, parallel = serial_and_parallel(
        lambda n_jobs: GridSearchCV(MLPRegressor(**SMALL), GRID, cv=3, n_jobs=n_jobs,
                                    scoring="neg_mean_absolute_error"), X, y)
    assert_same_search(serial, parallel, X_test)
    assert len(set(serial.cv_results_["mean_test_score"])) == 4  # four different fits


def test_randomized_search_on_classes_in_two_processes_equals_the_serial_search(hitters):
    X, y, X_test = hitters
    labels = np.where(y > np.median(y), "high", "low")
    space = {"ridge": loguniform(1e-5, 1e-1), "learning_rate": loguniform(1e-3, 1e-2)}
    serial, parallel = serial_and_parallel(
        lambda n_jobs: RandomizedSearchCV(MLPClassifier(**SMALL), space, n_iter=4, cv=3,
                                          random_state=0, n_jobs=n_jobs), X, labels)
    assert_same_search(serial, parallel, X_test)
    assert np.array_equal(parallel.predict_proba(X_test), serial.predict_proba(X_test))


def test_cross_validate_returns_fitted_estimators_that_predict_like_the_serial_ones(hitters):
    X, y, X_test = hitters
    runs = {}
    for n_jobs, context in [(1, threadpool_limits(limits=1, user_api="blas")),
                            (2, joblib.parallel_config(backend="loky", inner_max_num_threads=1))]:
        with context:
            runs[n_jobs] = cross_validate(MLPRegressor(**SMALL, dropout=0.2), X, y,
                                          cv=KFold(3, shuffle=True, random_state=0),
                                          return_estimator=True, n_jobs=n_jobs)
    assert np.array_equal(runs[2]["test_score"], runs[1]["test_score"])
    for serial, parallel in zip(runs[1]["estimator"], runs[2]["estimator"]):
        # fitted in a worker, sent back: its layer views are views of its flat vector again
        assert all(np.shares_memory(w, parallel.network_.theta) for w in parallel.coefs_)
        assert np.array_equal(parallel.network_.theta, serial.network_.theta)
        assert np.array_equal(parallel.predict(X_test), serial.predict(X_test))
        assert _without_times(parallel.history_) == _without_times(serial.history_)


def _without_times(history):
    return {key: values for key, values in history.items() if key != "seconds"}
