"""Calibration of survival probabilities at a horizon h against Kaplan-Meier, by risk group.

The test rows are ranked by predicted risk 1 - S(h | x) and split into G groups of equal size
(group 1 the lowest risk; tied risks in row order).  For each group g:

    predicted_g = mean over its rows of S(h | x_i)
    observed_g  = KM S(h) of its rows = prod over event times s <= h of (1 - d_s / r_s)

(``sksurv.nonparametric.kaplan_meier_estimator``, with its log-log 95 % interval), undefined
when the group's follow-up ends before h with S > 0.  The summaries:

    calibration_error        = sum_g n_g |observed_g - predicted_g| / sum_g n_g
    calibration_in_the_large = KM S(h) of all rows - mean of S(h | x_i) over all rows

(positive: fewer events by h than predicted).  ``survival_at`` reads a matrix of S(t | x) at
increasing column times as right-continuous step functions: at t, the value of the last column
time <= t, and 1 before the first.
"""
import numpy as np


def _km():
    try:
        from sksurv.nonparametric import kaplan_meier_estimator
    except ImportError:
        raise ImportError("survival calibration needs scikit-survival: "
                          "pip install 'nnfit[survival]'") from None
    return kaplan_meier_estimator


def survival_at(survival, times, n, name="model"):
    """S(t | x) of the n rows as a function of an array of times t, from ``survival`` of shape
    (n, len(times)) at the increasing ``times``; checked."""
    S = np.asarray(survival, dtype=np.float64)
    times = np.asarray(times, dtype=np.float64)
    if times.ndim != 1 or times.size == 0 or not np.isfinite(times).all() \
            or (np.diff(times) <= 0).any():
        raise ValueError(f"times of {name!r} must be finite, increasing times, one per column "
                         "of survival")
    if S.shape != (n, times.size):
        raise ValueError(f"survival of {name!r} must have shape ({n}, {times.size}): one row per "
                         f"test row, one column per time; got {S.shape}")
    if not np.isfinite(S).all() or (S < 0).any() or (S > 1).any():
        raise ValueError(f"survival of {name!r} must hold probabilities in [0, 1]")
    padded = np.column_stack([np.ones(n), S])

    def at(t):
        return padded[:, np.searchsorted(times, np.asarray(t, dtype=np.float64), side="right")]
    return at


def km_at(event, time, horizon, conf_type=None):
    """Kaplan-Meier S(horizon) (and with ``conf_type="log-log"`` its 95 % interval); NaN
    where the rows' follow-up ends before the horizon with S > 0."""
    fitted = _km()(event, time, conf_type=conf_type)
    x, prob = fitted[0], fitted[1]
    k = np.searchsorted(x, horizon, side="right") - 1
    if horizon > x[-1] and prob[-1] > 0:
        value, interval = np.nan, (np.nan, np.nan)
    elif k < 0:
        value, interval = 1.0, (1.0, 1.0)
    else:
        value = prob[k]
        interval = (fitted[2][0, k], fitted[2][1, k]) if conf_type else (np.nan, np.nan)
    return (float(value), tuple(float(v) for v in interval)) if conf_type else float(value)


def risk_groups(survival_h, groups):
    """Group index 0..groups-1 of each row: equal groups by predicted risk 1 - S(h | x)."""
    n = len(survival_h)
    group = np.empty(n, dtype=np.intp)
    group[np.argsort(-survival_h, kind="stable")] = np.arange(n) * groups // n
    return group


def survival_calibration(event, time, survival_h, horizon, groups=10):
    """The calibration table at ``horizon``: one dict per risk group (module docstring) with
    ``group`` (1 = lowest risk), ``n``, ``events`` (by the horizon), ``predicted`` (mean
    S(h | x)), ``observed`` (KM S(h); None where undefined), ``observed_low``,
    ``observed_high`` (log-log 95 %)."""
    group, rows = risk_groups(survival_h, groups), []
    for g in range(groups):
        mine = group == g
        observed, (low, high) = km_at(event[mine], time[mine], horizon, conf_type="log-log")
        rows.append({"group": g + 1, "n": int(mine.sum()),
                     "events": int((event[mine] & (time[mine] <= horizon)).sum()),
                     "predicted": float(survival_h[mine].mean()),
                     "observed": _number(observed), "observed_low": _number(low),
                     "observed_high": _number(high)})
    return rows


def calibration_summary(event, time, survival_h, horizon, groups=10):
    """(calibration_error, calibration_in_the_large) of the rows (module docstring); NaN
    where a group's KM is undefined at the horizon."""
    group, error = risk_groups(survival_h, groups), 0.0
    for g in range(groups):
        mine = group == g
        error += mine.sum() * abs(km_at(event[mine], time[mine], horizon)
                                  - survival_h[mine].mean())
    return error / len(time), km_at(event, time, horizon) - survival_h.mean()


def weighted_km(W, event, time, at):
    """Kaplan-Meier S(t) at the times ``at`` for each row of counts W (b, n): the product over
    the distinct times s <= t of 1 - d_s / r_s, d_s and r_s the counted events at s and rows
    with time >= s; NaN where t is beyond the counted rows' last time and S > 0."""
    order = np.argsort(time, kind="stable")
    t, Ws = time[order], W[:, order]
    starts = np.flatnonzero(np.r_[True, t[1:] != t[:-1]])
    at_risk = np.cumsum(Ws[:, ::-1], axis=1)[:, ::-1][:, starts]
    deaths = np.add.reduceat(Ws * event[order], starts, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        S = np.cumprod(np.where(at_risk > 0, 1 - deaths / at_risk, 1.0), axis=1)
    k = np.searchsorted(t[starts], np.asarray(at, dtype=np.float64), side="right") - 1
    out = np.where(k >= 0, np.column_stack([np.ones(len(W)), S])[:, k + 1], 1.0)
    last = np.where(Ws > 0, t, -np.inf).max(axis=1)
    return np.where((np.asarray(at)[None, :] > last[:, None]) & (out > 0), np.nan, out)


def weighted_calibration(W, event, time, survival_h, horizon, groups=10):
    """``calibration_summary`` for each row of counts W (b, n) at once: row i's W_bi copies
    take the next W_bi places in the order of risk, and group g the places p with
    p * groups // n = g, as ``risk_groups`` splits the resampled rows."""
    n = W.shape[1]
    order = np.argsort(-survival_h, kind="stable")
    end = np.cumsum(W[:, order], axis=1)
    start, error = end - W[:, order], np.zeros(len(W))
    for g in range(groups):
        low, high = -(-g * n // groups), -(-(g + 1) * n // groups)
        Wg = np.empty_like(W)
        Wg[:, order] = np.clip(np.minimum(end, high) - np.maximum(start, low), 0, None)
        observed = weighted_km(Wg, event, time, [horizon])[:, 0]
        error += (high - low) * np.abs(observed - Wg @ survival_h / (high - low))
    large = weighted_km(W, event, time, [horizon])[:, 0] - W @ survival_h / W.sum(axis=1)
    return error / W.sum(axis=1), large


def _number(value):
    return float(value) if np.isfinite(value) else None
