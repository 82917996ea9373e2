"""K-fold cross-validation of a ``TabularSurvival`` beside the linear Cox model on the same folds.

The rows are split into K folds stratified by event (``StratifiedKFold`` on the event
indicator, shuffled with ``random_state``: each fold keeps the share of events).  For each fold
a clone of the model is fitted on the other K - 1 folds (its own hold-out, early stopping and
refit included: the model ``nnfit fit`` fits) and predicts the held-out fold, and so does the
reference, by default the linear Cox model in the same preprocessing
(``survival_scores.linear_cox``: maximum partial likelihood, with a small ridge if that fails,
said in ``notes``).  Each fold's Harrell's C of each model's risk score is recorded
(``per_fold``), with their mean.

Every row thus gets one out-of-fold prediction of each model, scored together by
``nnfit.estimators.survival_metrics.score_survival`` (Harrell's and Uno's C, time-dependent AUC
and Brier score at the horizons, the integrated Brier score, calibration at the middle horizon;
bootstrap intervals resampling the pooled rows, the same resamples for both models, so that
their differences are paired; they leave out the variation from refitting).  A Cox model's
risk score eta(x) is defined only up to a constant that differs between folds, so the pooled
rows are ranked by a quantity on one scale in every fold, the predicted cumulative hazard at the
middle horizon tau, H(tau | x) = H_0(tau) exp(eta(x)), which ranks each fold's rows as eta does.
The censoring distribution that weights Uno's C, the AUC and the Brier scores is the
Kaplan-Meier estimate on all rows.
"""
import time as clock
import warnings

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import StratifiedKFold

from ..estimators.survival import concordance
from ..estimators.survival_metrics import score_survival
from .checks import check_frame
from .crossval import warn_by_fold
from .survival import TabularSurvival, checked_times, labelled_outcome
from .survival_scores import (DEFAULT_BOOTSTRAP, calibration_groups, fit_linear_cox, frame_rows,
                              kaplan_meier, linear_cox, surv, survival_on_grid)

REFERENCE = "linear Cox"


def cross_validate_survival(model, X, y, *, folds=5, reference=None, horizons=None,
                            n_bootstrap=DEFAULT_BOOTSTRAP, confidence=0.95, random_state=0,
                            on_fold=None, return_predictions=False):
    """Out-of-fold scores of a survival model and of the linear Cox model on the same folds.

    Parameters
    ----------
    model : TabularSurvival
        The model to cross-validate (not fitted; each fold fits a clone).
    X : pandas.DataFrame
        The predictors.
    y : structured array of (event, time)
        The outcomes (``sksurv.util.Surv.from_arrays``).
    folds : int, default=5
        The number K of folds, 2 <= K <= the number of events.
    reference : TabularSurvival or None, default=None
        Fitted on the same folds; None: the linear Cox model in the same preprocessing
        (module docstring).
    horizons : array-like of float or None, default=None
        Times of the AUC and Brier scores; None: the 25th, 50th and 75th percentiles of the
        event times of all rows.
    n_bootstrap : int, default=200
        Bootstrap resamples of the pooled out-of-fold rows; 0: point estimates only.
    confidence : float, default=0.95
    random_state : int or None, default=0
        Seed of the folds and of the resamples (the model's own seed is its own).
    on_fold : callable or None, default=None
        ``on_fold(record)`` after each fold (the entry of ``per_fold``).
    return_predictions : bool, default=False
        Also return the out-of-fold predictions (for ``nnfit.course.report_cv.cv_report``):
        ``risk`` and ``survival`` by model (H(tau | x) and S(t | x) on ``grid``), the
        Kaplan-Meier S(t) of each row's training folds (``baseline``), ``fold`` and ``models``.

    Returns
    -------
    dict
        ``task`` ("survival"), ``n``, ``events``, ``event``/``time``, ``folds``,
        ``random_state``, ``reference`` ("linear Cox"), ``per_fold`` (rows, events, seconds,
        best epoch, and ``harrell_c``: each model's C on the fold), ``mean_fold_harrell_c``,
        ``pooled_risk`` (what ranks the pooled rows), ``scores`` (``score_survival``'s report
        of "network" and "linear Cox") and ``notes``.

    Examples
    --------
    >>> from sksurv.datasets import load_veterans_lung_cancer
    >>> from nnfit import MLPSurvival, TabularSurvival
    >>> from nnfit.tabular.survival_cv import cross_validate_survival
    >>> X, y = load_veterans_lung_cancer()
    >>> model = TabularSurvival(MLPSurvival((8,), epochs=20, random_state=0))
    >>> report = cross_validate_survival(model, X, y, folds=3, n_bootstrap=0)
    >>> [fold["n_test"] for fold in report["per_fold"]]
    [46, 46, 45]
    >>> list(report["scores"]["scores"])
    ['network', 'linear Cox']
    """
    if not isinstance(model, TabularSurvival):
        raise TypeError(f"model must be a TabularSurvival, not {type(model).__name__}")
    X = check_frame(X)
    event, time = labelled_outcome(y, X)
    names = np.asarray(y).dtype.names
    y = surv(event, time)
    _check_folds(folds, event)
    horizons = _horizons(horizons, event, time)
    tau = float(horizons[len(horizons) // 2])
    grid = np.unique(time)
    grid = grid[grid <= horizons[-1]]
    default_reference = reference is None
    reference = linear_cox(model) if default_reference else reference
    splitter = StratifiedKFold(folds, shuffle=True, random_state=random_state)
    n = len(time)
    risk = {name: np.zeros(n) for name in ("network", REFERENCE)}
    survival = {name: np.zeros((n, grid.size)) for name in risk}
    per_fold, caught, notes, fitted_models = [], {}, [], []
    held_by, baseline = np.zeros(n, dtype=int), np.zeros((n, grid.size))
    for fold, (train, test) in enumerate(splitter.split(X, event), 1):
        started = clock.perf_counter()
        X_train, X_test = frame_rows(X, train), frame_rows(X, test)
        with warnings.catch_warnings(record=True) as raised:
            warnings.simplefilter("always")
            fitted = clone(model).fit(X_train, y[train])
            if getattr(fitted.estimator_, "interrupted_", False):
                raise KeyboardInterrupt  # the network stops at Ctrl-C; so does the whole run
            if default_reference:
                compared, note = fit_linear_cox(reference, X_train, y[train])
            else:
                compared, note = clone(reference).fit(X_train, y[train]), None
        for warning in raised:
            caught.setdefault((str(warning.message), warning.category), []).append(fold)
        if note:
            notes.append(f"fold {fold}: {note}")
        c = {}
        for name, fit in (("network", fitted), (REFERENCE, compared)):
            c[name] = concordance(event[test], time[test], fit.predict(X_test))
            survival[name][test] = survival_on_grid(fit, X_test, grid)
            risk[name][test] = _hazard_at(fit, X_test, tau)
        held_by[test] = fold
        if return_predictions:
            fitted_models.append(fitted)
            baseline[test] = kaplan_meier(event[train], time[train], grid)
        record = {"fold": fold, "folds": folds, "n_train": len(train), "n_test": len(test),
                  "events_test": int(event[test].sum()),
                  "seconds": round(clock.perf_counter() - started, 3),
                  "best_epoch": getattr(fitted.estimator_, "best_epoch_", None),
                  "harrell_c": c}
        per_fold.append(record)
        if on_fold is not None:
            on_fold(record)
    warn_by_fold(caught, folds)
    scores = score_survival(y, y, risk, survival, {name: grid for name in risk},
                            horizons=horizons, n_bootstrap=n_bootstrap, confidence=confidence,
                            groups=calibration_groups(n), random_state=random_state)
    report = {"task": "survival", "n": n, "events": int(event.sum()), "event": names[0],
            "time": names[1], "folds": folds, "random_state": random_state,
            "reference": REFERENCE, "per_fold": per_fold,
            "mean_fold_harrell_c": {name: float(np.mean([f["harrell_c"][name] for f in per_fold]))
                                    for name in risk},
            "pooled_risk": f"H({tau:g} | x), the predicted cumulative hazard at the middle horizon",
            "scores": scores, "notes": notes}
    if return_predictions:
        return report, {"risk": risk, "survival": survival, "grid": grid, "baseline": baseline,
                        "fold": held_by, "models": fitted_models, "horizons": horizons}
    return report


def _hazard_at(model, X, tau):
    """H(tau | x) of the rows of X: the step function of the model's distinct times."""
    times = np.asarray(model.unique_times_, dtype=np.float64)
    H = np.asarray(model.predict_cumulative_hazard_function(X, return_array=True), np.float64)
    k = np.searchsorted(times, tau, side="right") - 1
    return H[:, k] if k >= 0 else np.zeros(len(H))


def _check_folds(folds, event):
    if not isinstance(folds, (int, np.integer)) or isinstance(folds, bool) or folds < 2:
        raise ValueError(f"folds={folds!r} is invalid: give a whole number >= 2")
    events = int(event.sum())
    if events < 2:
        raise ValueError(f"cross-validation needs at least 2 rows with an event, one for each of "
                         f"at least 2 held-out folds to be scored; these rows have {events}: "
                         "give more rows, or score the model on a test table instead")
    if folds > events:
        raise ValueError(f"folds={folds} is more than the {events} rows with an event: each "
                         f"held-out fold needs events to be scored; give at most {events}")


def _horizons(horizons, event, time):
    if horizons is not None:  # checked as score_survival will, before any fold is fitted
        horizons = np.unique(checked_times(horizons))
        low, high = float(time.min()), float(time.max())
        outside = horizons[(horizons < low) | (horizons >= high)]
        if outside.size:
            raise ValueError(f"horizon {outside[0]:g} is outside the follow-up where the "
                             f"time-dependent scores are defined: give times t with {low:g} "
                             f"<= t < {high:g} (from the first to the last time followed)")
        return horizons
    return np.unique(np.percentile(time[event], [25, 50, 75], method="lower"))
