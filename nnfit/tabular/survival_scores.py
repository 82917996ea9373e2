"""The report of a fitted ``TabularSurvival`` on labelled rows (what ``nnfit evaluate`` prints for
a survival model), and the linear Cox model that ``cross_validate_survival`` sets beside it.

``evaluate_survival`` scores the model's risk score and survival function on the rows
(``nnfit.estimators.survival_metrics.score_survival``: Harrell's and Uno's C, time-dependent AUC
and Brier score at horizons, the integrated Brier score, calibration at a horizon in
``calibration_groups(n)`` risk groups, with bootstrap intervals) beside the Kaplan-Meier
baseline of the same rows: every row gets the rows' Kaplan-Meier S(t) and the same risk (C = AUC
= 0.5), so that the Brier scores and the IBS have a no-information reference, and their paired
differences an interval. A model file does not keep its training rows, so the censoring
distribution G that weights Uno's C, the AUC and the Brier scores is the Kaplan-Meier estimate
on the scored rows themselves.

``survival_on_grid`` reads any fitted survival model's S(t | x) at given times as the step
function of the model's own distinct times (1 before the first).  ``linear_cox`` is the
reference of the cross-validation: ``MLPSurvival(hidden_layer_sizes=(), ridge=0,
optimizer="lbfgs", dtype="float64")``, the maximum partial likelihood linear Cox model (Efron's
or Breslow's ties, as the network's), in the same preprocessing; ``fit_linear_cox`` fits it and,
when the unpenalized fit fails (L-BFGS does not converge, e.g. a monotone likelihood when a
column separates events from censored rows, or the fit diverges), refits it with the small
ridge ``FALLBACK_RIDGE`` and says so.
"""
import warnings

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

from ..engine.training import DivergenceError
from ..estimators.survival import MLPSurvival
from ..estimators.survival_metrics import score_survival
from .survival import TabularSurvival, checked_times, labelled_outcome

FALLBACK_RIDGE = 1e-4
DEFAULT_BOOTSTRAP = 200  # each resample recomputes scikit-survival's scores: slower than counts


def survival_on_grid(model, X, grid):
    """S(t | x) of the fitted ``model`` for the rows of X at the increasing times ``grid``."""
    times = np.asarray(model.unique_times_, dtype=np.float64)
    S = np.asarray(model.predict_survival_function(X, return_array=True), dtype=np.float64)
    index = np.searchsorted(times, np.asarray(grid, dtype=np.float64), side="right") - 1
    return np.where(index >= 0, S[:, np.maximum(index, 0)], 1.0)


def surv(event, time):
    y = np.empty(len(time), dtype=[("event", bool), ("time", np.float64)])
    y["event"], y["time"] = event, time
    return y


def calibration_groups(n):
    """Risk groups of the calibration table of n rows: 10, fewer below 100 rows (at least
    about 10 rows a group, and 2 groups)."""
    return int(min(10, max(2, n // 10)))


def evaluate_survival(model, X, y, *, horizons=None, n_bootstrap=DEFAULT_BOOTSTRAP,
                      confidence=0.95, random_state=0):
    """Score a fitted ``TabularSurvival`` on labelled rows beside their Kaplan-Meier baseline.

    Parameters
    ----------
    model : TabularSurvival
        A fitted model.
    X : pandas.DataFrame
        The rows to score.
    y : structured array of (event, time)
        Their outcomes (``sksurv.util.Surv.from_arrays``).
    horizons : array-like of float or None, default=None
        Times of the AUC and Brier scores (the middle one is the calibration horizon); None:
        the 25th, 50th and 75th percentiles of the rows' event times.
    n_bootstrap : int, default=200
        Bootstrap resamples of the rows; 0: point estimates only.
    confidence : float, default=0.95
    random_state : int or None, default=0
        Seed of the resamples.

    Returns
    -------
    dict
        ``task`` ("survival"), ``n``, ``events``, ``event``/``time`` (the outcome's names),
        ``baseline`` and ``scores``: the report of ``score_survival`` for "model" and
        "Kaplan-Meier" (scores, differences, calibration table, horizons, notes).

    Examples
    --------
    >>> from sksurv.datasets import load_veterans_lung_cancer
    >>> from nnfit import MLPSurvival, TabularSurvival
    >>> from nnfit.tabular.survival_scores import evaluate_survival
    >>> X, y = load_veterans_lung_cancer()
    >>> model = TabularSurvival(MLPSurvival((8,), epochs=20, random_state=0)).fit(X, y)
    >>> report = evaluate_survival(model, X, y, horizons=[30, 90], n_bootstrap=0)
    >>> report["scores"]["horizons"], sorted(report["scores"]["scores"])
    ([30.0, 90.0], ['Kaplan-Meier', 'model'])
    """
    event, time = labelled_outcome(y, X)
    y_rows = surv(event, time)
    horizons = None if horizons is None else checked_times(horizons)
    grid, n = np.unique(time), len(time)
    km = kaplan_meier(event, time, grid)
    scores = score_survival(
        y_rows, y_rows, {"model": model.predict(X), "Kaplan-Meier": np.zeros(n)},
        {"model": survival_on_grid(model, X, grid), "Kaplan-Meier": np.tile(km, (n, 1))},
        {"model": grid, "Kaplan-Meier": grid}, horizons=horizons, n_bootstrap=n_bootstrap,
        groups=min(n, calibration_groups(n)), confidence=confidence, random_state=random_state)
    names = np.asarray(y).dtype.names
    return {"task": "survival", "n": n, "events": int(event.sum()), "event": names[0],
            "time": names[1], "baseline": {"kind": "Kaplan-Meier", "source": "these rows"},
            "scores": scores}


def kaplan_meier(event, time, grid):
    """The Kaplan-Meier S(t) of the rows at the times ``grid`` (1 before the first time)."""
    from sksurv.nonparametric import kaplan_meier_estimator
    x, prob = kaplan_meier_estimator(event, time)[:2]
    index = np.searchsorted(x, grid, side="right") - 1
    return np.where(index >= 0, prob[np.maximum(index, 0)], 1.0)


def linear_cox(model):
    """The linear Cox model in ``model``'s preprocessing (module docstring), unfitted."""
    ties = model.estimator.get_params().get("ties", "efron") if model.estimator is not None \
        else "efron"
    network = MLPSurvival(hidden_layer_sizes=(), ridge=0.0, optimizer="lbfgs", dtype="float64",
                          early_stopping=False, validation_fraction=0.0, epochs=500, ties=ties,
                          random_state=0)
    return TabularSurvival(network, exclude=model.exclude, impute=model.impute)


def fit_linear_cox(reference, X, y):
    """(fitted reference, note or None): refit with ``FALLBACK_RIDGE`` if the fit fails."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)
            fitted = clone(reference).fit(X, y)
        if np.isfinite(fitted.predict(X)).all():
            return fitted, None
        why = "gave non-finite risk scores"
    except ConvergenceWarning:
        why = "did not converge (a monotone likelihood: a column may separate events)"
    except DivergenceError:
        why = "diverged"
    ridge = clone(reference).set_params(estimator__ridge=FALLBACK_RIDGE)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fitted = ridge.fit(X, y)
    return fitted, (f"the unpenalized linear Cox fit {why}; it was refitted with ridge "
                    f"{FALLBACK_RIDGE:g}")


def frame_rows(X, rows):
    """The rows of X at positions ``rows`` (a DataFrame keeps its index labels)."""
    return X.iloc[rows] if isinstance(X, pd.DataFrame) else X[rows]
