"""Scores of predictions against outcomes, with percentile-bootstrap intervals.

Classes (probabilities P, one column per class; the positive class of two is the second):
Brier score (two classes: mean (p - y)^2; more: mean sum_k (p_k - y_k)^2, scikit-learn's
``brier_score_loss``), log-loss (mean -log p of the true class, ``log_loss``), ROC AUC (two
classes: of p; more: the mean of each class's one-vs-rest AUC, ``roc_auc_score(multi_class=
"ovr")``), accuracy of the most probable class, and the calibration of logistic recalibration
(``calibration``): slope b of logit P(y = 1) = a' + b logit(p), and intercept a of
logit P(y = 1) = a + logit(p) (slope fixed at 1, "calibration in the large"); with more than
two classes each class one-vs-rest.  Numbers: MAE, RMSE and R^2.

Probabilities are taken in float64 with each row divided by its sum (a float32 model's rows
sum to 1 within ~1e-7 only).  The point estimates are scikit-learn's functions; the B bootstrap
replicates resample the n rows with replacement (row i drawn c_i times) and recompute each
score with weights c_i by the same formulas, vectorized (``nnfit.estimators.scoring``;
tests/test_metrics.py checks them against scikit-learn on resampled rows).  The interval is
the (alpha/2, 1 - alpha/2) percentiles of the replicates; a replicate in which a score is undefined (one class only) is
left out and counted in a note.  Scores of several predictions of the same rows use the same
resamples, so that their differences get paired intervals.
"""
import numpy as np

from .scoring import ClassScores, NumberScores

CELLS = 250_000  # resamples are drawn in chunks of about this many row counts


def score_predictions(y_true, predictions, classes=None, *, n_bootstrap=1000, confidence=0.95,
                      random_state=0, calibrate=None):
    """Scores of one or more predictions of the same rows, with bootstrap intervals.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        The outcomes: class labels (with ``classes``) or numbers.
    predictions : dict of str to array-like
        Named predictions of the same rows: class probabilities of shape (n, k), columns in
        the order of ``classes``, or predicted numbers of shape (n,).  The first is the one
        compared with each other in ``differences``.
    classes : array-like of shape (k,) or None, default=None
        The class labels (a classification); None for numbers.
    n_bootstrap : int, default=1000
        Bootstrap resamples of the rows; 0 gives point estimates only.
    confidence : float, default=0.95
        Coverage of the percentile intervals.
    random_state : int or None, default=0
        Seed of the resamples: the same seed gives the same intervals.
    calibrate : collection of str or None, default=None
        The predictions whose calibration intercept and slope are fitted (None: all); the
        others' are None, e.g. a baseline's constant probabilities, which have no slope.

    Returns
    -------
    dict
        ``task``, ``n``, ``n_bootstrap``, ``confidence``, ``random_state``, ``positive_class``
        (two classes), ``scores`` (name -> score -> ``{"estimate", "low", "high"}``; with more
        than two classes ``calibration`` holds one such pair per class), ``differences``
        ("first - other" -> score -> the same) and ``notes`` (undefined scores).

    Examples
    --------
    >>> import numpy as np
    >>> from nnfit import score_predictions
    >>> y = np.array(["no", "no", "yes", "yes"])
    >>> P = np.array([[0.9, 0.1], [0.6, 0.4], [0.3, 0.7], [0.2, 0.8]])
    >>> report = score_predictions(y, {"model": P}, ["no", "yes"], n_bootstrap=0)
    >>> round(report["scores"]["model"]["brier"]["estimate"], 4)  # (.01 + .16 + .09 + .04) / 4
    0.075
    """
    y_true = np.asarray(y_true)
    n = len(y_true)
    if n == 0:
        raise ValueError("there are no rows to score")
    if not predictions:
        raise ValueError("give at least one prediction to score")
    if not (isinstance(n_bootstrap, (int, np.integer)) and n_bootstrap >= 0):
        raise ValueError(f"n_bootstrap={n_bootstrap!r} is invalid: give a whole number >= 0")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence={confidence!r} is invalid: give a number in (0, 1)")
    if classes is None:
        kind, target = NumberScores, y_true.astype(np.float64)
    else:
        kind, target = ClassScores, _class_index(y_true, classes)
    calibrate = set(predictions) if calibrate is None else set(calibrate)
    scorers = {name: kind(target, np.asarray(p), classes) for name, p in predictions.items()}
    for name, scorer in scorers.items():
        scorer.calibrate = name in calibrate
    estimates = {name: s.estimates() for name, s in scorers.items()}
    first = next(iter(scorers))
    report = {"task": "classification" if classes is not None else "regression", "n": n,
              "n_bootstrap": int(n_bootstrap), "confidence": confidence,
              "random_state": random_state, "notes": []}
    for name, scorer in scorers.items():
        for key, value in estimates[name].items():
            why = None if np.isfinite(value) else scorer.why_undefined(key)
            if why:
                report["notes"].append(f"{name}: {key.split(':')[0]} undefined: {why}")
    if classes is not None and len(classes) == 2:
        report["positive_class"] = np.asarray(classes).tolist()[1]
    replicates = _replicates(scorers, n, n_bootstrap, random_state)
    report["scores"] = {name: _intervals(estimates[name], replicates.get(name), confidence,
                                         report["notes"], name) for name in scorers}
    report["differences"] = {label: _intervals(difference, paired, confidence) for
                             label, difference, paired in paired_differences(estimates, replicates)}
    if classes is not None and len(classes) > 2:
        for name in scorers:
            _nest_calibration(report["scores"][name], classes)
        for name in report["differences"]:
            _nest_calibration(report["differences"][name], classes)
    return report


def _class_index(y_true, classes):
    classes = np.asarray(classes)
    lookup = {value: j for j, value in enumerate(classes.tolist())}
    try:
        return np.array([lookup[value] for value in y_true.tolist()], dtype=np.intp)
    except KeyError as error:
        raise ValueError(f"y_true holds the label {error.args[0]!r}, which is not one of the "
                         f"classes {classes.tolist()!r}") from None


def _replicates(scorers, n, n_bootstrap, random_state):
    """name -> score -> (B,) replicates, the same resamples for every prediction."""
    if n_bootstrap == 0:
        return {}
    rng = np.random.default_rng(random_state)
    chunk = max(1, min(n_bootstrap, CELLS // n))
    parts = {name: [] for name in scorers}
    for start in range(0, n_bootstrap, chunk):
        b = min(chunk, n_bootstrap - start)
        drawn = rng.integers(0, n, size=(b, n)) + n * np.arange(b)[:, None]
        W = np.bincount(drawn.ravel(), minlength=b * n).reshape(b, n).astype(np.float64)
        for name, scorer in scorers.items():
            parts[name].append(scorer.weighted(W))
    return {name: {key: np.concatenate([part[key] for part in chunks]) for key in chunks[0]}
            for name, chunks in parts.items()}


def _intervals(estimates, replicates, confidence, notes=None, name=None):
    alpha = (1 - confidence) / 2
    out = {}
    for key, estimate in estimates.items():
        low = high = None
        if replicates is not None:
            values = replicates[key]
            finite = values[np.isfinite(values)]
            if notes is not None and np.isfinite(estimate) and len(finite) < len(values):
                notes.append(f"{name}: {key} undefined in {len(values) - len(finite)} of "
                             f"{len(values)} resamples, which the interval leaves out")
            if len(finite):
                low, high = (float(q) for q in np.quantile(finite, [alpha, 1 - alpha]))
        out[key] = {"estimate": _number(estimate), "low": low, "high": high}
    return out


def _number(value):
    return float(value) if np.isfinite(value) else None


def _subtract(a, b):
    return a - b if np.isfinite(a) and np.isfinite(b) else np.nan



def paired_differences(estimates, replicates):
    """(label "first - other", estimate differences, replicate differences or None) for each
    model after the first, on the same bootstrap resamples (the paired comparison)."""
    names = list(estimates)
    first = names[0]
    for name in names[1:]:
        difference = {key: _subtract(estimates[first][key], estimates[name][key])
                      for key in estimates[first]}
        paired = None if not replicates else {
            key: replicates[first][key] - replicates[name][key] for key in replicates[first]}
        yield f"{first} - {name}", difference, paired

def _nest_calibration(scores, classes):
    """Per-class keys ``calibration_intercept:j`` -> ``scores["calibration"]`` list."""
    rows = []
    for j, label in enumerate(np.asarray(classes).tolist()):
        rows.append({"class": label,
                     "intercept": scores.pop(f"calibration_intercept:{j}"),
                     "slope": scores.pop(f"calibration_slope:{j}")})
    scores["calibration"] = rows
