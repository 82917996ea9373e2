"""Scores of predictions against outcomes, with percentile-bootstrap intervals.

Classes (probabilities P, one column per class; the positive class of two is the second):
Brier score (two classes: mean (p - y)^2; more: mean sum_k (p_k - y_k)^2, scikit-learn's
``brier_score_loss``), log-loss (mean -log p of the true class, ``log_loss``), ROC AUC (two
classes: of p; more: the mean of each class's one-vs-rest AUC, ``roc_auc_score(multi_class=
"ovr")``), accuracy of the most probable class, and the calibration of logistic recalibration
(``calibration``): slope b of logit P(y = 1) = a + b logit(p), and intercept a of
logit P(y = 1) = a + logit(p) (slope fixed at 1, "calibration in the large"); with more than
two classes each class one-vs-rest.  Numbers: MAE, RMSE and R^2.

Probabilities are taken in float64 with each row divided by its sum (a float32 model's rows
sum to 1 within ~1e-7 only).  The point estimates are scikit-learn's functions; the B bootstrap
replicates resample the n rows with replacement (row i drawn c_i times) and recompute each
score with weights c_i by the same formulas, vectorized (tests/test_metrics.py checks them
against scikit-learn on resampled rows).  The interval is the (alpha/2, 1 - alpha/2)
percentiles of the replicates; a replicate in which a score is undefined (one class only) is
left out and counted in a note.  Scores of several predictions of the same rows use the same
resamples, so that their differences get paired intervals.
"""
import numpy as np
from scipy.special import logit
from sklearn.metrics import (brier_score_loss, log_loss, mean_absolute_error, r2_score,
                             roc_auc_score, root_mean_squared_error)

from .calibration import calibration_fit

CLIP = 1e-15  # probabilities enter logit(p) within [CLIP, 1 - CLIP]
CELLS = 250_000  # resamples are drawn in chunks of about this many row counts
CLASSIFICATION = ("brier", "log_loss", "roc_auc", "accuracy", "calibration_intercept",
                  "calibration_slope")
REGRESSION = ("mae", "rmse", "r2")


def score_predictions(y_true, predictions, classes=None, *, n_bootstrap=1000, confidence=0.95,
                      random_state=0):
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
    >>> from nnfit.estimators.metrics import score_predictions
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
        kind, target = _Numbers, y_true.astype(np.float64)
    else:
        kind, target = _Classes, _class_index(y_true, classes)
    scorers = {name: kind(target, np.asarray(p), classes) for name, p in predictions.items()}
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
    report["differences"] = {}
    for name in list(scorers)[1:]:
        difference = {key: _subtract(estimates[first][key], estimates[name][key])
                      for key in estimates[first]}
        paired = None if not replicates else {
            key: replicates[first][key] - replicates[name][key] for key in replicates[first]}
        report["differences"][f"{first} - {name}"] = _intervals(difference, paired, confidence)
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


def _nest_calibration(scores, classes):
    """Per-class keys ``calibration_intercept:j`` -> ``scores["calibration"]`` list."""
    rows = []
    for j, label in enumerate(np.asarray(classes).tolist()):
        rows.append({"class": label,
                     "intercept": scores.pop(f"calibration_intercept:{j}"),
                     "slope": scores.pop(f"calibration_slope:{j}")})
    scores["calibration"] = rows


class _Classes:
    """Class probabilities: per-row losses once, scores for any row weights W of shape (b, n)."""

    def __init__(self, y, P, classes):
        k = len(classes)
        if P.ndim != 2 or P.shape != (len(y), k):
            raise ValueError(f"class probabilities must have shape ({len(y)}, {k}), one column "
                             f"per class; got {P.shape}")
        P = P.astype(np.float64)
        if not np.isfinite(P).all() or (P < 0).any():
            raise ValueError("class probabilities must be finite numbers >= 0")
        self.y, self.P, self.k, self.classes = y, P / P.sum(axis=1, keepdims=True), k, classes
        Y = np.eye(k)[y]
        if k == 2:
            self.brier_rows = (self.P[:, 1] - Y[:, 1]) ** 2
        else:
            self.brier_rows = ((self.P - Y) ** 2).sum(axis=1)
        eps = np.finfo(np.float64).eps
        self.log_rows = -np.log(np.clip(self.P[np.arange(len(y)), y], eps, 1 - eps))
        self.hit_rows = (self.P.argmax(axis=1) == y).astype(np.float64)
        self.columns = [1] if k == 2 else list(range(k))
        self.x = {j: logit(np.clip(self.P[:, j], CLIP, 1 - CLIP)) for j in self.columns}
        self.point = {}

    def estimates(self):
        y_true, P, labels = np.asarray(self.classes)[self.y], self.P, list(self.classes)
        out = {"brier": self._brier(y_true), "log_loss": log_loss(y_true, P, labels=labels),
               "roc_auc": self._auc(y_true), "accuracy": float(self.hit_rows.mean())}
        for j in self.columns:
            ones = np.ones((1, len(self.y)))
            intercept, slope = calibration_fit(ones, (self.y == j).astype(np.float64), self.x[j])
            self.point[j] = (intercept[0], slope[0])
            suffix = "" if self.k == 2 else f":{j}"
            out[f"calibration_intercept{suffix}"] = intercept[0]
            out[f"calibration_slope{suffix}"] = slope[0]
        return {key: float(value) for key, value in out.items()}

    def _brier(self, y_true):
        if self.k == 2:
            return brier_score_loss(self.y == 1, self.P[:, 1])
        try:  # scikit-learn >= 1.7 scores more than two classes
            return brier_score_loss(y_true, self.P, labels=list(self.classes))
        except TypeError:
            return float(self.brier_rows.mean())

    def _auc(self, y_true):
        if len(np.unique(self.y)) < self.k:
            return np.nan  # a class absent from the rows: its one-vs-rest AUC is undefined
        if self.k == 2:
            return roc_auc_score(self.y == 1, self.P[:, 1])
        return roc_auc_score(y_true, self.P, multi_class="ovr", labels=list(self.classes))

    def why_undefined(self, key):
        """Why score ``key`` has no value on these rows (None: no note needed)."""
        j = int(key.split(":")[1]) if ":" in key else 1
        if key == "roc_auc":
            return ("needs both outcomes among the rows" if self.k == 2 else
                    "needs every class among the rows")
        if not key.startswith("calibration"):
            return None
        if not 0 < np.sum(self.y == j) < len(self.y):
            return ("needs both outcomes among the rows" if self.k == 2 else
                    f"class {self.classes[j]!r} needs rows in and out of it")
        if np.ptp(self.x[j]) == 0:
            return None  # constant predictions (a baseline) have no slope
        return ("the predicted probabilities separate the outcomes completely, so the "
                "recalibration has no finite maximum")

    def weighted(self, W):
        total = W.sum(axis=1)
        out = {"brier": W @ self.brier_rows / total, "log_loss": W @ self.log_rows / total,
               "accuracy": W @ self.hit_rows / total}
        auc = [weighted_auc(W, self.y == j, self.P[:, j]) for j in self.columns]
        out["roc_auc"] = np.mean(auc, axis=0)
        for j in self.columns:
            suffix = "" if self.k == 2 else f":{j}"
            intercept, slope = calibration_fit(W, (self.y == j).astype(np.float64), self.x[j],
                                               start=self.point.get(j))
            out[f"calibration_intercept{suffix}"], out[f"calibration_slope{suffix}"] = \
                intercept, slope
        return out


class _Numbers:
    """Predicted numbers: residuals once, MAE, RMSE and R^2 for any row weights W."""

    def __init__(self, y, predicted, classes=None):
        if predicted.shape != y.shape:
            raise ValueError(f"predictions must have shape {y.shape}, one per row; got "
                             f"{predicted.shape}")
        self.y, self.predicted = y, predicted.astype(np.float64)
        if not (np.isfinite(self.y).all() and np.isfinite(self.predicted).all()):
            raise ValueError("outcomes and predictions must be finite numbers")
        self.error = self.y - self.predicted

    def why_undefined(self, key):
        return "needs outcomes that vary" if key == "r2" else None

    def estimates(self):
        r2 = r2_score(self.y, self.predicted) if len(self.y) > 1 and np.ptp(self.y) > 0 else np.nan
        return {"mae": float(mean_absolute_error(self.y, self.predicted)),
                "rmse": float(root_mean_squared_error(self.y, self.predicted)), "r2": float(r2)}

    def weighted(self, W):
        total = W.sum(axis=1)
        squares = W @ self.error ** 2
        spread = W @ self.y ** 2 - (W @ self.y) ** 2 / total
        with np.errstate(divide="ignore", invalid="ignore"):
            r2 = np.where(spread > 1e-12 * (W @ self.y ** 2), 1 - squares / spread, np.nan)
        return {"mae": W @ np.abs(self.error) / total, "rmse": np.sqrt(squares / total),
                "r2": r2}


def weighted_auc(W, positive, score):
    """ROC AUC of ``score`` for each row of weights W (b, n): the weighted Mann-Whitney
    statistic, sum over positive-negative pairs of w_i w_j (1[s_i > s_j] + 1[s_i = s_j] / 2),
    over (sum of positive weights)(sum of negative weights); NaN where either sum is 0."""
    order = np.argsort(score, kind="mergesort")
    s, pos = score[order], positive[order].astype(np.float64)
    Ws = W[:, order]
    wp = Ws * pos
    wn = Ws - wp
    starts = np.flatnonzero(np.r_[True, s[1:] != s[:-1]])
    if len(starts) < len(s):  # tied scores: one group each
        wp, wn = np.add.reduceat(wp, starts, axis=1), np.add.reduceat(wn, starts, axis=1)
    below = np.cumsum(wn, axis=1) - wn
    numerator = (wp * (below + wn / 2)).sum(axis=1)
    denominator = wp.sum(axis=1) * wn.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator > 0, numerator / denominator, np.nan)

