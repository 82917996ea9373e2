"""The ISLR2 / ISLP chapter 10 labs behind ``nnfit hitters`` and ``nnfit khan``, as functions.

Hitters (the lab's single-layer network): one third of the 263 players held out as test set
(``train_test_split(..., test_size=1/3, random_state=1)`` as in the ISLP lab), predictors
standardized with the training part's means and sds, then least-squares linear regression, the
lasso (penalty by 10-fold cross-validation on the training part) and a network with one hidden
layer of 50 ReLU units, dropout 0.4 and squared-error loss, all scored by test mean absolute
error in thousands of dollars.  175 training rows make one network fit noisy, so the network is
also fitted from ``seeds`` random initializations and the spread of its test MAE reported.

Khan (p >> n): 2,308 gene expressions, 63 training and 20 test samples of four tumour types.
Multinomial logistic regression (no hidden layer, no penalty) against a network whose weights
carry a lasso penalty, with test errors counted out of 20.

The separate network fits (one per seed; Khan's two models) run side by side when
``n_jobs`` > 1 (``nnfit.course.parallel``: joblib processes, or a Dask cluster); each fit gives the
same bits as in a serial run with the same BLAS ``threads``.

Nothing is tuned on a test set.  The hyperparameters below were chosen once by
cross-validation on the training part only; the figures that chose them are in the comments.
"""
import time
import warnings

import numpy as np
from sklearn.linear_model import LassoCV, LinearRegression
from sklearn.metrics import mean_absolute_error
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from . import parallel as _parallel
from ..estimators.classifier import MLPClassifier
from ..estimators.regressor import MLPRegressor
from ..datasets import load_hitters, load_khan

#: Test MAEs printed by the ISLP lab's executed notebook: least squares, lasso, one PyTorch
#: network fit.
ISLP_HITTERS_MAE = {"linear": 259.7, "lasso": 235.7, "network": 221.8}

# Chosen by 5-fold CV on the 175 training players (3 seeds per fold, batch 32), validation MAE
# after 50/100/200/300/500/800/1500 epochs:
#   rmsprop lr 1e-3: 225.8 210.7 205.7 205.6 208.0 212.8 211.9
#   adam    lr 1e-3: 233.2 219.3 208.9 207.2 206.9 211.5 206.6
#   rmsprop lr 3e-4: 267.7 240.3 221.0 212.5 205.8 204.5 206.7 (best 204.5, 800 epochs)
#   adam    lr 3e-3: 211.4 208.0 208.4 210.6 211.8 210.5 205.2
# All settings from 200 epochs on lie within ~3 of each other, below the seed-to-seed noise;
# RMSprop (the lab's optimizer) at 1e-3 for 300 epochs is the cheapest near the best.
#: The Hitters network: 50 ReLU units, dropout 0.4, RMSprop 1e-3, minibatches of 32, 300 epochs.
HITTERS_NETWORK = dict(hidden_layer_sizes=(50,), activation="relu", dropout=0.4,
                       optimizer="rmsprop", learning_rate=1e-3, batch_size=32, epochs=300,
                       validation_fraction=0.0, early_stopping=False, ridge=0.0)

# Chosen by stratified 5-fold CV on the 63 training samples (adam lr 1e-3, 200 full batches),
# CV errors of 63: no hidden layer: no penalty 4, lasso 1e-3 4, lasso 1e-2 1, ridge 1e-2 6;
# 50 ReLU units: ridge 1e-3 6, ridge 1e-2 5, lasso 1e-3 2, lasso 1e-2 0.
#: The Khan network: 50 ReLU units with a lasso penalty 1e-2 on the weights, Adam, 200 epochs.
KHAN_NETWORK = dict(hidden_layer_sizes=(50,), lasso=1e-2, ridge=0.0, dropout=0.0,
                    optimizer="adam", learning_rate=1e-3, batch_size=64, epochs=200,
                    validation_fraction=0.0, early_stopping=False)
KHAN_LOGISTIC = dict(KHAN_NETWORK, hidden_layer_sizes=(), lasso=0.0)


def hitters_split():
    """The ISLP lab's Hitters split, predictors standardized on the training part.

    Returns
    -------
    X_train, X_test, y_train, y_test : ndarray
        175 training and 88 test players (``train_test_split(..., test_size=1/3,
        random_state=1)``), 19 predictors scaled with the training players' means and sds,
        salaries in thousands of dollars.

    Examples
    --------
    >>> from nnfit import islr_lab
    >>> X_train, X_test, y_train, y_test = islr_lab.hitters_split()
    >>> X_train.shape, X_test.shape, round(float(abs(X_train.mean(axis=0)).max()), 12)
    ((175, 19), (88, 19), 0.0)
    """
    data = load_hitters()
    X_train, X_test, y_train, y_test = train_test_split(
        data.data.to_numpy(np.float64), data.target.to_numpy(np.float64),
        test_size=1 / 3, random_state=1)
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


def mae(y, predicted):
    return float(mean_absolute_error(y, predicted))


def hitters_baselines(X_train, X_test, y_train, y_test):
    """Test MAE of least squares and of the lasso with its 10-fold CV penalty.

    Returns ``{"linear": MAE, "lasso": MAE, "lasso_alpha": the chosen penalty}`` for the
    arrays of :func:`hitters_split`.
    """
    linear = LinearRegression().fit(X_train, y_train)
    lasso = LassoCV(cv=10, max_iter=100_000).fit(X_train, y_train)
    return {"linear": mae(y_test, linear.predict(X_test)),
            "lasso": mae(y_test, lasso.predict(X_test)), "lasso_alpha": float(lasso.alpha_)}


def hitters_network(X_train, X_test, y_train, y_test, seed, epochs=None):
    """Test MAE of the single-layer network (:data:`HITTERS_NETWORK`) from one random start.

    ``seed`` is the network's ``random_state``; ``epochs`` replaces the 300 epochs.
    """
    params = dict(HITTERS_NETWORK, random_state=seed)
    if epochs is not None:
        params["epochs"] = epochs
    model = MLPRegressor(**params).fit(X_train, y_train)
    return mae(y_test, model.predict(X_test))


def run_hitters(seeds=10, epochs=None, n_jobs=1, threads=None):
    """The whole Hitters protocol as a JSON-ready dict (MAE in thousands of dollars).

    The ``seeds`` network fits run in ``n_jobs`` workers of joblib's active backend (-1: all),
    each with ``threads`` BLAS threads (None: the library's default)."""
    start = time.perf_counter()
    split = hitters_split()
    tasks = [(split, {"seed": seed, "epochs": epochs}) for seed in range(seeds)]
    fits = _parallel.map_fits(hitters_network, tasks, n_jobs, threads)  # workers start meanwhile
    results = hitters_baselines(*split)
    network = list(fits)
    results.update({
        "network_seed0": network[0], "network_maes": network,
        "network_mean": float(np.mean(network)), "network_sd": float(np.std(network, ddof=1))
        if len(network) > 1 else 0.0,
        "network_min": float(np.min(network)), "network_max": float(np.max(network)),
        "seeds": seeds, "n_train": len(split[2]), "n_test": len(split[3]),
        "network_params": dict(HITTERS_NETWORK,
                               epochs=epochs if epochs is not None else HITTERS_NETWORK["epochs"]),
        "islp_lab": ISLP_HITTERS_MAE, "seconds": time.perf_counter() - start,
    })
    results["network_mean_beats_lasso"] = results["network_mean"] < results["lasso"]
    return results


def khan_model(params, X_train, y_train, X_test, y_test):
    """(train errors, test errors) of the classifier with ``params`` on the standardized genes."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        model = MLPClassifier(**params).fit(X_train, y_train)
    train_errors = int(np.sum(model.predict(X_train) != y_train))
    return train_errors, int(np.sum(model.predict(X_test) != y_test))


def run_khan(epochs=None, seed=0, n_jobs=1, threads=None):
    """Test errors (out of 20) of multinomial logistic regression and the lasso network, the
    two fits in ``n_jobs`` workers with ``threads`` BLAS threads each (as ``run_hitters``)."""
    start = time.perf_counter()
    data = load_khan()
    scaler = StandardScaler().fit(data.X_train)
    X_train, X_test = scaler.transform(data.X_train), scaler.transform(data.X_test)
    results = {"n_train": len(X_train), "n_test": len(X_test), "n_genes": X_train.shape[1]}
    models = {name: dict(params, random_state=seed,
                         epochs=epochs if epochs is not None else params["epochs"])
              for name, params in [("logistic", KHAN_LOGISTIC), ("network", KHAN_NETWORK)]}
    tasks = [((params, X_train, data.y_train, X_test, data.y_test), {})
             for params in models.values()]
    errors = _parallel.map_fits(khan_model, tasks, n_jobs, threads)
    for (name, params), (train_errors, test_errors) in zip(models.items(), errors):
        results[f"{name}_test_errors"] = test_errors
        results[f"{name}_train_errors"] = train_errors
        results[f"{name}_params"] = params
    results["seconds"] = time.perf_counter() - start
    return results
