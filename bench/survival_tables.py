"""The nine survival tables of ``bench/survival.py``, their per-fold preprocessing and scores.

``load_tables(names=None)`` gives ``{name: (X, y)}``: X a DataFrame of the predictors as the
source ships them (less the columns that leak the outcome, ``LEAKS``), y a structured array made
by ``sksurv.util.Surv.from_arrays(event, time)`` (fields ``event``, ``time``).  All offline:

============== ===== ================================================================ ==========
name            rows  source; event / time                                             dropped
============== ===== ================================================================ ==========
brain_cancer      88  ISLR2 ``BrainCancer.csv``; status / time (months)                 --
veterans         137  ``sksurv.datasets.load_veterans_lung_cancer``; Status / days     --
breast_cancer    198  ``sksurv.datasets.load_breast_cancer``; distant metastasis       --
publication      244  ISLR2 ``Publication.csv``; publication / months                  impact
rossi            432  ``lifelines.datasets.load_rossi``; arrest / week                  --
whas500          500  ``sksurv.datasets.load_whas500``; fstat / lenfol (days)           --
gbsg2            686  ``sksurv.datasets.load_gbsg2``; recurrence / days                 --
aids            1151  ``sksurv.datasets.load_aids()`` (endpoint "aids"); censor / time  --
flchain         7874  ``sksurv.datasets.load_flchain``; death / futime                  chapter
============== ===== ================================================================ ==========

``flchain.chapter`` is the cause of death (missing for the living); ``Publication.impact`` is the
impact factor of the journal that published the study, 0 for 87 of the 88 unpublished ones.  The
ISLR2 files are read from the first folder holding them of ``$NNFIT_SURVIVAL_DATA``,
``nnfit/datasets/data/islr/`` and ``/work/shared/data/islr/``, their SHA-256 checked.

``preprocessor(X)`` is the ColumnTransformer fitted inside each fold; ``fold_scores`` gives the
fold's Harrell's C and integrated Brier score on the time grid of ``ibs_grid`` (its docstring
states the rule).  ``KaplanMeier`` and ``LinearCox`` are the two reference models (``km``,
``cox``).
"""
import hashlib
import os
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sksurv.metrics import concordance_index_censored, integrated_brier_score
from sksurv.util import Surv

TABLES = ("brain_cancer", "veterans", "breast_cancer", "publication", "rossi", "whas500", "gbsg2",
          "aids", "flchain")
LEAKS = {"flchain": ["chapter"], "publication": ["impact"]}
ISLR_SHA256 = {
    "BrainCancer.csv": "6e0c9908dbb859c870fc824fc2c23991d8dfdab53e4dffba85fc663704c622ab",
    "Publication.csv": "d7e6bb06b94e4821d920b1cee6e2d11a6be2b088e07a1bac0d344e6859ce0c5e"}
ISLR_PACKAGE = Path(__file__).resolve().parents[1] / "nnfit" / "datasets" / "data" / "islr"


def _islr_csv(name):
    folders = [os.environ.get("NNFIT_SURVIVAL_DATA"), ISLR_PACKAGE, "/work/shared/data/islr"]
    path = next((Path(f) / name for f in folders if f and (Path(f) / name).is_file()), None)
    if path is None:
        raise FileNotFoundError(f"{name} in none of {[f for f in folders if f]}")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != ISLR_SHA256[name]:
        raise ValueError(f"{path}: SHA-256 {digest}, expected {ISLR_SHA256[name]}")
    return pd.read_csv(path)


def _split(frame, event, time):
    """(X, y) from one frame holding the predictors and the two outcome columns."""
    y = Surv.from_arrays(frame[event].astype(bool).to_numpy(), frame[time].astype(float).to_numpy())
    return frame.drop(columns=[event, time]).reset_index(drop=True), y


def _load(name):
    import sksurv.datasets as sd
    if name == "brain_cancer":
        return _split(_islr_csv("BrainCancer.csv"), "status", "time")
    if name == "publication":
        return _split(_islr_csv("Publication.csv"), "status", "time")
    if name == "rossi":
        from lifelines.datasets import load_rossi
        return _split(load_rossi(), "arrest", "week")
    loader = {"veterans": sd.load_veterans_lung_cancer, "breast_cancer": sd.load_breast_cancer,
              "whas500": sd.load_whas500, "gbsg2": sd.load_gbsg2, "aids": sd.load_aids,
              "flchain": sd.load_flchain}[name]
    X, y = loader()
    event, time = y.dtype.names
    return X.reset_index(drop=True), Surv.from_arrays(y[event], y[time].astype(float))


def load_tables(names=None):
    """``{name: (X, y)}`` for ``names`` (default all of ``TABLES``), leaking columns dropped."""
    tables = {}
    for name in names or TABLES:
        if name not in TABLES:
            raise ValueError(f"unknown table {name!r}; the tables are {', '.join(TABLES)}")
        X, y = _load(name)
        tables[name] = (X.drop(columns=LEAKS.get(name, [])), y)
    return tables


def preprocessor(X):
    """Numeric columns: median-imputed, standardized; the others: most frequent, one-hot.

    The one-hot encoding drops a first level (``drop="first"``, as R's treatment contrasts do),
    so that the columns of a categorical do not sum to a constant, which a Cox model (no
    intercept) cannot identify; a level unseen in the training fold is encoded as all zeros.
    """
    numeric = [c for c in X.columns if pd.api.types.is_numeric_dtype(X[c])
               and not pd.api.types.is_bool_dtype(X[c])]
    other = [c for c in X.columns if c not in numeric]
    onehot = OneHotEncoder(drop="first", handle_unknown="ignore", sparse_output=False)
    return ColumnTransformer(
        [("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
         ("cat", make_pipeline(SimpleImputer(strategy="most_frequent"), onehot), other)],
        verbose_feature_names_out=False)


def ibs_grid(y_train, y_test, points=20):
    """The time grid of the integrated Brier score, and the test outcome it is scored against.

    tau = min(largest test time, largest training time).  The grid is ``points`` times evenly
    spaced from the 10th to the 80th percentile of the test fold's observed times (events and
    censorings), its upper end lowered to just below tau (``np.nextafter``) where it reaches
    it: so every grid time is inside the training follow-up (the domain of a Breslow step
    function and of the Kaplan-Meier censoring weights fitted on the training fold) and
    strictly below the test fold's largest time, as ``integrated_brier_score`` requires.  Test
    times beyond tau are censored at tau (an event exactly at tau becomes censored): for any
    grid time t < tau such a row counts as "still at risk at t" either way, so the score is
    unchanged, and no censoring weight is needed beyond the training follow-up.  None when the
    grid is empty (10th percentile >= its upper end).
    """
    t_test, t_train = y_test["time"], y_train["time"]
    tau = min(t_test.max(), t_train.max())
    low, high = np.percentile(t_test, [10, 80])
    high = min(high, np.nextafter(tau, -np.inf))
    if not low < high:
        return None, None
    capped = Surv.from_arrays(y_test["event"] & (t_test < tau), np.minimum(t_test, tau))
    return np.linspace(low, high, points), capped


def survival_matrix(functions, times):
    """Rows of S(t | x) at ``times`` from sksurv-style step functions (callables)."""
    return np.vstack([np.asarray(fn(times), dtype=float) for fn in functions])


def fold_scores(model, X_test, y_train, y_test):
    """(Harrell's C, integrated Brier score) of a fitted model on a test fold (nan if undefined)."""
    risk = np.asarray(model.predict(X_test), dtype=float).ravel()
    c = concordance_index_censored(y_test["event"], y_test["time"], risk)[0] \
        if np.isfinite(risk).all() else np.nan
    grid, capped = ibs_grid(y_train, y_test)
    if grid is None:
        return c, np.nan
    surv = survival_matrix(model.predict_survival_function(X_test), grid)
    if not np.isfinite(surv).all():
        return c, np.nan
    return c, integrated_brier_score(y_train, capped, surv, grid)


COX_ALPHAS = (0.0, 1e-4, 1e-2, 1.0)


class LinearCox:
    """sksurv's Cox model, with the smallest ridge penalty of COX_ALPHAS that fits cleanly."""

    def fit(self, X, y):
        from sksurv.linear_model import CoxPHSurvivalAnalysis
        for alpha in COX_ALPHAS:
            self.alpha_, self.model_ = alpha, CoxPHSurvivalAnalysis(ties="efron", alpha=alpha)
            with warnings.catch_warnings(record=True) as caught, np.errstate(over="warn"):
                warnings.simplefilter("always")
                try:
                    self.model_.fit(X, y)
                except (ValueError, np.linalg.LinAlgError):
                    continue
            bad = [w for w in caught if issubclass(w.category, (RuntimeWarning, UserWarning))]
            if not bad and np.abs(self.model_.coef_).max() <= 10:
                break
        return self

    def predict(self, X):
        return self.model_.predict(X)

    def predict_survival_function(self, X):
        return self.model_.predict_survival_function(X)


class KaplanMeier:
    """Everyone gets the training part's Kaplan-Meier curve and the same risk (C = 0.5)."""

    def fit(self, X, y):
        from sksurv.nonparametric import kaplan_meier_estimator
        self.times_, self.surv_ = kaplan_meier_estimator(y["event"], y["time"])
        return self

    def predict(self, X):
        return np.zeros(len(X))

    def predict_survival_function(self, X):
        return [StepCurve(self.times_, self.surv_)] * len(X)


class StepCurve:
    """S(t) of a right-continuous step function: 1 before times[0], surv[i] from times[i] on."""

    def __init__(self, times, surv):
        self.times, self.surv = np.asarray(times, float), np.asarray(surv, float)

    def __call__(self, t):
        i = np.searchsorted(self.times, np.asarray(t, float), side="right")
        return np.concatenate([[1.0], self.surv])[i]
