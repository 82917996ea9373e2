"""Scores of predicted counts or rates (``MLPRegressor(loss="poisson")``), with bootstrap
intervals, in the shape of ``metrics.score_predictions``.

For outcomes y_i >= 0, predicted means mu_i > 0 and row weights w_i (the exposure, when y is
a rate count / exposure, the convention of ``MLPRegressor``; else 1):

    mean Poisson deviance  D(y, mu) = sum_i w_i 2 (y_i log(y_i / mu_i) - y_i + mu_i) / sum_i w_i
                           (y log y = 0 at y = 0; ``mean_poisson_deviance``)
    D^2                    1 - D(y, mu) / D(y, ybar),  ybar = sum_i w_i y_i / sum_i w_i
                           (the share of the null deviance explained; ``d2_tweedie_score``,
                           power=1), undefined when the outcomes do not vary
    MAE                    sum_i w_i |y_i - mu_i| / sum_i w_i (``mean_absolute_error``)

With rates and exposures as weights, D is the Poisson deviance of the counts over the total
exposure.  The point estimates are scikit-learn's; the bootstrap is ``metrics``'s (the same
seeded resamples for every prediction, so that differences get paired intervals), each
resample's scores the same sums with weights W_bi w_i, where W_bi counts the draws of row i;
for D^2 the null term is 2 sum_i v_i (y_i log y_i - y_i log ybar_v) / sum_i v_i.
"""
import numpy as np
from sklearn.metrics import d2_tweedie_score, mean_absolute_error, mean_poisson_deviance

from .metrics import _intervals, _replicates, paired_differences


def score_counts(y_true, predictions, sample_weight=None, *, n_bootstrap=1000, confidence=0.95,
                 random_state=0):
    """Mean Poisson deviance, D^2 and MAE of predicted counts or rates, with bootstrap intervals.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        Counts, or rates count / exposure (>= 0).
    predictions : dict of str to array-like of shape (n,)
        Named predicted means of the same rows (> 0); the first is compared with each other
        in ``differences``.
    sample_weight : array-like of shape (n,), optional
        Row weights: the exposures when ``y_true`` holds rates.
    n_bootstrap, confidence, random_state
        As ``score_predictions``.

    Returns
    -------
    dict
        ``task`` ("counts"), ``n``, ``n_bootstrap``, ``confidence``, ``random_state``,
        ``scores`` (name -> ``poisson_deviance``, ``d2``, ``mae`` -> ``{"estimate", "low",
        "high"}``), ``differences`` ("first - other" -> the same) and ``notes``.

    Examples
    --------
    >>> import numpy as np
    >>> y, mu = np.array([0.0, 1, 2, 4]), np.array([0.5, 1, 2, 3])
    >>> report = score_counts(y, {"model": mu}, n_bootstrap=0)
    >>> report["scores"]["model"]["mae"]["estimate"]  # (0.5 + 0 + 0 + 1) / 4
    0.375
    """
    y = np.asarray(y_true, dtype=np.float64)
    n = len(y)
    if y.ndim != 1 or n == 0:
        raise ValueError(f"y_true must be one outcome per row; got shape {y.shape}")
    if not predictions:
        raise ValueError("give at least one prediction to score")
    if not (isinstance(n_bootstrap, (int, np.integer)) and n_bootstrap >= 0):
        raise ValueError(f"n_bootstrap={n_bootstrap!r} is invalid: give a whole number >= 0")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence={confidence!r} is invalid: give a number in (0, 1)")
    if not np.isfinite(y).all() or (y < 0).any():
        raise ValueError("y_true must hold finite counts or rates >= 0")
    w = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    if w.shape != (n,) or not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
        raise ValueError(f"sample_weight must be {n} finite weights >= 0 (exposures), not all 0")
    scorers = {name: CountScores(y, np.asarray(mu, dtype=np.float64), w, name)
               for name, mu in predictions.items()}
    estimates = {name: s.estimates() for name, s in scorers.items()}
    report = {"task": "counts", "n": n, "n_bootstrap": int(n_bootstrap),
              "confidence": confidence, "random_state": random_state, "notes": []}
    for name, scores in estimates.items():
        if not np.isfinite(scores["d2"]):
            report["notes"].append(f"{name}: d2 undefined: needs outcomes that vary")
    replicates = _replicates(scorers, n, n_bootstrap, random_state)
    report["scores"] = {name: _intervals(estimates[name], replicates.get(name), confidence,
                                         report["notes"], name) for name in scorers}
    report["differences"] = {label: _intervals(difference, paired, confidence) for
                             label, difference, paired in paired_differences(estimates, replicates)}
    return report


class CountScores:
    """Per-row deviances once; the scores for any row weights W of shape (b, n)."""

    def __init__(self, y, mu, w, name="model"):
        if mu.shape != y.shape:
            raise ValueError(f"predictions of {name!r} must have shape {y.shape}, one per row; "
                             f"got {mu.shape}")
        if not np.isfinite(mu).all() or (mu <= 0).any():
            raise ValueError(f"predictions of {name!r} must be finite means > 0 (a Poisson "
                             "model's exp(f(x)))")
        self.y, self.mu, self.w = y, mu, w
        with np.errstate(divide="ignore", invalid="ignore"):
            self.ylogy = np.where(y > 0, y * np.log(y), 0.0)
        self.deviance_rows = 2 * (self.ylogy - y * np.log(mu) - y + mu)

    def estimates(self):
        y, mu, w = self.y, self.mu, self.w
        varies = np.ptp(y[w > 0]) > 0
        return {"poisson_deviance": float(mean_poisson_deviance(y, mu, sample_weight=w)),
                "d2": float(d2_tweedie_score(y, mu, sample_weight=w, power=1)) if varies
                else np.nan,
                "mae": float(mean_absolute_error(y, mu, sample_weight=w))}

    def weighted(self, W):
        V = W * self.w
        total = V.sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):  # 0/0: no weight drawn, NaN
            deviance = V @ self.deviance_rows / total
            mean = V @ self.y / total
            null = 2 * (V @ self.ylogy - np.log(mean) * (V @ self.y)) / total
            d2 = np.where(null > 1e-12 * np.maximum(mean, 1), 1 - deviance / null, np.nan)
            return {"poisson_deviance": deviance, "d2": d2,
                    "mae": V @ np.abs(self.y - self.mu) / total}
