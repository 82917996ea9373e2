"""Calibration intercept and slope: logistic recalibration of predicted probabilities.

With x = logit(p) the logit of each row's predicted probability and y in {0, 1} its outcome,
the calibration slope b is the maximum-likelihood fit of logit P(y = 1) = a' + b x, and the
calibration intercept a that of logit P(y = 1) = a + x, the slope fixed at 1 (x an offset:
"calibration in the large", Van Calster et al. 2016, J Clin Epidemiol 74:167).  Perfectly
calibrated probabilities give a = 0 and b = 1; b < 1 means predictions too extreme
(overconfident), b > 1 too timid; a > 0 means the probabilities are too low on average.

Both fits are Newton-Raphson on the weighted log-likelihood sum_i w_i (y_i eta_i -
log(1 + e^eta_i)), for many weight vectors (bootstrap resamples) at once, with step halving
whenever a step would lower the likelihood.  A fit with no finite maximum (one outcome only,
x constant, or outcomes separated by x) gives NaN.
"""
import numpy as np

MAX_ITER = 100
TOL = 1e-10
LARGEST = 1e6  # a coefficient beyond this means no finite maximum (separation)


def calibration_fit(W, y, x, start=None):
    """Calibration intercept and slope for each row of weights.

    Parameters
    ----------
    W : array-like of shape (b, n) or (n,)
        Row weights, one vector per fit (e.g. bootstrap counts; ones for the plain fit).
    y : array-like of shape (n,)
        Outcomes, 0 or 1.
    x : array-like of shape (n,)
        The logit of each row's predicted probability of y = 1.
    start : (float, float) or None, default=None
        Starting (intercept, slope), e.g. the fit on all rows when W holds resamples;
        None starts at (0, 1), perfect calibration.

    Returns
    -------
    intercept, slope : ndarray of shape (b,)
        The intercept a of logit P(y=1) = a + x and the slope b of logit P(y=1) = a' + b x;
        NaN where the fit has no finite maximum.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.special import logit
    >>> p = np.array([0.2, 0.2, 0.2, 0.2, 0.2, 0.8, 0.8, 0.8, 0.8, 0.8])
    >>> y = np.array([0, 0, 0, 0, 1, 1, 1, 1, 1, 0])  # 1 in 5 and 4 in 5: as predicted
    >>> intercept, slope = calibration_fit(np.ones(10), y, logit(p))
    >>> np.round([intercept[0], slope[0]], 6) + 0.0
    array([0., 1.])
    """
    W = np.atleast_2d(np.asarray(W, dtype=np.float64))
    y, x = np.asarray(y, dtype=np.float64), np.asarray(x, dtype=np.float64)
    a0, b0 = (0.0, 1.0) if start is None or not np.all(np.isfinite(start)) else start
    intercept = _newton(W, y, x, np.array([a0]))[:, 0]
    slope = _newton(W, y, x, np.array([a0, b0]))[:, 1]
    return intercept, slope


def _newton(W, y, x, start):
    """(b, k) maximum-likelihood coefficients: k = 1, eta = a + x; k = 2, eta = a + b x."""
    b, k = W.shape[0], len(start)
    theta = np.tile(start, (b, 1))
    positives, total = W @ y, W.sum(axis=1)
    active = np.flatnonzero((positives > 0) & (positives < total))  # else no finite maximum
    failed = np.ones(b, dtype=bool)
    failed[active] = False
    Wa = W[active]
    state = _State(Wa, y, _eta(theta[active], x))
    for _ in range(MAX_ITER):
        if not len(active):
            break
        t = theta[active]
        q = 1 / (1 + state.e)  # e = exp(-|eta|): mu = q or e q, mu (1 - mu) = e q^2
        mu = np.where(state.eta >= 0, q, state.e * q)
        r, v = Wa * (y - mu), Wa * (state.e * q * q)
        g0, h00 = r.sum(axis=1), v.sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            if k == 1:
                step = (g0 / h00)[:, None]
            else:
                g1, h01, h11 = r @ x, v @ x, v @ x ** 2
                det = h00 * h11 - h01 ** 2
                step = np.stack([(h11 * g0 - h01 * g1) / det, (h00 * g1 - h01 * g0) / det], 1)
                step[det <= 1e-12 * h00 * h11] = np.nan  # x (nearly) constant: no slope
        trial = _State(Wa, y, _eta(t + step, x))
        scale = np.ones(len(active))
        for _ in range(40):  # halve the steps that would lower the likelihood
            worse = ~(trial.ll >= state.ll - 1e-12 * np.abs(state.ll))
            worse &= np.isfinite(step).all(axis=1)
            if not worse.any():
                break
            scale[worse] /= 2
            trial.replace(worse, _State(Wa[worse], y,
                                        _eta(t[worse] + scale[worse, None] * step[worse], x)))
        t = t + scale[:, None] * step
        theta[active] = t
        moved = np.abs(scale[:, None] * step).max(axis=1)
        bad = ~np.isfinite(moved) | (np.abs(t).max(axis=1) > LARGEST)
        failed[active[bad]] = True
        # Newton converges quadratically: after a full step of d the error is about d^2
        done = (scale == 1) & (moved <= np.sqrt(TOL) * (1 + np.abs(t).max(axis=1)))
        keep = ~bad & ~done
        active, Wa, state = active[keep], Wa[keep], trial.subset(keep)
    failed[active] = True  # not converged within MAX_ITER steps: separation
    theta[failed] = np.nan
    return theta


class _State:
    """eta, e = exp(-|eta|) and the weighted log-likelihood of each row of weights."""

    def __init__(self, W, y, eta):
        with np.errstate(invalid="ignore", over="ignore"):
            self.eta, self.e = eta, np.exp(-np.abs(eta))
            # log(1 + e^eta) = max(eta, 0) + log1p(e^-|eta|)
            self.ll = (W * (y * eta - np.maximum(eta, 0) - np.log1p(self.e))).sum(axis=1)

    def replace(self, rows, other):
        self.eta[rows], self.e[rows], self.ll[rows] = other.eta, other.e, other.ll

    def subset(self, rows):
        self.eta, self.e, self.ll = self.eta[rows], self.e[rows], self.ll[rows]
        return self


def _eta(theta, x):
    return theta[:, :1] + (x if theta.shape[1] == 1 else theta[:, 1:2] * x)
