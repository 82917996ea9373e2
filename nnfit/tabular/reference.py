"""The reference model set beside a network by ``nnfit cv`` (``crossval``, per fold) and
``nnfit report --train`` (``nnfit.course.report_parts``): the model every reader knows, fitted
by maximum likelihood in the network's preprocessing (numeric columns standardized with the
training rows' statistics, categories one-hot encoded, the same imputation and excluded
columns): scikit-learn's unpenalized ``LogisticRegression(C=inf)`` for classes,
``LinearRegression`` for numbers, ``PoissonRegressor(alpha=0)`` for counts.

The rule for a reference that has no maximum-likelihood fit:

- Logistic: when the classes of the training rows are separated, completely or
  quasi-completely, the likelihood keeps growing along some direction and the "fit" stops
  wherever the solver's tolerance says, with huge coefficients and probabilities of 0 and 1
  (in ``nnfit cv``: a calibration intercept of -7.8 [-30.6, 28.2]).  It is taken as separated
  when its fit does not converge, when it classifies every training row right, or when a
  coefficient exceeds ``SEPARATED`` = 10 on the standardized scale (an odds ratio beyond
  e^10 = 22,026 per standard deviation of a column or between two categories; the intercept is
  not counted).  It is then refitted with scikit-learn's default ridge penalty,
  ``LogisticRegression(C=1)``, and a note says so, naming the folds in cross-validation.
- Poisson: a fit that does not converge (a category or value range without any count) is
  refitted with a small ridge, ``PoissonRegressor(alpha=POISSON_ALPHA)``, and a note says so.
- Least squares always has a maximum (the minimum-norm one when columns are collinear).

A reference the caller gives (``cross_validate_table(reference=...)``) is fitted as given.
"""
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression, LogisticRegression, PoissonRegressor

SEPARATED = 10.0
POISSON_ALPHA = 1e-4
PENALIZED_C = 1.0


def fit_reference(wrap, task, X, y, sample_weight=None, *, class_weight=None):
    """The default reference, fitted by the rule of the module docstring.

    Parameters
    ----------
    wrap : callable
        ``wrap(estimator)``: the unfitted table model (``TabularClassifier`` or
        ``TabularRegressor``) with the network's preprocessing around ``estimator``.
    task : {"classification", "regression", "counts"}
    X, y, sample_weight
        The training rows (``sample_weight``: an array or None).
    class_weight : dict, "balanced" or None
        The logistic regression's (``nnfit cv`` passes the network's; the report None).

    Returns
    -------
    (fitted, description, why)
        The fitted tabular model; what it is, in words; why the unpenalized fit was replaced
        (a short phrase for ``refit_note``), or None when it was kept.
    """
    weights = {} if sample_weight is None else {"sample_weight": np.asarray(sample_weight)}

    def fit(estimator):
        return _fit(wrap(estimator), X, y, weights)

    if task == "classification":
        weighted = ("no class weights" if class_weight is None else
                    f"class_weight={class_weight!r}")
        fitted, converged = fit(LogisticRegression(C=np.inf, max_iter=1000,
                                                   class_weight=class_weight))
        largest = float(np.max(np.abs(fitted.estimator_.coef_)))
        accuracy = float(np.mean(fitted.predict(X) == np.asarray(y)))
        if converged and largest <= SEPARATED and accuracy < 1:
            return fitted, ("unpenalized logistic regression (scikit-learn LogisticRegression"
                            f"(C=inf), {weighted})"), None
        why = ("its fit did not converge" if not converged else
               "it classifies every training row right" if accuracy == 1 else
               f"its largest coefficient is {largest:.3g} on the standardized scale")
        fitted, _ = fit(LogisticRegression(C=PENALIZED_C, max_iter=1000,
                                           class_weight=class_weight))
        return fitted, (f"ridge-penalized logistic regression (LogisticRegression(C=1), "
                        f"{weighted}): the unpenalized fit separated the training rows"), why
    if task == "counts":
        fitted, converged = fit(PoissonRegressor(alpha=0.0, max_iter=1000))
        if converged:
            return fitted, "unpenalized Poisson regression (PoissonRegressor(alpha=0))", None
        fitted, _ = fit(PoissonRegressor(alpha=POISSON_ALPHA, max_iter=1000))
        return fitted, (f"Poisson regression with a small ridge (PoissonRegressor(alpha="
                        f"{POISSON_ALPHA:g})): the unpenalized fit did not converge"), \
            "its fit did not converge"
    fitted, _ = fit(LinearRegression())
    return fitted, "least squares (scikit-learn LinearRegression)", None


def refit_note(task, whys, folds=None):
    """The note saying that the reference was replaced: ``whys`` is the phrase of
    ``fit_reference``, or with ``folds`` (cross-validation) a dict {fold: phrase}, each fold
    named once."""
    if folds is None:
        where, why, there = "", whys, ""
    else:
        where = f" in fold(s) {', '.join(map(str, sorted(whys)))} of {folds}"
        phrases = set(whys.values())
        why = (phrases.pop() if len(phrases) == 1 else
               "; ".join(f"fold {fold}: {whys[fold]}" for fold in sorted(whys)))
        there = " there"
    if task == "classification":
        return (f"the unpenalized logistic regression separates the training rows{where} "
                f"({why}: no finite maximum-likelihood fit); the reference{there} is the "
                "ridge-penalized one instead (LogisticRegression(C=1))")
    return (f"the unpenalized Poisson regression did not converge{where} (a category or value "
            f"range without any count?); the reference{there} is PoissonRegressor(alpha="
            f"{POISSON_ALPHA:g}) instead, with a small ridge penalty")


def _fit(model, X, y, weights):
    """(the tabular reference fitted, whether it converged); its other warnings pass on."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        fitted = model.fit(X, y, **weights)
    converged = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
    for warning in caught:
        if not issubclass(warning.category, ConvergenceWarning):
            warnings.warn_explicit(warning.message, warning.category, warning.filename,
                                   warning.lineno)
    return fitted, converged
