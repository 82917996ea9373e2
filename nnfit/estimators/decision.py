"""Net benefit of a risk model: the numbers of a decision curve (Vickers & Elkin, 2006).

A threshold probability p_t in [0, 1) states how a decision maker weighs the harms: treating
one patient with the event is worth treating (1 - p_t) / p_t without it, so "treat if the risk
is at least p_t" is the rule of a model at p_t.  With rows i of outcome y_i in {0, 1}, risk
r_i and weight w_i (1 unless ``sample_weight`` is given; a weight of 2 counts a row twice),
n = sum_i w_i and T_i = 1[r_i >= p_t]:

    TP = sum_i w_i y_i T_i,   FP = sum_i w_i (1 - y_i) T_i
    net benefit      NB(p_t)     = TP / n - FP / n * p_t / (1 - p_t)
    treat all        NB_all(p_t) = pi - (1 - pi) * p_t / (1 - p_t),   pi = sum_i w_i y_i / n
    treat none       0
    net interventions avoided per patient  (NB - NB_all) / (p_t / (1 - p_t))   (none at p_t = 0)

The convention is the reference implementation's, ``dcurves.dca`` (the Python port of the
authors' R/Stata code, binary outcomes): treat if r_i >= p_t, except that a risk of exactly 0
is never treated (dcurves moves it to -eps), which matters only at p_t = 0.  The columns named
as dcurves names them hold its numbers (tests/test_net_benefit.py: equal to 1e-9):
``test_pos_rate`` = sum_i w_i T_i / n, ``tp_rate`` = TP / n (a share of all rows, not the
sensitivity), ``fp_rate`` = FP / n, ``net_benefit``, ``net_intervention_avoided``; dcurves's
"all" and "none" models are the columns ``treat_all`` and ``treat_none``.

Net benefits at different p_t cannot be compared (each weighs the harms its own way; for
calibrated risks NB nearly always falls as p_t rises), so no threshold is chosen by its own
NB.  ``best_threshold`` keeps p_t fixed and chooses the cutoff c of the rule "treat if
risk >= c": the grid point of [low, high] of largest TP(c) / n - FP(c) / n * p_t / (1 - p_t),
the nearest p_t among ties.  For calibrated risks that is p_t itself, give or take the rows'
spacing; for risks that are not calibrated (class weights) it is the cutoff that serves p_t.
"""
import numpy as np
import pandas as pd

DEFAULT_THRESHOLDS = np.arange(100) / 100  # 0, 0.01, ..., 0.99: dcurves's default grid


def net_benefit(y, risk, thresholds=None, sample_weight=None):
    """The decision curve's numbers: net benefit of "treat if risk >= threshold".

    Parameters
    ----------
    y : array-like of shape (n,)
        The outcomes: 0/1 or False/True (1 = the event the treatment is for).
    risk : array-like of shape (n,)
        Predicted probabilities of the event, in [0, 1] (``predict_proba(X)[:, 1]``).
    thresholds : array-like of float in [0, 1), default=None
        Threshold probabilities; None gives 0, 0.01, ..., 0.99 (dcurves's default).
    sample_weight : array-like of shape (n,), optional
        Weights >= 0 of the rows; a weight of 2 counts a row twice.

    Returns
    -------
    pandas.DataFrame
        One row per threshold, in the order given: ``threshold``, ``tp`` and ``fp`` (weighted
        counts of treated rows with and without the event), ``test_pos_rate``, ``tp_rate``,
        ``fp_rate`` (shares of all rows), ``net_benefit``, ``treat_all``, ``treat_none`` and
        ``net_intervention_avoided`` (per patient; NaN at threshold 0).  The module docstring
        states the formulas.

    Examples
    --------
    >>> import numpy as np
    >>> from nnfit import net_benefit
    >>> y = np.array([0, 0, 1, 1])
    >>> risk = np.array([0.1, 0.6, 0.3, 0.8])
    >>> table = net_benefit(y, risk, [0.2, 0.5])
    >>> table["net_benefit"].round(4).tolist()  # 2/4 - 1/4 * 0.25 ; 1/4 - 1/4 * 1
    [0.4375, 0.0]
    >>> table["treat_all"].round(4).tolist()    # 2/4 - 2/4 * 0.25 ; 2/4 - 2/4 * 1
    [0.375, 0.0]
    """
    y, risk, w = _checked_rows(y, risk, sample_weight)
    t = _checked_thresholds(DEFAULT_THRESHOLDS if thresholds is None else thresholds)
    order = np.argsort(risk, kind="stable")
    r, wy, wn = risk[order], (w * y)[order], (w * (1 - y))[order]
    # weighted counts of the rows from position k on (the rows with the k-th smallest risk and
    # above), summed from the top so that a short tail is not a difference of large sums
    tp_from = np.append(np.cumsum(wy[::-1])[::-1], 0.0)
    fp_from = np.append(np.cumsum(wn[::-1])[::-1], 0.0)
    first = np.where(t > 0, np.searchsorted(r, t, side="left"),  # first row with r >= p_t
                     np.searchsorted(r, 0.0, side="right"))      # p_t = 0: first row with r > 0
    n, events = w.sum(), wy.sum()
    tp, fp = tp_from[first], fp_from[first]
    odds = t / (1 - t)
    nb = tp / n - fp / n * odds
    prevalence = events / n
    treat_all = prevalence - (1 - prevalence) * odds
    with np.errstate(divide="ignore", invalid="ignore"):
        avoided = np.where(t > 0, (nb - treat_all) / np.where(t > 0, odds, 1.0), np.nan)
    return pd.DataFrame({"threshold": t, "tp": tp, "fp": fp, "test_pos_rate": (tp + fp) / n,
                         "tp_rate": tp / n, "fp_rate": fp / n, "net_benefit": nb,
                         "treat_all": treat_all, "treat_none": np.zeros_like(t),
                         "net_intervention_avoided": avoided})


def best_threshold(y, risk, threshold, *, low=0.0, high=0.99, step=0.01, sample_weight=None):
    """The cutoff on these risks that serves decision makers of threshold p_t best.

    Net benefits at different thresholds weigh the harms differently and cannot be compared
    (for calibrated risks the largest is nearly always at the lowest threshold), so p_t comes
    from the decision: treating one case is worth treating (1 - p_t) / p_t non-cases.  For
    risks that are calibrated the best rule is "treat if risk >= p_t"; for risks that are not
    (a model fitted with class weights, or one to be recalibrated) another cutoff c may do
    better.  This returns the c of the grid low, low + step, ..., high whose rule "treat if
    risk >= c" has the largest net benefit at p_t on these rows,
    NB_p_t(c) = TP(c) / n - FP(c) / n * p_t / (1 - p_t), the one nearest p_t among ties (so
    p_t itself when no cutoff beats it).  A cutoff chosen on the rows it is then judged on
    looks better there than on new rows.

    Parameters
    ----------
    y, risk, sample_weight
        As for ``net_benefit``.
    threshold : float in (0, 1)
        p_t, the threshold probability of the decision.
    low, high : float, default=0.0 and 0.99
        The cutoffs searched, 0 <= low <= high < 1; ``high`` and p_t (within the range) are
        always candidates.
    step : float, default=0.01
        The grid's spacing, > 0.

    Returns
    -------
    float
        The chosen cutoff.

    Examples
    --------
    >>> import numpy as np
    >>> from nnfit import best_threshold
    >>> y = np.array([0, 0, 1, 1, 1, 0])
    >>> risk = np.array([0.1, 0.2, 0.3, 0.35, 0.8, 0.6])  # the cases' risks are too low
    >>> best_threshold(y, risk, 0.5)  # at 0.5: TP 1, FP 1, NB 0; at 0.3: TP 3, FP 1, NB 1/3
    0.3
    """
    for name, value in (("threshold", threshold), ("low", low), ("high", high), ("step", step)):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)) \
                or not np.isfinite(value):
            raise ValueError(f"{name}={value!r} is invalid: give a number")
    if not 0 < threshold < 1:
        raise ValueError(f"threshold={threshold!r} is invalid: give the decision's threshold "
                         "probability p_t in (0, 1)")
    if not 0 <= low <= high < 1:
        raise ValueError(f"low={low!r}, high={high!r} are invalid: give 0 <= low <= high < 1")
    if not step > 0:
        raise ValueError(f"step={step!r} is invalid: give a number > 0, e.g. 0.01")
    count = int(np.floor((high - low) / step + 1e-9)) + 1
    grid = np.round(low + step * np.arange(count), 12)
    grid = np.unique(np.append(grid[grid <= high], [high] + [threshold] * (low <= threshold
                                                                       <= high)))
    benefit = benefit_at(y, risk, grid, threshold, sample_weight)
    best = np.flatnonzero(benefit >= benefit.max() - 1e-12 * max(1.0, abs(benefit.max())))
    return float(grid[best[np.argmin(np.abs(grid[best] - threshold))]])


def benefit_at(y, risk, cutoffs, threshold, sample_weight=None):
    """NB_p_t(c) of the rules "treat if risk >= c" for each c of ``cutoffs``, at the threshold
    p_t = ``threshold``: TP(c) / n - FP(c) / n * p_t / (1 - p_t) (``best_threshold``)."""
    n = _checked_rows(y, risk, sample_weight)[2].sum()
    table = net_benefit(y, risk, cutoffs, sample_weight)
    return (table["tp"] - table["fp"] * threshold / (1 - threshold)).to_numpy() / n


def _checked_rows(y, risk, sample_weight):
    y, risk = np.asarray(y), np.asarray(risk)
    if risk.ndim == 2 and risk.shape[1:] == (2,):
        raise ValueError("risk has two columns: give the probability of the event only, "
                         "e.g. predict_proba(X)[:, 1]")
    if y.ndim != 1 or risk.ndim != 1:
        raise ValueError(f"y and risk must be 1-D, one value per row; got shapes {y.shape} "
                         f"and {risk.shape}")
    if len(y) != len(risk):
        raise ValueError(f"y has {len(y)} rows but risk has {len(risk)}")
    if len(y) == 0:
        raise ValueError("there are no rows: give at least one outcome and its risk")
    if y.dtype == bool:
        y = y.astype(np.float64)
    elif y.dtype.kind in "iuf" and np.isin(y, (0, 1)).all():
        y = y.astype(np.float64)
    else:
        seen = pd.unique(y.ravel())[:5]
        raise ValueError(f"y must hold 0/1 or False/True, 1 for the event; got values such as "
                         f"{list(seen)}: recode it, e.g. y = (outcome == 'yes')")
    if risk.dtype.kind not in "iuf" or not np.isfinite(risk).all():
        raise ValueError("risk must hold finite numbers (probabilities in [0, 1])")
    risk = risk.astype(np.float64)
    outside = np.flatnonzero((risk < 0) | (risk > 1))
    if outside.size:
        raise ValueError(f"risk must be a probability in [0, 1]; row {outside[0]} has "
                         f"{float(risk[outside[0]])!r} ({outside.size} of {len(risk)} rows "
                         "outside): give predicted probabilities, not scores or log-odds")
    if sample_weight is None:
        return y, risk, np.ones(len(y))
    w = np.asarray(sample_weight)
    if w.shape != y.shape or w.dtype.kind not in "iuf" or not np.isfinite(w).all() \
            or (w < 0).any():
        raise ValueError(f"sample_weight must hold {len(y)} finite numbers >= 0, one per row")
    if not w.sum() > 0:
        raise ValueError("sample_weight sums to 0: at least one row must have a weight > 0")
    return y, risk, w.astype(np.float64)


def _checked_thresholds(thresholds):
    t = np.atleast_1d(np.asarray(thresholds))
    if t.ndim != 1 or t.size == 0 or t.dtype.kind not in "iuf" or not np.isfinite(t).all():
        raise ValueError("thresholds must be a non-empty list of numbers in [0, 1)")
    t = t.astype(np.float64)
    bad = t[(t < 0) | (t >= 1)]
    if bad.size:
        raise ValueError(f"thresholds must lie in [0, 1) (at 1 the harm of treating is "
                         f"infinite); got {float(bad[0])!r}")
    return t
