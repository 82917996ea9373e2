"""Survival outcomes as scikit-survival writes them, checked, and the Breslow baseline hazard.

y is a structured array of (event, time) pairs, as ``sksurv.util.Surv.from_arrays(event,
time)`` makes it: the first field says whether the event was seen (True) or the time is
censored (False), the second the time.  ``check_survival_y`` returns the two as plain arrays
or says, naming the rows, what is wrong.

Breslow's estimate of the baseline cumulative hazard, for risk scores eta_i fitted by the
partial likelihood and row weights w_i, at the distinct times s_1 < ... < s_m of the data:

    H_0(s) = sum_{s_k <= s} d_k / sum_{j: t_j >= s_k} w_j exp(eta_j),   d_k = sum_{i: t_i = s_k} w_i e_i,

so that a row with score eta has cumulative hazard H_0(s) exp(eta) and survival function
S(s | x) = exp(-H_0(s) exp(eta)), as scikit-survival's ``CoxPHSurvivalAnalysis`` gives them.
``weighted_rows`` leaves out the rows of weight 0 before a fit.
"""
import numpy as np
import scipy.sparse

from .weights import check_sample_weight


def _rows(mask, limit=5):
    rows = np.flatnonzero(mask)
    shown = ", ".join(str(r) for r in rows[:limit])
    return f"row{'s' if rows.size > 1 else ''} {shown}" + (
        f" and {rows.size - limit} more" if rows.size > limit else "")


def check_survival_y(y, n=None):
    """(event as bool, time as float64) of a structured survival array y, checked.

    Parameters
    ----------
    y : structured array of shape (n,) with two fields (event, time)
    n : int, optional
        The number of rows of X it goes with.
    """
    names = getattr(getattr(y, "dtype", None), "names", None)
    if names is None or len(names) != 2 or np.ndim(y) != 1:
        raise ValueError("y must be a structured array of (event, time) pairs, one per row, as "
                         "sksurv.util.Surv.from_arrays(event, time) makes it; got "
                         f"{type(y).__name__} of shape {np.shape(y)}")
    event_name, time_name = names
    event, time = y[event_name], y[time_name]
    if n is not None and len(y) != n:
        raise ValueError(f"y has {len(y)} rows but X has {n}")
    if event.dtype != bool:
        try:
            values = np.asarray(event, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"y's event field {event_name!r} must be boolean or 0/1; it holds "
                             f"{event.dtype} values") from None
        bad = ~np.isin(values, (0.0, 1.0))
        if bad.any():
            raise ValueError(f"y's event field {event_name!r} must be boolean or 0/1 (1 = the "
                             f"event was seen, 0 = censored); {_rows(bad)} hold(s) "
                             f"{values[bad][:5].tolist()}; recode the column")
        event = values == 1.0
    try:
        time = np.asarray(time, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"y's time field {time_name!r} must hold numbers; it holds {time.dtype}") from None
    if np.isnan(time).any():
        raise ValueError(f"y's time field {time_name!r} is missing in {_rows(np.isnan(time))}; "
                         "drop those rows or fill in their times")
    if not np.isfinite(time).all():
        raise ValueError(f"y's time field {time_name!r} is infinite in {_rows(~np.isfinite(time))};"
                         " give a finite follow-up time (censored at the last contact)")
    if (time < 0).any():
        raise ValueError(f"y's time field {time_name!r} is negative in {_rows(time < 0)} (e.g. "
                         f"{time[time < 0][0]:g}); times are durations from the start of "
                         "follow-up, >= 0: check how they were computed")
    return event, time


def breslow(eta, event, time, weights=None):
    """(distinct times s_k, H_0(s_k)) by Breslow's estimator (module docstring), float64."""
    eta = np.asarray(eta, dtype=np.float64)
    w = np.ones(eta.shape[0]) if weights is None else np.asarray(weights, dtype=np.float64)
    times, index = np.unique(time, return_inverse=True)
    c = eta.max()
    risk = np.bincount(index, weights=w * np.exp(eta - c), minlength=times.size)
    at_risk = np.cumsum(risk[::-1])[::-1]                 # sum over t_j >= s_k
    deaths = np.bincount(index, weights=w * event, minlength=times.size)
    with np.errstate(divide="ignore", invalid="ignore"):
        increments = np.where(deaths > 0, deaths / at_risk, 0.0)
    return times, np.cumsum(increments) * np.exp(-c)


def weighted_rows(X, y, sample_weight):
    """(X, y, w, positions kept or None) without the rows of weight 0, left out as the weights
    promise (a risk set of total weight 0 was NaN; Efron's count of tied events took them)."""
    if sample_weight is None:
        return X, y, None, None
    w = check_sample_weight(sample_weight, len(y))
    if (w > 0).all():
        return X, y, sample_weight, None
    kept = np.flatnonzero(w > 0)
    X = X.iloc[kept] if hasattr(X, "iloc") else X[kept] if scipy.sparse.issparse(X) \
        else np.asarray(X)[kept]
    return X, np.asarray(y)[kept], w[kept], kept
