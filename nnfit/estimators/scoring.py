"""Each score of ``nnfit.estimators.metrics`` for any row weights: per-row losses computed once,
then for a matrix W of shape (b, n) (bootstrap counts; ones for the plain score) the b
weighted scores by the same formulas, e.g. Brier = sum_i w_i l_i / sum_i w_i with
l_i = (p_i - y_i)^2.  The plain estimates are scikit-learn's functions."""
import numpy as np
from scipy.special import logit
from sklearn.metrics import (brier_score_loss, log_loss, mean_absolute_error, r2_score,
                             roc_auc_score, root_mean_squared_error)

from .calibration import calibration_fit

CLIP = 1e-15  # probabilities enter logit(p) within [CLIP, 1 - CLIP]


class ClassScores:
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
        self.point, self.calibrate = {}, True

    def estimates(self):
        y_true, P, labels = np.asarray(self.classes)[self.y], self.P, list(self.classes)
        out = {"brier": self._brier(y_true), "log_loss": log_loss(y_true, P, labels=labels),
               "roc_auc": self._auc(y_true), "accuracy": float(self.hit_rows.mean())}
        for j in self.columns:
            ones = np.ones((1, len(self.y)))
            intercept, slope = (calibration_fit(ones, (self.y == j).astype(np.float64), self.x[j])
                                if self.calibrate else ([np.nan], [np.nan]))
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
        if not key.startswith("calibration") or not self.calibrate:
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
            if not self.calibrate:
                out[f"calibration_intercept{suffix}"] = out[f"calibration_slope{suffix}"] = \
                    np.full(len(W), np.nan)
                continue
            intercept, slope = calibration_fit(W, (self.y == j).astype(np.float64), self.x[j],
                                               start=self.point.get(j))
            out[f"calibration_intercept{suffix}"], out[f"calibration_slope{suffix}"] = \
                intercept, slope
        return out


class NumberScores:
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

