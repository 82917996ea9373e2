"""The report of a fitted table model on labelled rows: what ``nnfit evaluate`` prints.

Classes: accuracy, balanced accuracy (the mean of the per-class recalls, so that 4 of 16 cases
found among 400 rows shows as it is), per-class precision, recall, F1 and support, the
confusion matrix, ROC AUC (two classes); then the scores of the probabilities with bootstrap
intervals (``nnfit.estimators.metrics``: Brier score, log-loss, ROC AUC, accuracy, calibration
intercept and slope) beside the no-information baseline that predicts every row the class
shares ("prevalence").  Numbers: MAE, RMSE and R^2 with intervals, beside the baseline that
predicts the mean; for a Poisson model (``loss="poisson"``) of counts or rates, the mean
Poisson deviance, D^2 and MAE (``nnfit.estimators.count_metrics``; with ``sample_weight`` the
exposures of rates y = count / exposure) beside the mean rate.  ``evaluate_table`` takes the
baseline's shares or mean from the evaluated rows themselves unless given (a model file does
not record its training rows' prevalence); ``nnfit.tabular.crossval`` gives the training folds'
instead.
"""
import numpy as np
import pandas as pd
from sklearn.metrics import (balanced_accuracy_score, confusion_matrix, mean_absolute_error,
                             precision_recall_fscore_support, r2_score, roc_auc_score,
                             root_mean_squared_error)

from ..estimators.count_metrics import score_counts
from ..estimators.metrics import score_predictions
from .checks import rows
from .preprocess import names

BASELINE = {"classification": "prevalence", "regression": "mean"}


def evaluate_table(model, X, y, *, sample_weight=None, baseline=None, n_bootstrap=1000,
                   confidence=0.95, random_state=0):
    """Score a fitted ``TabularClassifier`` or ``TabularRegressor`` on labelled rows.

    Parameters
    ----------
    model : TabularClassifier or TabularRegressor
        A fitted model (or any fitted classifier with ``classes_`` and ``predict_proba``, or
        regressor with ``predict``).
    X : pandas.DataFrame
        The rows to score.
    y : array-like of shape (n,)
        Their true classes or numbers.
    sample_weight : array-like of shape (n,) or None, default=None
        A Poisson model's row weights: the exposures when y holds rates count / exposure
        (scikit-learn's convention); the scores are then weighted by them.
    baseline : array-like of shape (k,), float or None, default=None
        What the no-information baseline predicts for every row: the class shares (in the
        order of ``model.classes_``) or the number; None: the shares or the mean of ``y``.
    n_bootstrap : int, default=1000
        Bootstrap resamples of the rows for the intervals; 0: point estimates only.
    confidence : float, default=0.95
        Coverage of the intervals.
    random_state : int or None, default=0
        Seed of the resamples: the same seed gives the same intervals.

    Returns
    -------
    dict
        ``target`` (the name of a named Series y, else None), ``task``, ``n``; for classes ``accuracy``, ``balanced_accuracy``, ``classes``,
        ``per_class``, ``confusion_matrix``, ``roc_auc`` (two classes); for numbers ``mae``,
        ``rmse``, ``r2``; for a Poisson model ``poisson_deviance``, ``d2``, ``mae`` (task
        "counts"); then ``baseline`` (what it predicts) and ``scores``, the result of
        ``nnfit.estimators.metrics.score_predictions`` for the predictions "model" and
        "prevalence" (or "mean").

    Examples
    --------
    >>> from nnfit import MLPClassifier, TabularClassifier
    >>> from nnfit.datasets import load_default
    >>> from nnfit import evaluate_table
    >>> frame = load_default().frame.iloc[:2000]
    >>> X, y = frame.drop(columns="default"), frame["default"]
    >>> model = TabularClassifier(MLPClassifier(hidden_layer_sizes=(10,), random_state=0))
    >>> report = evaluate_table(model.fit(X, y), X, y, n_bootstrap=200)
    >>> report["baseline"]["shares"]
    {'No': 0.965, 'Yes': 0.035}
    >>> sorted(report["scores"]["scores"]["model"])  # each: estimate, low, high
    ['accuracy', 'brier', 'calibration_intercept', 'calibration_slope', 'log_loss', 'roc_auc']
    """
    options = dict(n_bootstrap=n_bootstrap, confidence=confidence, random_state=random_state)
    target = y.name if isinstance(y, pd.Series) and isinstance(y.name, str) else None
    check_truth(y, target)
    if hasattr(model, "classes_"):
        truth = as_labels(np.asarray(y), model.classes_, getattr(y, "index", None), target)
        report = classification_report(truth, {"model": np.asarray(model.predict_proba(X))},
                                       model.classes_, baseline, **options)
    else:
        truth = numeric_truth(y, target)
        predicted = np.asarray(model.predict(X), dtype=np.float64)
        if is_poisson(model):
            report = counts_report(truth, {"model": predicted}, sample_weight, baseline,
                                   **options)
        else:
            report = regression_report(truth, {"model": predicted}, baseline, **options)
    return {"target": target, **report}


def classification_report(truth, predictions, classes, baseline=None, **options):
    """The report of named class probabilities of the same rows (``predictions``: name ->
    (n, k) matrix; the point metrics are the first one's) and of the prevalence baseline
    (``baseline``: the shares, or an (n, k) matrix; None: the shares in ``truth``);
    ``options`` go to ``score_predictions``."""
    classes = np.asarray(classes)
    P = next(iter(predictions.values()))
    predicted = classes[P.argmax(axis=1)]
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, labels=classes, zero_division=0)
    report = {"task": "classification", "n": len(truth),
              "accuracy": float(np.mean(truth == predicted)),
              "balanced_accuracy": float(balanced_accuracy_score(truth, predicted)),
              "classes": [str(c) for c in classes],
              "per_class": [{"class": str(c), "precision": float(p), "recall": float(r),
                             "f1": float(f), "support": int(s)}
                            for c, p, r, f, s in zip(classes, precision, recall, f1, support)],
              "confusion_matrix": confusion_matrix(truth, predicted, labels=classes).tolist()}
    if len(classes) == 2 and len(set(truth.tolist())) == 2:
        report["roc_auc"] = float(roc_auc_score(truth == classes[1], P[:, 1]))
    if baseline is None:
        baseline = np.array([np.mean(truth == c) for c in classes])
    baseline = np.asarray(baseline, dtype=np.float64)
    if baseline.ndim == 1:
        report["baseline"] = {"kind": "prevalence", "source": "these rows", "shares": {
            str(c): float(s) for c, s in zip(classes, baseline)}}
        baseline = np.tile(baseline, (len(truth), 1))
    else:
        report["baseline"] = {"kind": "prevalence", "source": "the training folds"}
    report["scores"] = score_predictions(truth, {**predictions, "prevalence": baseline}, classes,
                                         calibrate=list(predictions), **options)
    if report["baseline"]["source"] == "the training folds":
        _no_auc(report["scores"])
    return report


def _no_auc(scored):
    """A baseline of each fold's shares is constant within a fold, so its AUC ranks the folds'
    shares, not the rows: None (n/a), as the model's gain over it."""
    for table in (scored["scores"], scored.get("differences", {})):
        for name, scores in table.items():
            if name.endswith("prevalence") and "roc_auc" in scores:
                scores["roc_auc"] = None


def regression_report(truth, predictions, baseline=None, **options):
    """As ``classification_report`` for numbers: MAE, RMSE, R^2 and the mean baseline
    (``baseline``: a number or one per row; None: the mean of ``truth``)."""
    predicted = next(iter(predictions.values()))
    report = {"task": "regression", "n": len(truth),
              "mae": float(mean_absolute_error(truth, predicted)),
              "rmse": float(root_mean_squared_error(truth, predicted)),
              "r2": float(r2_score(truth, predicted)) if len(truth) > 1 else float("nan")}
    if baseline is None:
        baseline = float(np.mean(truth))
    if np.ndim(baseline) == 0:
        report["baseline"] = {"kind": "mean", "source": "these rows", "mean": float(baseline)}
        baseline = np.full(len(truth), float(baseline))
    else:
        report["baseline"] = {"kind": "mean", "source": "the training folds"}
    predictions = {**predictions, "mean": np.asarray(baseline, dtype=np.float64)}
    report["scores"] = score_predictions(truth, predictions, **options)
    return report


def is_poisson(model):
    """Whether ``model`` (a tabular model or an estimator) predicts Poisson means."""
    estimator = getattr(model, "estimator_", model)
    return getattr(estimator, "loss", None) == "poisson" or \
        type(estimator).__name__ == "PoissonRegressor"


def counts_report(truth, predictions, sample_weight=None, baseline=None, **options):
    """As ``regression_report`` for Poisson means: mean Poisson deviance, D^2 and MAE (weighted
    by ``sample_weight``, the exposures of rates) beside the mean (rate) baseline
    (``baseline``: a number or one per row; None: the weighted mean of ``truth``)."""
    first = next(iter(score_counts(truth, predictions, sample_weight,
                                   n_bootstrap=0)["scores"].values()))
    report = {"task": "counts", "n": len(truth), "exposure": sample_weight is not None,
              **{key: first[key]["estimate"] for key in ("poisson_deviance", "d2", "mae")}}
    if baseline is None:
        baseline = float(np.average(truth, weights=sample_weight))
    if np.ndim(baseline) == 0:
        report["baseline"] = {"kind": "mean", "source": "these rows", "mean": float(baseline)}
        baseline = np.full(len(truth), float(baseline))
    else:
        report["baseline"] = {"kind": "mean", "source": "the training folds"}
    predictions = {**predictions, "mean": np.asarray(baseline, dtype=np.float64)}
    report["scores"] = score_counts(truth, predictions, sample_weight, **options)
    return report


def check_truth(y, target=None):
    """Refuses rows whose true value is missing, naming the column and the rows: a row
    without its outcome cannot be scored (and is no unseen class)."""
    series = y if isinstance(y, pd.Series) else pd.Series(np.asarray(y, dtype=object))
    missing = series.isna().to_numpy()
    if missing.any():
        raise ValueError(f"{_column(target)} has missing values in {rows(series.index[missing])}"
                         ": a row without its true value cannot be scored; drop those rows "
                         "(--drop-missing on the command line) or fill in their values")


def numeric_truth(y, target=None):
    """The true values of a regression as float64, refusing a missing (``check_truth``),
    non-numeric or infinite one by its column and rows."""
    check_truth(y, target)
    truth = pd.to_numeric(pd.Series(np.asarray(y)), errors="coerce").to_numpy(np.float64)
    bad = ~np.isfinite(truth)
    if bad.any():
        index = y.index if isinstance(y, pd.Series) else pd.RangeIndex(len(truth))
        raise ValueError(f"{_column(target)}, {rows(index[bad])}: {np.asarray(y)[bad][0]!r} "
                         "is not a finite number, which a regression model's scores need; "
                         "correct or drop those rows")
    return truth


def _column(target):
    return "the target" if target is None else f"the target column {target!r}"


def as_labels(truth, classes, index=None, target=None):
    """True labels with the classes' type (a CSV may read 1/0 labels where bools were trained).

    Raises ValueError naming the labels the model never saw, the column ``target`` and their
    rows (the labels of ``index``, the positions from 0 without it)."""
    if classes.dtype == object:
        truth = truth.astype(str).astype(object)
    elif classes.dtype == bool and truth.dtype != bool:
        mapping = {"true": True, "false": False, "1": True, "0": False, "1.0": True, "0.0": False}
        truth = np.array([mapping.get(str(t).lower(), t) for t in truth], dtype=object)
    unseen = sorted({str(t) for t in truth} - {str(c) for c in classes})
    if unseen:
        where = np.isin(np.array([str(t) for t in truth], dtype=object), unseen)
        index = pd.RangeIndex(len(truth)) if index is None else index
        raise ValueError(f"{_column(target)} has label(s) the model never saw: {names(unseen)} "
                         f"in {rows(index[where])} (known: {names(classes)}); correct those "
                         "rows (a typo?) or drop them")
    return truth.astype(classes.dtype) if classes.dtype != object else truth
