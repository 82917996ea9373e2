"""``model_report``: the validation report of a fitted table model on a test table, as one
self-contained HTML page and its Markdown twin (what ``nnfit report`` writes).

The report holds the data (rows read, dropped for missing values and analysed; the outcome's
events and prevalence, or its distribution; each column the model uses with its training
statistics from the model file, its missing values here and how they were handled), the model
(kinds, layers and parameters, settings, how the fit ran), the scores of
``nnfit.tabular.evaluation`` (the functions ``evaluate_table`` calls, so the same numbers for
the same seed) with bootstrap intervals beside the no-information baseline and, given training
rows, beside a logistic / linear / Poisson reference (``report_parts.fit_reference``) with
paired differences; the figures and tables of ``report_outcomes`` (calibration groups, net
benefit at a few thresholds) or, for a survival model, ``report_survival`` (the scores of
``evaluate_survival`` beside Kaplan-Meier and the linear Cox model); and the warnings of
``report_checks``, which the page shows first.

``write_report`` writes ``FILE.html`` (figures embedded as base64 PNG, styles inline, a
Content-Security-Policy that forbids loading anything: it opens with no network) and
``FILE.md`` with the figures as PNG files beside it, ``FILE-<figure>.png`` (``report_paths``),
each file through a temporary file renamed into place.
"""
import warnings
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from .._files import atomic_write
from .._version import __version__
from ..tabular.evaluation import (as_labels, classification_report, counts_report, is_poisson,
                                  numeric_truth, regression_report)
from .report_checks import statistician_warnings
from .report_page import html_page, markdown_page
from .report_outcomes import classification_parts, regression_parts
from .report_parts import (describe_data, describe_ensemble, describe_model, fit_reference,
                           single)
from .report_survival import survival_parts

FIGURES = {"classification": ("calibration", "roc", "decision_curve", "risk_distribution"),
           "regression": ("observed", "residuals"), "counts": ("observed", "residuals"),
           "survival": ("calibration", "risk_groups")}


def report_task(model):
    """"classification", "regression", "counts" or "survival": what ``model_report`` reports
    on ``model``; a ValueError for what it cannot (more than two classes, an unfitted model)."""
    one = single(model)
    if not hasattr(getattr(one, "estimator_", None), "network_") \
            or not hasattr(one, "numeric_columns_"):
        raise ValueError("model_report needs a fitted TabularClassifier, TabularRegressor or "
                         "TabularSurvival around an nnfit network, or an MLPEnsemble of them "
                         "(a model file of 'nnfit fit')")
    if one is not model and (hasattr(one, "time_name_") or is_poisson(one)):
        raise ValueError("the report takes ensembles of classifiers and regressors; for an "
                         "ensemble of survival or count models report on one network")
    if hasattr(model, "classes_"):
        if len(model.classes_) != 2:
            raise ValueError(f"the report draws the figures of a binary classifier; this model "
                             f"has {len(model.classes_)} classes: use 'nnfit evaluate' for its "
                             "scores")
        return "classification"
    if hasattr(model, "time_name_"):
        return "survival"
    return "counts" if is_poisson(model) else "regression"


def report_paths(out, task):
    """The files ``write_report`` writes for ``out`` (``FILE.html``): the page, its Markdown
    twin ``FILE.md`` and that twin's figures ``FILE-<figure>.png``."""
    out = Path(out)
    return [out, out.with_suffix(".md")] + [out.with_name(f"{out.stem}-{name}.png")
                                           for name in FIGURES[task]]


def model_report(model, X, y, *, sample_weight=None, train=None, drop_missing=False,
                 n_bootstrap=1000, confidence=0.95, random_state=0, model_name=None,
                 data_name=None, train_name=None):
    """The validation report of a fitted table model on labelled test rows.

    Parameters
    ----------
    model : TabularClassifier (two classes), TabularRegressor or TabularSurvival
        The fitted model (``nnfit.load`` of a ``nnfit fit`` model file), or an ``MLPEnsemble``
        of classifiers or regressors (``nnfit fit --ensemble K``): the average is scored, and
        each member alone beside it (``report["ensemble"]``).
    X : pandas.DataFrame
        The test rows (other columns, the outcome's among them, are listed and ignored).
    y : array-like of shape (n,)
        Their outcomes: class labels or numbers (a Poisson model with an exposure: the rates),
        or for survival the structured array of (event, time) (``sksurv.util.Surv``).
    sample_weight : array-like of shape (n,) or None, default=None
        A Poisson model's exposures (as ``evaluate_table``).
    train : tuple (X_train, y_train) or (X_train, y_train, sample_weight) or None
        Training rows: a logistic / linear / Poisson / linear Cox reference is fitted on them in
        the model's preprocessing and scored beside the model.  None: no reference (the page
        says so).
    drop_missing : bool, default=False
        Drop the rows with a missing value in a column the model uses or in y, and count them;
        else such rows must be imputed by the model or are refused.
    n_bootstrap, confidence, random_state
        The bootstrap intervals' resamples (0: none), coverage and seed, as ``evaluate_table``.
    model_name, data_name, train_name : str or None
        How the page names the model file and the tables.

    Returns
    -------
    dict
        ``task``, ``title``, ``data``, ``model``, ``evaluation`` (the report of
        ``nnfit.tabular.evaluation``), ``reference``, ``calibration`` (risk groups),
        ``decision`` (net benefit at ``report_outcomes.TABLE_THRESHOLDS``), ``figures``
        (name, title, caption, PNG bytes), ``warnings`` (text) and ``options``.

    Examples
    --------
    >>> from nnfit import MLPClassifier, TabularClassifier
    >>> from nnfit.course.report import model_report
    >>> from nnfit.datasets import load_default
    >>> frame = load_default().frame
    >>> train, test = frame.iloc[:1000], frame.iloc[1000:1600]
    >>> model = TabularClassifier(MLPClassifier((4,), epochs=20, random_state=0))
    >>> model = model.fit(train.drop(columns="default"), train["default"])
    >>> report = model_report(model, test, test["default"], n_bootstrap=0)
    >>> [figure["name"] for figure in report["figures"]]
    ['calibration', 'roc', 'decision_curve', 'risk_distribution']
    >>> report["data"]["events"], report["data"]["n"]
    (22, 600)
    >>> any("at least 100" in text for text in report["warnings"])  # 22 events: too few
    True
    """
    task = report_task(model)
    X = X if isinstance(X, pd.DataFrame) else pd.DataFrame(X)
    if task != "survival":
        y = pd.Series(np.asarray(y), index=X.index, name=getattr(y, "name", None))
    weight = None if sample_weight is None else pd.Series(np.asarray(sample_weight), X.index)
    read = X
    X, y, weight, dropped = _complete(model, X, y, weight, drop_missing)
    options = dict(n_bootstrap=n_bootstrap, confidence=confidence, random_state=random_state)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        predicted = _predict(model, X, task)
    notes = [str(w.message) for w in caught]
    for warning in caught:
        warnings.warn_explicit(warning.message, warning.category, warning.filename,
                               warning.lineno)
    created = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    report = {"task": task, "options": options, "version": __version__, "created": created,
              "names": {"model": model_name, "data": data_name, "train": train_name},
              "data": describe_data(model, read, dropped),
              "model": describe_model(model), "reference": None}
    report["data"]["notes"] = notes
    report["ensemble"] = describe_ensemble(model, X, y, weight)
    predictions = {"model": predicted}
    if train is not None:
        train = _training_rows(model, train, drop_missing)
        if task != "survival":
            fitted, name, how, ref_notes = fit_reference(model, task, *train)
            predictions[name] = _predict(fitted, X, task)
            report["reference"] = {"name": name, "description": how, "notes": ref_notes}
    if task == "survival":
        survival_parts(report, model, X, y, train, options)
    else:
        score_parts(report, y, predictions, weight, getattr(model, "classes_", None))
    interval = getattr(model, "interval_", None)
    if interval is not None and task == "regression":  # how many rows the intervals cover
        truth, width = np.asarray(y, np.float64), interval["half_width"]
        inside = (predicted - width <= truth) & (truth <= predicted + width)  # as nnfit evaluate
        report["interval"] = {**interval, "n": len(inside), "covered": int(inside.sum()),
                              "coverage": float(inside.mean())}
    report["title"] = (f"Validation report: {model_name or 'the model'} on "
                       f"{data_name or 'the test rows'}")
    report["warnings"] = statistician_warnings(report)
    return report


def score_parts(report, y, predictions, weight=None, classes=None, baseline=None):
    """Score ``predictions`` (name -> class probabilities or values, "model" first) of the
    outcomes ``y`` (a Series) into ``report``: its ``evaluation`` beside the ``baseline``
    (None: of these rows), and the figures and tables of ``report_outcomes``."""
    task, options = report["task"], report["options"]
    name = y.name if isinstance(y.name, str) else None
    if task == "classification":
        truth = as_labels(y.to_numpy(), classes, y.index, name)
        report["evaluation"] = classification_report(truth, predictions, classes, baseline,
                                                     **options)
        classification_parts(report, truth == classes[1], predictions)
        return
    truth = numeric_truth(y, name)
    w = None if weight is None else np.asarray(weight, np.float64)
    report["evaluation"] = (counts_report(truth, predictions, w, baseline, **options)
                            if task == "counts" else
                            regression_report(truth, predictions, baseline, **options))
    regression_parts(report, truth, predictions)


def _training_rows(model, train, drop_missing):
    """(X, y, weight or None) of ``train``, complete rows only with ``drop_missing``."""
    X, y, weight = (tuple(train) + (None,))[:3]
    X = X if isinstance(X, pd.DataFrame) else pd.DataFrame(X)
    if not hasattr(model, "time_name_"):
        y = pd.Series(np.asarray(y), index=X.index)
    weight = None if weight is None else pd.Series(np.asarray(weight), X.index)
    return _complete(model, X, y, weight, drop_missing)[:3]


def _complete(model, X, y, weight, drop_missing):
    """(X, y, weight, labels of the rows dropped): with ``drop_missing`` the rows with a value
    missing in a column the model uses or in y (not a survival y, checked whole) are
    dropped."""
    if not drop_missing:
        return X, y, weight, X.index[:0]
    used = list(model.numeric_columns_) + list(model.categorical_columns_)
    gone = X[[c for c in used if c in X.columns]].isna().any(axis=1).to_numpy()
    if isinstance(y, pd.Series):
        gone |= y.isna().to_numpy()
    if gone.all():
        raise ValueError("every row has a missing value; nothing is left to report on")
    keep = ~gone
    return X[keep], y[keep], None if weight is None else weight[keep], X.index[gone]


def _predict(model, X, task):
    if task == "classification":
        return np.asarray(model.predict_proba(X), dtype=np.float64)
    return np.asarray(model.predict(X), dtype=np.float64)


def write_report(report, out):
    """Write the page ``out`` (``FILE.html``), ``FILE.md`` and its PNG figures, each atomically.

    Existing files are replaced (``nnfit report`` refuses them without ``--force``: check
    ``report_paths(out, report["task"])`` first).

    Parameters
    ----------
    report : dict
        The result of ``model_report``.
    out : str or pathlib.Path
        The HTML file to write; the Markdown twin and its figures go beside it.

    Returns
    -------
    list of pathlib.Path
        The files written: the figures, the Markdown file, the page.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from nnfit import MLPRegressor, TabularRegressor
    >>> from nnfit.course.report import model_report, write_report
    >>> from nnfit.datasets import load_hitters
    >>> frame = load_hitters().frame.dropna()
    >>> model = TabularRegressor(MLPRegressor((4,), epochs=20, random_state=0))
    >>> model = model.fit(frame.drop(columns="Salary"), frame["Salary"])
    >>> report = model_report(model, frame, frame["Salary"], n_bootstrap=0)
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> [path.name for path in write_report(report, folder / "hitters.html")]
    ['hitters-observed.png', 'hitters-residuals.png', 'hitters.md', 'hitters.html']
    """
    paths = report_paths(out, report["task"])
    page, twin, pictures = paths[0], paths[1], paths[2:]
    written = []
    for figure, path in zip(report["figures"], pictures):
        with atomic_write(path) as file:
            file.write(figure["png"])
        written.append(path)
    with atomic_write(twin, "w", encoding="utf-8") as file:
        file.write(markdown_page(report, [p.name for p in pictures]))
    written.append(twin)
    with atomic_write(page, "w", encoding="utf-8") as file:
        file.write(html_page(report))
    written.append(page)
    return written
