"""K-fold cross-validation of a table model beside a logistic / linear model on the same folds.

The rows are split into K folds (stratified by class for a classifier: each fold keeps the
class shares; shuffled with ``random_state``).  For each fold, a clone of the model is fitted on
the other K - 1 folds and predicts the held-out one, and so does the reference model: by
default scikit-learn's unpenalized ``LogisticRegression``, ``LinearRegression`` or
``PoissonRegressor`` in the same preprocessing (``TabularClassifier(LogisticRegression(C=inf))``:
numeric columns standardized, categories one-hot encoded, the same ``exclude`` and ``impute``;
the network's ``class_weight`` too), replaced in a fold where it has no maximum-likelihood fit
(separated classes: ``LogisticRegression(C=1)``; a Poisson fit that does not converge: a small
ridge) by the rule of ``nnfit.tabular.reference``, with a note naming those folds once.  The
no-information baseline predicts the training folds' class shares (or mean).  Every
row thus gets one out-of-fold prediction of each; they are scored together as in
``nnfit.tabular.evaluation``, with bootstrap intervals that resample the rows of these pooled
predictions (paired: the same resamples for every model), which do not include the variation
from refitting.
"""
import time
import warnings

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.model_selection import KFold, StratifiedKFold

from ..estimators.ensemble import MLPEnsemble
from .evaluation import (as_labels, classification_report, counts_report, is_poisson,
                         regression_report)
from .models import TabularClassifier, TabularRegressor, check_frame
from .prefit import plan
from .preprocess import column_kinds, names
from .reference import fit_reference, refit_note


def cross_validate_table(model, X, y, *, sample_weight=None, folds=5, reference=None,
                         n_bootstrap=1000, confidence=0.95, random_state=0, on_fold=None,
                         return_predictions=False):
    """Out-of-fold scores of a table model and of a logistic / linear reference model.

    Parameters
    ----------
    model : TabularClassifier, TabularRegressor or MLPEnsemble of one of them
        The model to cross-validate (not fitted; each fold fits a clone; an ensemble's
        reference is fitted in its members' preprocessing).
    X : pandas.DataFrame
        The predictors.
    y : array-like of shape (n,)
        The target: class labels for a ``TabularClassifier``, numbers for a regressor.
    sample_weight : array-like of shape (n,) or None, default=None
        Row weights for every fit and the scores: the exposures when y holds rates count /
        exposure for a Poisson network.
    folds : int, default=5
        The number K of folds, 2 <= K <= n.
    reference : estimator or None, default=None
        Fitted in the same preprocessing on the same folds; None:
        ``LogisticRegression(C=numpy.inf, max_iter=1000)`` (with the network's
        ``class_weight``), ``LinearRegression()``, or for a Poisson network
        ``PoissonRegressor(alpha=0, max_iter=1000)``, each replaced by a penalized fit in a fold
        where it has no maximum-likelihood fit (``nnfit.tabular.reference``; said in
        ``notes``).
    n_bootstrap : int, default=1000
        Bootstrap resamples of the pooled out-of-fold rows; 0: point estimates only.
    confidence : float, default=0.95
        Coverage of the intervals.
    random_state : int or None, default=0
        Seed of the folds and of the resamples (the model's own seed is its own).
    on_fold : callable or None, default=None
        ``on_fold(record)`` after each fold, with ``fold``, ``folds``, ``n_train``, ``n_test``,
        ``seconds`` and ``best_epoch`` (the network's, or None).
    return_predictions : bool, default=False
        Also return the out-of-fold predictions (for ``nnfit.course.report.cv_report``).

    Returns
    -------
    dict
        As ``nnfit.tabular.evaluation.evaluate_table``'s report of the pooled out-of-fold
        predictions (point metrics of the network; ``scores`` of "network", "logistic",
        "linear" or "Poisson", and "prevalence" or "mean"), with ``folds``, ``random_state``,
        ``per_fold`` (rows, seconds, best epoch) and ``notes``.  A warning raised in several
        folds is issued once, naming the folds.
    predictions : dict
        With ``return_predictions``: each row's out-of-fold prediction by name ("network",
        the reference's name, "baseline"; class probabilities or values), ``fold`` (the fold
        that held each row out, 1..K) and ``models`` (the K fitted networks).

    Raises
    ------
    KeyboardInterrupt
        After Ctrl-C, which the network's fit catches (keeping its weights so far).

    Examples
    --------
    >>> from nnfit import MLPClassifier, TabularClassifier
    >>> from nnfit.datasets import load_default
    >>> from nnfit import cross_validate_table
    >>> frame = load_default().frame.iloc[:1000]
    >>> model = TabularClassifier(MLPClassifier(hidden_layer_sizes=(8,), learning_rate=0.01,
    ...                                         random_state=0))
    >>> report = cross_validate_table(model, frame.drop(columns="default"), frame["default"],
    ...                               folds=3, n_bootstrap=100)
    >>> list(report["scores"]["scores"])
    ['network', 'logistic', 'prevalence']
    >>> [fold["n_test"] for fold in report["per_fold"]]
    [334, 333, 333]
    """
    template = model.estimator if isinstance(model, MLPEnsemble) else model  # the tabular one
    classify = _task(template)
    X = check_frame(X)
    y_name = y.name if isinstance(y, pd.Series) and isinstance(y.name, str) else None
    y = pd.Series(np.asarray(y), index=X.index)
    if y.isna().any():
        raise ValueError("the target has missing values; drop those rows first")
    _check_folds(folds, y, classify)
    template = _whole_table_plan(template, X)
    if isinstance(model, MLPEnsemble):
        model = clone(model).set_params(estimator=template)
    else:
        model = template
    poisson = not classify and is_poisson(template.estimator if template.estimator is not None
                                          else template._default_estimator())
    weight = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    if weight is not None and weight.shape != (len(y),):
        raise ValueError(f"sample_weight must hold one weight per row ({len(y)})")
    splitter = (StratifiedKFold if classify else KFold)(folds, shuffle=True,
                                                        random_state=random_state)
    task = "classification" if classify else "counts" if poisson else "regression"
    if reference is not None:
        reference = clone(template).set_params(estimator=reference)  # the model's preprocessing
    classes = np.unique(y.to_numpy()) if classify else None
    shape = (len(y), len(classes)) if classify else (len(y),)
    network, linear, base = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    per_fold, caught, refitted, fitted_models = [], {}, {}, []
    held_by = np.zeros(len(y), dtype=int)
    for fold, (train, test) in enumerate(splitter.split(X, y if classify else None), 1):
        started = time.perf_counter()
        with warnings.catch_warnings(record=True) as raised:
            warnings.simplefilter("always")
            weights = {} if weight is None else {"sample_weight": weight[train]}
            fitted = clone(model).fit(X.iloc[train], y.iloc[train], **weights)
            networks = [m.estimator_ for m in getattr(fitted, "estimators_", [fitted])]
            if any(getattr(network, "interrupted_", False) for network in networks):
                raise KeyboardInterrupt  # the network stops at Ctrl-C; so does the whole run
            if reference is None:
                compared, _, why = fit_reference(
                    lambda estimator: clone(template).set_params(estimator=estimator), task,
                    X.iloc[train], y.iloc[train], weights.get("sample_weight"),
                    class_weight=_class_weight(template))
                if why:
                    refitted[fold] = why
            else:
                compared = clone(reference).fit(X.iloc[train], y.iloc[train], **weights)
            network[test] = _predict(fitted, X.iloc[test], classes)
            linear[test] = _predict(compared, X.iloc[test], classes)
            held_by[test] = fold
            if return_predictions:
                fitted_models.append(fitted)
        for warning in raised:
            caught.setdefault((str(warning.message), warning.category), []).append(fold)
        if classify:
            base[test] = [np.mean(y.iloc[train].to_numpy() == c) for c in classes]
        else:
            base[test] = float(np.average(y.iloc[train].to_numpy(np.float64),
                                          weights=None if weight is None else weight[train]))
        record = {"fold": fold, "folds": folds, "n_train": len(train), "n_test": len(test),
                  "seconds": round(time.perf_counter() - started, 3),
                  "best_epoch": getattr(networks[0], "best_epoch_", None) if len(networks) == 1
                  else None}
        if len(networks) > 1:  # an ensemble's members, each its own kept epoch
            record["best_epochs"] = [getattr(n, "best_epoch_", None) for n in networks]
        per_fold.append(record)
        if on_fold is not None:
            on_fold(record)
    warn_by_fold(caught, folds)
    notes = [refit_note(task, refitted, folds)] if refitted else []
    options = dict(n_bootstrap=n_bootstrap, confidence=confidence, random_state=random_state)
    name = "logistic" if classify else "Poisson" if poisson else "linear"
    if poisson:
        report = counts_report(y.to_numpy(np.float64), {"network": network, name: linear},
                               weight, base, **options)
    elif classify:
        report = classification_report(as_labels(y.to_numpy(), classes),
                                       {"network": network, name: linear}, classes, base,
                                       **options)
    else:
        report = regression_report(y.to_numpy(np.float64), {"network": network, name: linear},
                                   base, **options)
    report.update(folds=folds, random_state=random_state, reference=name, per_fold=per_fold,
                  notes=notes)
    report = {"target": y_name, **report}
    if return_predictions:
        return report, {"network": network, name: linear, "baseline": base, "fold": held_by,
                        "models": fitted_models}
    return report


def _whole_table_plan(model, X):
    """The model with the identifier columns of the whole table excluded: decided per fold,
    a 1..n row number would fill only part of its range in a training fold and enter it."""
    exclude = list(model.exclude or ())
    used = [c for c in X.columns if c not in set(exclude)]
    left = plan(X, used, model.keep or (), column_kinds).left_out
    return clone(model).set_params(exclude=exclude + list(left)) if left else model


def _task(model):
    if isinstance(model, TabularClassifier):
        return True
    if isinstance(model, TabularRegressor):
        return False
    raise TypeError(f"model must be a TabularClassifier or TabularRegressor, not "
                    f"{type(model).__name__}")


def _check_folds(folds, y, classify):
    if not isinstance(folds, (int, np.integer)) or isinstance(folds, bool) or folds < 2:
        raise ValueError(f"folds={folds!r} is invalid: give a whole number >= 2")
    if folds > len(y):
        raise ValueError(f"folds={folds} is more than the {len(y)} rows: give at most {len(y)}")
    if not classify:
        return
    counts = y.value_counts()
    if len(counts) < 2:
        raise ValueError(f"the target has one class only ({names(counts.index)}); "
                         "cross-validating a classifier needs two or more")
    single = counts.index[counts < 2]
    if len(single):
        raise ValueError(f"class(es) {names(single)} have a single row, which cannot be both "
                         "in a training fold and a held-out one; drop or merge them")
    if counts.max() < folds:  # StratifiedKFold puts rows of the largest class in every fold
        raise ValueError(f"folds={folds} is more than the {counts.max()} rows of the largest "
                         f"class ({names(counts.index[:1])}), too few for {folds} folds "
                         f"stratified by class; give at most {counts.max()}")
    rare = counts.index[counts < folds]
    if len(rare):
        warnings.warn(f"class(es) {names(rare)} have fewer rows than the {folds} folds, so "
                      "some held-out folds have none of them; consider fewer folds",
                      UserWarning, stacklevel=3)


def _class_weight(model):
    """The network's class_weight, which the default logistic reference takes too."""
    if not isinstance(model, TabularClassifier) or model.estimator is None:
        return None
    return model.estimator.get_params().get("class_weight")


def _predict(fitted, X, classes):
    """Probabilities in the columns of ``classes`` (a class the fold never saw: 0), or numbers."""
    if classes is None:
        return np.asarray(fitted.predict(X), dtype=np.float64)
    P = np.asarray(fitted.predict_proba(X), dtype=np.float64)
    out = np.zeros((len(X), len(classes)))
    out[:, np.searchsorted(classes, fitted.classes_)] = P
    return out


def warn_by_fold(caught, folds):
    """Each warning the folds' fits gave, once, naming its folds (each fold once)."""
    for (message, category), where in caught.items():
        where = sorted(set(where))
        some = "every fold" if len(where) == folds else f"fold(s) {', '.join(map(str, where))}"
        warnings.warn(f"{message} (in {some} of {folds})", category, stacklevel=3)
