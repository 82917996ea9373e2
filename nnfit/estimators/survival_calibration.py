"""Calibration of survival probabilities at a horizon h against Kaplan-Meier, by risk group.

The test rows are ranked by predicted risk 1 - S(h | x) and split into at most G groups of
about equal size, group 1 the lowest risk.  Rows with the same prediction always share a group,
so that no score depends on the order of the rows; predictions within ``TIED`` of the first of
their run in the ranking count as the same (a float32 network's S(h | x) of one row can differ
by about 1e-7 with the row's place in the batch; runs of small gaps are not chained).  The rows
of one predicted value occupy the places s..e-1 of the ranking, and all go to the group of the
middle place, floor((s + e - 1) G / 2n) (without ties: place p in group floor(p G / n)), the
groups left empty dropped and the others numbered 1, 2, ...  A constant prediction (Kaplan-
Meier's) is one group.  For each group g:

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

TIED = 1e-6  # predicted S(h | x) within this of the first of their run are tied


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
    """Group index 0..k-1 (k <= groups) of each row by predicted risk 1 - S(h | x), tied
    predictions in one group (module docstring); the same for any order of the rows."""
    survival_h = np.asarray(survival_h, dtype=np.float64)
    n = len(survival_h)
    order = np.argsort(-survival_h, kind="stable")
    value = np.empty(n, dtype=np.intp)
    ranked, run, start = -survival_h[order], 0, 0
    while start < n:  # a run: the values within TIED of its first (never a chain of small gaps)
        stop = int(np.searchsorted(ranked, ranked[start] + TIED, side="right"))
        value[order[start:stop]] = run
        run, start = run + 1, stop
    counts = np.bincount(value)
    end = np.cumsum(counts)
    middle = (2 * end - counts - 1) * groups // (2 * n)
    _, group = np.unique(middle, return_inverse=True)
    return group[value]


def survival_calibration(event, time, survival_h, horizon, groups=10):
    """The calibration table at ``horizon``: one dict per risk group (module docstring) with
    ``group`` (1 = lowest risk), ``n``, ``events`` (by the horizon), ``predicted`` (mean
    S(h | x)), ``observed`` (KM S(h); None where undefined), ``observed_low``,
    ``observed_high`` (log-log 95 %)."""
    group, rows = risk_groups(survival_h, groups), []
    for g in range(group.max() + 1):
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
    for g in range(group.max() + 1):
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


def _number(value):
    return float(value) if np.isfinite(value) else None
