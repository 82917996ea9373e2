"""``cv_report``: the page of ``nnfit report`` for the out-of-fold predictions of ``nnfit cv``
(``nnfit.tabular.crossval.cross_validate_table``, ``survival_cv.cross_validate_survival``):
internal validation when no test table is set aside.

Each row is predicted once, by the network fitted on the other K - 1 folds, and so by the
reference regression fitted on the same folds; the baseline predicts each row its training
folds' class shares or mean (for survival: the Kaplan-Meier curve of its training folds; the
pooled rows ranked by the predicted cumulative hazard at the middle horizon, as ``nnfit cv``
ranks them, since a Cox risk score has another origin in each fold).  These pooled
predictions get the scores, figures, tables and warnings of ``model_report``
(``report.score_parts``, ``report_survival.survival_scored``): the scores of the page are those
``nnfit cv`` prints, for the same seed.  The model section describes the last
fold's network (every fold has the same architecture and settings) and each fold's rows and
epochs; the data section's training statistics are that fold's.  The bootstrap intervals
resample the pooled rows, so they leave out the variation from refitting the K networks, and
the calibration of pooled predictions mixes K models: a fold whose network is miscalibrated in
its own way blurs the curve.
"""
from datetime import datetime, timezone

import numpy as np

from .._version import __version__
from .report import report_task, score_parts
from .report_checks import statistician_warnings
from .report_parts import describe_data, describe_model, single
from .report_survival import survival_scored


def cv_report(cv, predictions, X, y, *, sample_weight=None, n_bootstrap=1000, confidence=0.95,
              random_state=0, model_name=None, data_name=None, dropped=None, weights=None):
    """The report of ``cross_validate_table(..., return_predictions=True)``'s result.

    Parameters
    ----------
    cv, predictions : dict
        The two results of ``cross_validate_table`` (a binary classifier, a regression or
        counts) or ``cross_validate_survival`` with ``return_predictions=True``.
    X : pandas.DataFrame
        The rows cross-validated, in the same order.
    y : pandas.Series or structured array
        Their outcomes (class labels or numbers; a Poisson model of rates: the rates; for
        survival the (event, time) pairs).
    sample_weight : array-like or None, default=None
        The exposures of a Poisson model of rates, as given to ``cross_validate_table``.
    n_bootstrap, confidence, random_state
        As given to ``cross_validate_table`` (the same numbers for the same seed).
    model_name, data_name : str or None
        How the page names the network and the table.
    dropped : index or None, default=None
        The labels of the rows dropped for missing values before the cross-validation.
    weights : str or None, default=None
        What the fits' row weights were (e.g. "--weight visits"), said on the page; None: none
        or unnamed.

    Returns
    -------
    dict
        As ``model_report``'s, with ``cv`` (folds, each fold's rows, seconds and best epoch).

    Examples
    --------
    >>> from nnfit import MLPClassifier, TabularClassifier, cross_validate_table
    >>> from nnfit.course.report_cv import cv_report
    >>> from nnfit.datasets import load_default
    >>> frame = load_default().frame.iloc[:600]
    >>> X, y = frame.drop(columns="default"), frame["default"]
    >>> model = TabularClassifier(MLPClassifier((4,), epochs=20, random_state=0))
    >>> cv, predictions = cross_validate_table(model, X, y, folds=3, n_bootstrap=0,
    ...                                        return_predictions=True)
    >>> report = cv_report(cv, predictions, X, y, n_bootstrap=0)
    >>> report["evaluation"]["roc_auc"] == cv["roc_auc"], report["cv"]["folds"]
    (True, 3)
    """
    last = predictions["models"][-1]
    task = report_task(last)
    reference = cv["reference"]
    dropped = X.index[:0] if dropped is None else dropped
    class_weight = getattr(single(last).estimator_, "class_weight", None)
    how = "fitted on each fold's training rows in the model's preprocessing" + (
        f" with the network's class weights ({class_weight!r}), as nnfit cv compares them"
        if class_weight is not None else "") + ", predicting the fold it held out"
    report = {"task": task, "version": __version__,
              "options": dict(n_bootstrap=n_bootstrap, confidence=confidence,
                              random_state=random_state),
              "created": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
              "names": {"model": model_name, "data": data_name, "train": None},
              "data": describe_data(last, X, X.index[:0]), "model": describe_model(last),
              "ensemble": None,
              "cv": {"folds": cv["folds"], "per_fold": cv["per_fold"], "notes": cv["notes"],
                     "weights": weights},
              "reference": {"name": reference, "description": how, "notes": cv["notes"]}}
    report["data"].update(notes=[], rows_read=len(X) + len(dropped), rows_dropped=len(dropped),
                          dropped=list(dropped[:20]))
    if cv.get("target"):
        report["model"]["target"] = cv["target"]
    if task == "survival":
        _survival(report, predictions, y)
        report["title"] = (f"Cross-validation report: {model_name or 'the network'} on "
                           f"{data_name or 'the table'}, {cv['folds']} folds")
        report["warnings"] = statistician_warnings(report)
        return report
    scored = {"model": predictions["network"], reference: predictions[reference]}
    score_parts(report, y.set_axis(X.index), scored, sample_weight,
                getattr(last, "classes_", None), predictions["baseline"])
    report["title"] = (f"Cross-validation report: {model_name or 'the network'} on "
                       f"{data_name or 'the table'}, {cv['folds']} folds")
    report["warnings"] = statistician_warnings(report)
    return report


def _survival(report, predictions, y):
    """The survival scores and figures of the pooled rows: each ranked by its predicted
    cumulative hazard at the middle horizon (one scale in every fold), beside the linear Cox
    model and each row's Kaplan-Meier curve of its training folds."""
    risk, survival = dict(predictions["risk"]), dict(predictions["survival"])
    risk["model"], survival["model"] = risk.pop("network"), survival.pop("network")
    risk = {"model": risk.pop("model"), **risk, "Kaplan-Meier": np.zeros(len(y))}
    survival = {"model": survival.pop("model"), **survival,
                "Kaplan-Meier": predictions["baseline"]}
    survival_scored(report, y, risk, survival, predictions["grid"], report["options"],
                    horizons=predictions["horizons"], source="each row's training folds")
