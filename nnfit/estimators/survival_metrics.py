"""Scores of survival predictions on test rows, with percentile-bootstrap intervals.

Test rows i have times t_i, events d_i, risk scores eta_i (higher = earlier event) and survival
probabilities S(t | x_i); G is the Kaplan-Meier estimate of the *censoring* distribution on the
training rows (which is why ``y_train`` is given).  The point estimates are scikit-survival's:

- Harrell's C (``concordance_index_censored``): over the comparable pairs, t_i < t_j with d_i
  (or t_i = t_j with j censored), C = sum (1[eta_i > eta_j] + 1[eta_i = eta_j] / 2) / (number
  of comparable pairs).
- Uno's C (``concordance_index_ipcw``, tau = the last horizon): the same sums with each pair
  weighted by G(t_i)^-2 and only t_i < tau, which removes the test censoring's dependence.
- Time-dependent AUC at horizon h (``cumulative_dynamic_auc``, cumulative cases t_i <= h with
  d_i, dynamic controls t_j > h): sum_ij 1[eta_i > eta_j] w_i / (sum_i w_i)(# controls) with
  w_i = d_i 1[t_i <= h] / G(t_i); ``mean_auc`` is its mean weighted by the test rows' KM.
- Brier score at h (``brier_score``, Graf et al. 1999): BS(h) = (1/n) sum_i [S(h|x_i)^2
  1[t_i <= h, d_i] / G(t_i) + (1 - S(h|x_i))^2 1[t_i > h] / G(h)].
- Integrated Brier score (``integrated_brier_score``): IBS = integral of BS(t) dt over the
  grid t_1 < ... < t_K (trapezoids), divided by t_K - t_1.
- Calibration at a horizon h (``survival_calibration``): rows in about equal groups by
  predicted risk 1 - S(h | x), rows with the same prediction in the same group (so that no
  score depends on the order of the rows); per group the mean predicted S(h | x) against the
  Kaplan-Meier S(h) of its rows (prod over event times s <= h of 1 - d_s / r_s, log-log
  interval); ``calibration_error`` is
  the row-weighted mean |observed - predicted| over groups, ``calibration_in_the_large`` the
  KM S(h) of all test rows minus the mean predicted S(h).

S(t | x) is given at the times of its columns and read as a step function (the value at the
last column time <= t; 1 before the first).  The time-dependent scores need G at the test rows'
event times up to the horizons, so every horizon h must lie in [first test time, last time
followed in both the training and the test rows) (when ``y_train`` is the test rows, as for
``nnfit evaluate``, from their first to their last time).  Test rows followed beyond the last
horizon enter these scores only as "still at risk at h", so they are cut there (censored, at
min(t_i, last training time)), which changes no score and spares scikit-survival from needing G
beyond the training follow-up; Harrell's C sees the rows as given.  Every score is the same for
any order of the test rows.

The bootstrap is ``metrics``'s: the same seeded resamples of the test rows for every model,
so that differences (first model - each other) get paired intervals; each resample's scores
are the same sums with the drawn rows' counts as weights (``survival_scoring``).  A replicate
in which a score is undefined (no events or no comparable pair among the drawn rows, a horizon
beyond their follow-up) is left out of the interval and counted in the score's ``skipped``.

The calibration error gets no interval, nor does its paired difference (``NO_INTERVAL``,
``WHY_NO_INTERVAL``): a mean of |observed - predicted| over small groups is biased upwards, and
more so in a resample, whose duplicated rows add noise to each group's Kaplan-Meier S(h) that
the absolute value turns into error; its percentile interval can then lie wholly above the
estimate (e.g. 0.0536 [0.0617, 0.1873]).  Bias corrections do not rescue it (the basic and BC
intervals also exclude the estimate when every replicate exceeds it), so the report gives the
estimate alone with a note; its uncertainty is shown by each group's log-log interval in the
calibration table, and calibration in the large, a signed mean, keeps its interval.
"""
import numpy as np

from .metrics import _intervals, _replicates, paired_differences
from .survival_calibration import survival_at
from .survival_data import check_survival_y
from .survival_scoring import SurvivalScores, sksurv_modules

NO_INTERVAL = ("calibration_error",)
WHY_NO_INTERVAL = (
    "calibration_error has no bootstrap interval, nor its difference: a mean of |observed - "
    "predicted| over small risk groups is biased upwards in resamples (their duplicated rows "
    "add noise that the absolute value counts as error), so its interval could lie wholly above "
    "the estimate; the calibration table's 95% intervals of each group show its uncertainty, "
    "and calibration in the large has an interval")


def score_survival(y_train, y_test, risk, survival=None, times=None, *, horizons=None,
                   calibration_horizon=None, groups=10, ibs_times=None, n_bootstrap=1000,
                   confidence=0.95, random_state=0):
    """Scores of one or more survival models' predictions of the same test rows.

    Parameters
    ----------
    y_train, y_test : structured arrays of (event, time), as ``sksurv.util.Surv`` makes them
        The training rows (only their censoring distribution is used) and the test rows.
    risk : array-like of shape (n_test,), or dict of str to such arrays
        Risk scores, higher = earlier event (``MLPSurvival.predict``).  A dict names several
        models of the same rows; the first is compared with each other in ``differences``.
    survival : array-like of shape (n_test, n_times), or dict with the names of ``risk``
        S(t | x) at ``times`` (``predict_survival_function(X, return_array=True)``); None
        leaves out the Brier scores and calibration.
    times : array-like of shape (n_times,), or dict with the names of ``risk``
        The increasing times of the columns of ``survival`` (``unique_times_``): one array
        for every model, or one per model.
    horizons : array-like of float, optional
        Times of the AUC and Brier scores; default: the 25th, 50th and 75th percentiles of
        the test rows' event times (those inside the allowed follow-up).
    calibration_horizon : float, optional
        The horizon of the calibration table; default: the middle horizon.
    groups : int, default=10
        Risk groups of the calibration table.
    ibs_times : array-like of float, optional
        The grid of the integrated Brier score; default: 100 equal steps from the 10th
        percentile of the test event times (or the first horizon if earlier) to the last horizon.
    n_bootstrap, confidence, random_state
        As ``score_predictions``: resamples of the test rows (0: none), interval coverage, seed.

    Returns
    -------
    dict
        ``task`` ("survival"), ``n``, ``events``, ``n_bootstrap``, ``confidence``,
        ``random_state``, ``horizons``, ``calibration_horizon``, ``ibs_range``,
        ``allowed_range`` ([low, high) for horizons), ``scores`` (name -> score -> ``{"estimate",
        "low", "high", "skipped"}``, ``low`` and ``high`` None without an interval, always
        for ``calibration_error``; scores ``harrell_c``, ``uno_c``, ``auc@h``, ``mean_auc``, and
        with ``survival`` ``brier@h``, ``ibs``, ``calibration_error``,
        ``calibration_in_the_large``), ``differences`` ("first - other" -> score -> the same),
        ``calibration`` (name -> list of group rows, see ``survival_calibration``), ``notes``.

    Examples
    --------
    >>> import numpy as np
    >>> from sksurv.util import Surv
    >>> rng = np.random.default_rng(0)
    >>> risk = rng.normal(size=200)
    >>> y = Surv.from_arrays(rng.random(200) < 0.7, rng.exponential(np.exp(-risk)))
    >>> report = score_survival(y, y, risk, n_bootstrap=100)
    >>> report["scores"]["model"]["harrell_c"]["estimate"] > 0.6
    True
    """
    sksurv = sksurv_modules()
    event_train, time_train = check_survival_y(y_train)
    event, time = check_survival_y(y_test)
    n = len(time)
    if not (isinstance(n_bootstrap, (int, np.integer)) and n_bootstrap >= 0):
        raise ValueError(f"n_bootstrap={n_bootstrap!r} is invalid: give a whole number >= 0")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence={confidence!r} is invalid: give a number in (0, 1)")
    if not (isinstance(groups, (int, np.integer)) and 1 <= groups <= n):
        raise ValueError(f"groups={groups!r} is invalid: give a whole number from 1 to the "
                         f"{n} test rows")
    risk = _named(risk, "risk")
    survival = None if survival is None else _named(survival, "survival", list(risk))
    if survival is not None and times is None:
        raise ValueError("survival needs times: the times of its columns (unique_times_)")
    grid = (times if isinstance(times, dict) or survival is None
            else {name: times for name in risk})
    grid = None if survival is None else _named(grid, "times", list(risk))
    low, high = float(time.min()), float(min(time.max(), time_train.max()))
    same = len(time_train) == n and np.array_equal(event_train, event) \
        and np.array_equal(time_train, time)
    span = (low, high, same)
    horizons = _horizons(horizons, event, time, span)
    if calibration_horizon is None:
        calibration_horizon = horizons[len(horizons) // 2]
    _inside([calibration_horizon], span, "calibration_horizon")
    ibs_times = _ibs_grid(ibs_times, event, time, horizons, span)
    last = max(horizons.max(), calibration_horizon, -np.inf if ibs_times is None else ibs_times[-1])
    beyond = time > last
    cut = _surv(event & ~beyond, np.where(beyond, np.minimum(time, time_train.max()), time))
    setup = dict(sksurv=sksurv, y_train=_surv(event_train, time_train), y_test=_surv(event, time),
                 cut=cut, horizons=horizons, calibration_horizon=float(calibration_horizon),
                 groups=int(groups), ibs_times=ibs_times)
    scorers = {}
    for name, r in risk.items():
        r = np.asarray(r, dtype=np.float64)
        if r.shape != (n,) or not np.isfinite(r).all():
            raise ValueError(f"risk of {name!r} must be {n} finite numbers, one per test row; "
                             f"got shape {r.shape}")
        S = None if survival is None else survival_at(survival[name], grid[name], n, name)
        scorers[name] = SurvivalScores(setup, r, S)
    report = {"task": "survival", "n": n, "events": int(event.sum()),
              "n_bootstrap": int(n_bootstrap), "confidence": confidence,
              "random_state": random_state, "horizons": horizons.tolist(),
              "calibration_horizon": float(calibration_horizon), "allowed_range": [low, high],
              "ibs_range": None if ibs_times is None else [float(t) for t in ibs_times[[0, -1]]],
              "notes": []}
    estimates = {name: s.estimates() for name, s in scorers.items()}
    said = {}  # the same reason for several models is said once, naming them
    for name, scorer in scorers.items():
        for text in [f"{key} undefined: {why}" for key, why in scorer.why.items()] \
                + scorer.notes:
            said.setdefault(text, []).append(name)
    report["notes"] += [f"{', '.join(names)}: {text}" for text, names in said.items()]
    replicates = _replicates(scorers, n, n_bootstrap, random_state)
    report["scores"] = {name: _scored(estimates[name], replicates.get(name), confidence,
                                      report["notes"], name)
                        for name in scorers}
    report["differences"] = {
        label: _scored(difference, paired, confidence)
        for label, difference, paired in paired_differences(estimates, replicates)}
    if n_bootstrap and survival is not None:
        report["notes"].append(WHY_NO_INTERVAL)
    report["calibration"] = {name: s.table for name, s in scorers.items() if s.S is not None}
    return report


def _surv(event, time):
    y = np.empty(len(time), dtype=[("event", bool), ("time", np.float64)])
    y["event"], y["time"] = event, time
    return y


def _named(value, what, names=None):
    value = dict(value) if isinstance(value, dict) else {"model": value}
    if not value:
        raise ValueError(f"give at least one model's {what}")
    if names is not None and set(value) != set(names):
        raise ValueError(f"{what} must name the same models as risk, {names}; got {list(value)}")
    return value


def _scored(estimates, replicates, confidence, notes=None, name=None):
    """``{score: {"estimate", "low", "high", "skipped"}}`` in the order of ``estimates``, the
    scores of ``NO_INTERVAL`` without an interval (module docstring)."""
    kept = {key: value for key, value in estimates.items() if key not in NO_INTERVAL}
    resampled = None if replicates is None else {key: replicates[key] for key in kept}
    scores = _with_skipped(_intervals(kept, resampled, confidence, notes, name), resampled)
    alone = _intervals({key: value for key, value in estimates.items() if key in NO_INTERVAL},
                       None, confidence)
    return {key: scores[key] if key in scores else {**alone[key], "skipped": 0}
            for key in estimates}


def _followed(span):
    """Where the time-dependent scores are defined, said for the rows given."""
    low, high, same = span
    if same:
        return (f"{low:g} <= t < {high:g} (from the first to the last time followed in these "
                "rows, whose own censoring distribution weights the scores)")
    return (f"{low:g} <= t < {high:g} (from the first test time to the last time followed in "
            "both the training rows, whose censoring distribution weights the scores, and the "
            "test rows)")


def _inside(values, span, what):
    low, high, _ = span
    for t in np.atleast_1d(values):
        if not (np.isfinite(t) and low <= t < high):
            raise ValueError(
                f"{what} {t:g} is outside the follow-up where the time-dependent scores are "
                f"defined: give times t with {_followed(span)}")


def _horizons(horizons, event, time, span):
    low, high, _ = span
    if horizons is not None:
        horizons = np.unique(np.asarray(horizons, dtype=np.float64).ravel())
        if horizons.size == 0:
            raise ValueError("horizons is empty: give at least one time, or None for defaults")
        _inside(horizons, span, "horizon")
        return horizons
    if not event.any():
        raise ValueError("no test row has an event (every time is censored): the survival "
                         "scores need events")
    horizons = np.unique(np.percentile(time[event], [25, 50, 75], method="lower"))
    horizons = horizons[(horizons >= low) & (horizons < high)]
    if horizons.size == 0:
        raise ValueError(
            "no default horizon (the 25th, 50th and 75th percentiles of the event times) lies "
            f"where the time-dependent scores are defined: give horizons=[...] (--at on the "
            f"command line) with {_followed(span)}, or more rows")
    return horizons


def _ibs_grid(ibs_times, event, time, horizons, span):
    low, high, _ = span
    if ibs_times is not None:
        ibs_times = np.unique(np.asarray(ibs_times, dtype=np.float64).ravel())
        if ibs_times.size < 2:
            raise ValueError("ibs_times needs at least two distinct times")
        _inside(ibs_times, span, "ibs_times value")
        return ibs_times
    start = np.percentile(time[event], 10, method="lower") if event.any() else low
    start = max(low, min(start, horizons[0]))
    return np.linspace(start, horizons[-1], 100) if horizons[-1] > start else None


def _with_skipped(scores, replicates):
    """Each score's count of resamples in which it (or, for a difference, either side) was
    undefined: left out of its interval."""
    for key, value in scores.items():
        value["skipped"] = 0 if replicates is None else int((~np.isfinite(replicates[key])).sum())
    return scores
