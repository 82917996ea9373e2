"""Compiled passes of the Cox partial likelihood and the Poisson deviance, for
``nnfit.engine.cox`` and ``nnfit.engine.losses``.

The Cox loss is the NumPy lines' arithmetic (``engine.cox``'s docstring derives it) in two
passes over the rows sorted by time, latest first: the first adds each tie group's rows to
the running risk-set sum S_R, then its events' Efron (or Breslow) terms to the loss and to the
group's A_g and B_g; the second, earliest first, accumulates A over the risk sets that hold
each row and writes its gradient.  Sums run in float64 whatever the dtype; the sort is a counting sort of the estimator's
integer ranks (O(n)), NumPy's stable argsort for other times.
The Poisson pass is L = mean_i w_i [y log y - y - y z + e^z] and dZ = w (e^z - y) / n in one
loop, with NumPy's exp.
"""
import numpy as np

from ._numba import jit


@jit
def _cox(eta, time, event, weight, order, efron):
    n = eta.shape[0]
    c = -np.inf
    for i in range(n):
        c = max(c, eta[i])
    r = np.empty(n)
    group_of = np.empty(n, np.int64)
    A = np.zeros(n)
    B = np.zeros(n)
    loss, S_R, g, i = 0.0, 0.0, 0, 0
    while i < n:
        j = i
        S_D, d, W_D = 0.0, 0, 0.0
        while j < n and time[order[j]] == time[order[i]]:
            k = order[j]
            r[k] = weight[k] * np.exp(eta[k] - c)
            S_R += r[k]
            group_of[k] = g
            if event[k] != 0:
                S_D += r[k]
                d += 1
                W_D += weight[k]
                loss += weight[k] * (eta[k] - c)
            j += 1
        if d > 0:
            m = W_D / d
            for k in range(d):
                a = k / d if efron else 0.0
                den = S_R - a * S_D
                loss -= m * np.log(den)
                A[g] += m / den
                B[g] += m * a / den
        g += 1
        i = j
    grad = np.empty(n, eta.dtype)
    A_up, last = 0.0, -1
    for p in range(n - 1, -1, -1):   # earliest first: A over the groups at or before this time
        k = order[p]
        if group_of[k] != last:
            last = group_of[k]
            A_up += A[last]
        e = 1.0 if event[k] != 0 else 0.0
        grad[k] = (r[k] * (A_up - e * B[last]) - e * weight[k]) / n
    return -loss / n, grad


@jit
def _counting_order(time):
    """The rows latest time first, ties in row order, by a counting sort when the times are
    whole numbers in [0, 4n + 64) (the estimator's ranks: O(n)); else an empty array."""
    n = time.shape[0]
    top = 4 * n + 64
    for i in range(n):
        t = time[i]
        if not (t >= 0 and t < top and t == np.floor(t)):
            return np.empty(0, np.int64)
    counts = np.zeros(top + 1, np.int64)
    for i in range(n):
        counts[int(time[i])] += 1
    start = np.empty(top + 1, np.int64)
    total = 0
    for v in range(top, -1, -1):
        start[v] = total
        total += counts[v]
    order = np.empty(n, np.int64)
    for i in range(n):
        v = int(time[i])
        order[start[v]] = i
        start[v] += 1
    return order


def cox_partial_likelihood(eta, time, event, weight, efron):
    """(L, dL/deta) of ``engine.cox.CoxPartialLikelihood`` for 1-d arrays (``weight`` may be
    None)."""
    if weight is None:
        weight = np.ones(eta.shape[0])
    order = _counting_order(time)
    if order.shape[0] != time.shape[0]:
        order = np.argsort(-time, kind="stable")
    return _cox(np.ascontiguousarray(eta), time, event, weight, order, efron)


@jit
def _poisson(Z, Y, W, mu, weighted):
    n, m = Z.shape
    loss = 0.0
    for i in range(n):
        w = W[i] if weighted else 1.0
        for j in range(m):
            y = Y[i, j]
            term = mu[i, j] - y * Z[i, j] - y
            if y > 0:
                term += y * np.log(y)
            loss += w * term
            mu[i, j] = (mu[i, j] - y) * (w / n)
    return loss / n


def poisson_deviance(Z, Y, w):
    """(L, dZ) of ``engine.losses.PoissonDeviance`` (``w`` may be None)."""
    mu = np.exp(Z)
    weighted = w is not None
    loss = _poisson(Z, Y, w if weighted else Z[:, 0], mu, weighted)
    return loss, mu


KERNELS = dict(cox_partial_likelihood=cox_partial_likelihood, poisson_deviance=poisson_deviance)
