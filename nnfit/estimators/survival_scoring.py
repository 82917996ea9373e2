"""Each score of ``survival_metrics`` for any row weights, as ``scoring`` does for classes and
numbers: the point estimates are scikit-survival's functions; for a matrix W of shape (b, n)
(bootstrap counts: test row i drawn W_bi times) the b scores are the same sums with each test
row counted W_bi times, vectorized.  What depends only on the training rows (the censoring
distribution G) and on each test row is computed once:

- concordance: C = sum_ij W_i W_j a_i M_ij K_ij / sum_ij W_i W_j a_i M_ij, a_i = d_i
  (Harrell) or d_i 1[t_i < tau] / G(t_i)^2 (Uno); M_ij = 1[t_j > t_i or (t_j = t_i and j
  censored)], scikit-survival's comparable pairs; K_ij = 1[eta_j < eta_i] off ties, 1/2 on a
  tie |eta_i - eta_j| <= 1e-8 (its ``tied_tol``).
- AUC(h): the weighted Mann-Whitney statistic (``scoring.weighted_auc``) of the cases
  (t_i <= h, d_i; weight W_i / G(t_i)) against the controls (t_j > h; weight W_j).
- Brier(h) = sum_i W_i l_i(h) / sum_i W_i, l_i(h) = S(h|x_i)^2 1[t_i <= h, d_i] / G(t_i)
  + (1 - S(h|x_i))^2 1[t_i > h] / G(h); the IBS integrates it over the grid (trapezoids).
- Kaplan-Meier and calibration in the large: ``survival_calibration.weighted_km``.  The
  calibration error has no replicates (``survival_metrics`` says why).

A resample is undefined for the AUC and Brier scores (NaN) where a horizon is not in [first,
last) of its rows' times, as scikit-survival raises; tests/test_survival_metrics.py checks every
weighted score against scikit-survival on the resampled rows.
"""
import numpy as np

from .scoring import weighted_auc
from .survival_calibration import calibration_summary, survival_calibration, weighted_km

TIED = 1e-8         # scikit-survival's tied_tol
PAIRS = 2_000_000   # (event row, row) pairs per block of the concordance sums


def sksurv_modules():
    """scikit-survival's ``metrics`` and ``nonparametric``, or a clear ImportError."""
    try:
        import sksurv.metrics
        import sksurv.nonparametric
    except ImportError:
        raise ImportError("scoring survival predictions needs scikit-survival: "
                          "pip install 'nnfit[survival]'") from None
    return sksurv


class SurvivalScores:
    """One model's scores: ``estimates()`` by scikit-survival, ``weighted(W)`` for resamples."""

    def __init__(self, setup, risk, S):
        self.__dict__.update(setup)
        self.risk, self.S, self.why, self.table, self.notes = risk, S, {}, None, []
        y, cut, h = self.y_test, self.cut, self.horizons
        cens = self.sksurv.nonparametric.CensoringDistributionEstimator().fit(self.y_train)
        self.uno = np.zeros(len(y))
        early = y["event"] & (y["time"] < h.max())
        if early.any():
            self.uno[early] = cens.predict_proba(y["time"][early]) ** -2.0
        else:
            self.why["uno_c"] = (
                f"no row has an event before the last horizon {h.max():g}, and Uno's C compares "
                "only pairs whose earlier time is such an event (the default horizons are "
                "percentiles of the event times, so with one event time they are that time): "
                "give a later horizon, horizons=[...] (--at on the command line), or more rows "
                "with events")
        self.ipcw = cens.predict_ipcw(cut)
        if S is not None:
            self.at_horizons = S(h)
            self.at_calibration = S(np.array([self.calibration_horizon]))[:, 0]
            self.brier_rows = self._brier_terms(cens, self.at_horizons, h)
            self.at_grid = self.grid_rows = None
            if self.ibs_times is not None:
                self.at_grid = S(self.ibs_times)
                self.grid_rows = self._brier_terms(cens, self.at_grid, self.ibs_times)

    def _brier_terms(self, cens, S, times):
        """l_i(t) of each row and time (module docstring), as scikit-survival's brier_score."""
        event, time = self.cut["event"], self.cut["time"]
        g_t, g_y = cens.predict_proba(times), cens.predict_proba(time)
        g_t[g_t == 0], g_y[g_y == 0] = np.inf, np.inf
        case = (time[:, None] <= times) & event[:, None]
        return S ** 2 * case / g_y[:, None] + (1 - S) ** 2 * (time[:, None] > times) / g_t

    def estimates(self):
        """score -> value of scikit-survival's functions on the test rows (NaN: undefined,
        why in ``self.why``); sets the calibration table ``self.table``."""
        m, y, cut, r, h, why = (self.sksurv.metrics, self.y_test, self.cut, self.risk,
                                self.horizons, self.why)
        out = {"harrell_c": _try(why, "harrell_c", lambda: m.concordance_index_censored(
            y["event"], y["time"], r)[0])}
        out["uno_c"] = np.nan if "uno_c" in why else _try(
            why, "uno_c", lambda: m.concordance_index_ipcw(self.y_train, y, r, tau=h.max())[0])
        auc = _try(why, "auc", lambda: m.cumulative_dynamic_auc(self.y_train, cut, r, h),
                   (np.full(len(h), np.nan), np.nan))
        out.update(zip(self._keys("auc"), auc[0]))
        if len(h) > 1:
            out["mean_auc"] = auc[1]
        if self.S is not None:
            brier = _try(why, "brier", lambda: m.brier_score(self.y_train, cut, self.at_horizons,
                                                             h)[1], np.full(len(h), np.nan))
            out.update(zip(self._keys("brier"), brier))
            out["ibs"] = np.nan if self.ibs_times is None else _try(
                why, "ibs", lambda: m.integrated_brier_score(self.y_train, cut, self.at_grid,
                                                             self.ibs_times))
            if self.ibs_times is None:
                why["ibs"] = ("its default grid, from the 10th percentile of the event times "
                              "to the last horizon, has no width: give ibs_times=[...], or a "
                              "later last horizon (--at on the command line)")
            args = (y["event"], y["time"], self.at_calibration, self.calibration_horizon,
                    self.groups)
            out["calibration_error"], out["calibration_in_the_large"] = calibration_summary(*args)
            if not np.isfinite(out["calibration_error"]):
                why["calibration_error"] = (
                    "the follow-up of a risk group ends before the calibration horizon: give "
                    "fewer groups or an earlier calibration_horizon (on the command line the "
                    "middle --at time)")
            self.table = survival_calibration(*args)
            if len(self.table) < self.groups:
                self.notes.append(
                    f"{len(self.table)} risk group{'s' * (len(self.table) > 1)} instead of "
                    f"{self.groups}: rows with the same predicted S({self.calibration_horizon:g}"
                    " | x) share a group" + (": a constant prediction, whose calibration "
                                              "error is the size of its calibration in the "
                                              "large" if len(self.table) == 1 else ""))
        return {key: float(value) for key, value in out.items()}

    def weighted(self, W):
        """score -> (b,) values for the rows of counts W (module docstring)."""
        y, cut, h = self.y_test, self.cut, self.horizons
        out = {"harrell_c": weighted_concordance(W, y["event"], y["time"], self.risk,
                                                 y["event"].astype(np.float64)),
               "uno_c": weighted_concordance(W, y["event"], y["time"], self.risk, self.uno)}
        drawn = W > 0
        first = np.where(drawn, cut["time"], np.inf).min(axis=1)
        last = np.where(drawn, cut["time"], -np.inf).max(axis=1)

        def inside(times):
            return (times[0] >= first) & (times[-1] < last)
        ok = inside(h)
        auc = np.empty((len(W), len(h)))
        for k, t in enumerate(h):
            case, control = (cut["time"] <= t) & cut["event"], cut["time"] > t
            auc[:, k] = weighted_auc(W * np.where(case, self.ipcw, control), case, self.risk)
        auc[~ok] = np.nan
        out.update(zip(self._keys("auc"), auc.T))
        if len(h) > 1:
            s = weighted_km(W, cut["event"], cut["time"], h)
            drop = -np.diff(np.column_stack([np.ones(len(W)), s]), axis=1)
            with np.errstate(divide="ignore", invalid="ignore"):
                out["mean_auc"] = (auc * drop).sum(axis=1) / (1 - s[:, -1])
        if self.S is None:
            return out
        total = W.sum(axis=1)
        brier = W @ self.brier_rows / total[:, None]
        brier[~ok] = np.nan
        out.update(zip(self._keys("brier"), brier.T))
        if self.ibs_times is None:
            out["ibs"] = np.full(len(W), np.nan)
        else:
            grid = self.ibs_times
            curve = W @ self.grid_rows / total[:, None]
            area = ((curve[:, 1:] + curve[:, :-1]) / 2 * np.diff(grid)).sum(axis=1)
            out["ibs"] = np.where(inside(grid), area / (grid[-1] - grid[0]), np.nan)
        observed = weighted_km(W, y["event"], y["time"], [self.calibration_horizon])[:, 0]
        out["calibration_in_the_large"] = observed - W @ self.at_calibration / total
        return out

    def _keys(self, score):
        return [f"{score}@{np.format_float_positional(t, trim='-')}" for t in self.horizons]


def weighted_concordance(W, event, time, risk, a):
    """C of ``risk`` for each row of counts W (b, n), event rows weighted by ``a`` (module
    docstring: Harrell's with a = d, Uno's with a = d 1[t < tau] / G(t)^2); NaN without a
    comparable pair."""
    rows = np.flatnonzero(event & (a > 0))
    numerator, denominator = np.zeros(len(W)), np.zeros(len(W))
    step = max(1, PAIRS // len(time))
    for start in range(0, len(rows), step):
        i = rows[start:start + step]
        comparable = (time > time[i, None]) | ((time == time[i, None]) & ~event)
        diff = risk - risk[i, None]
        credit = np.where(np.abs(diff) <= TIED, 0.5, diff < 0) * comparable
        Wi = W[:, i] * a[i]
        numerator += (Wi * (W @ credit.T)).sum(axis=1)
        denominator += (Wi * (W @ comparable.T.astype(np.float64))).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator > 0, numerator / denominator, np.nan)


def _try(why, key, compute, undefined=np.nan):
    """compute(), or ``undefined`` where scikit-survival finds the score undefined (the reason
    kept in ``why``)."""
    try:
        with np.errstate(divide="ignore", invalid="ignore"):
            return compute()
    except (ValueError, ZeroDivisionError) as error:
        why[key] = str(error).splitlines()[0]
        return undefined
