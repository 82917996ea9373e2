"""Cox's partial likelihood as a loss: the network's output eta(x) is the log relative hazard.

Cox's model says the hazard of row i is h_0(t) exp(eta_i) with eta_i = f(x_i), the network's one
output (Faraggi and Simon 1995 put one hidden layer there; DeepSurv, several).  The baseline
hazard h_0 drops out of the partial likelihood, so any constant added to eta changes nothing.
Y holds two columns per row: the time (any numbers that sort like the times: the estimator
passes ranks, so float32 keeps every tie) and the event indicator e_i (1 = event, 0 = censored).

Sorting the rows by time once gives each distinct event time t_g its tie group D_g (the d_g
events at t_g) and its risk set R_g (every row with time >= t_g).  With r_j = w_j exp(eta_j - c)
(w_j the row weights, c = max eta so that exp never overflows; c cancels below),

    S_R,g = sum_{j in R_g} r_j   (a cumulative sum down the times),   S_D,g = sum_{j in D_g} r_j,

and m_g = sum_{i in D_g} w_i / d_g the tied events' mean weight, the loss is the negative log
partial likelihood over the n rows of the batch,

    L = -(1/n) sum_g [ sum_{i in D_g} w_i (eta_i - c) - m_g sum_{k=0}^{d_g-1} log(S_R,g - a_k S_D,g) ],

with a_k = k / d_g for Efron's handling of tied times (R's coxph, lifelines) and a_k = 0 for
Breslow's (scikit-survival's CoxPHSurvivalAnalysis).  Giving the k-th event of each group the
term of its own k, every event row i carries den_i = S_R,g - a_{k_i} S_D,g.

The gradient, by the chain rule through S_R and S_D (dS_R,g/deta_j = r_j if t_j >= t_g,
dS_D,g/deta_j = r_j if j in D_g):

    n dL/deta_j = -e_j w_j + r_j [ sum_{g: t_g <= t_j} A_g - e_j B_{g(j)} ],
    A_g = sum_{i in D_g} m_g / den_i,    B_g = sum_{i in D_g} m_g a_{k_i} / den_i,

where the first sum runs over the risk sets that contain j: a cumulative sum of A up the times.
So the loss and its gradient cost one sort and a few cumulative sums, O(n log n), with no n x n
risk-set matrix.  On a full batch (``gd``, ``lbfgs``) this is the exact partial likelihood; on a
minibatch the risk sets are those of the batch's rows, as DeepSurv fits it.
"""
from .losses import _Loss

TIES = ("efron", "breslow")


class CoxPartialLikelihood(_Loss):
    """Cox's negative log partial likelihood of the network's output eta(x), for survival.

    Calling the loss on the output values Z (one column, eta) and Y (columns: time, event 0/1)
    returns ``(loss, dZ)`` as derived in the module docstring; ``output(Z)`` is eta, the log
    relative hazard (the risk score: higher means an earlier event).  ``ties`` is "efron"
    (the default, as R's coxph and lifelines) or "breslow".
    """

    _EXAMPLE = """
    Parameters
    ----------
    backend : NumpyBackend
        The array backend.
    ties : {{"efron", "breslow"}}, default="efron"

    Examples
    --------
    >>> import numpy as np
    >>> from nnfit import NumpyBackend, {name}
    >>> Y = np.array([[3.0, 1.0], [1.0, 1.0], [2.0, 0.0], [1.0, 1.0]])  # time, event
    >>> loss, dZ = {name}(NumpyBackend())(np.zeros((4, 1)), Y)
    >>> round(loss, 4), dZ.shape
    (0.6212, (4, 1))
"""

    def __init__(self, backend, ties="efron"):
        super().__init__(backend)
        if ties not in TIES:
            raise ValueError(f"ties must be 'efron' or 'breslow', got {ties!r}")
        self.ties = ties

    def __call__(self, Z, Y, w=None):
        fused = self.backend.fused("cox_partial_likelihood")  # the lines below in two loops
        if fused is not None:
            loss, grad = fused(Z[:, 0], Y[:, 0], Y[:, 1], w, self.ties == "efron")
            return float(loss), grad[:, None]
        xp = self.backend.xp
        n = Z.shape[0]
        order = xp.argsort(-Y[:, 0], kind="stable")  # latest time first: risk sets grow downwards
        t, e, eta = Y[order, 0], Y[order, 1], Z[order, 0]
        ws = e * 0 + 1 if w is None else w[order]
        c = xp.max(eta)
        r = ws * xp.exp(eta - c)
        first = xp.concatenate([t[:1] == t[:1], t[1:] != t[:-1]])   # a tie group starts
        last = xp.concatenate([t[1:] != t[:-1], t[:1] == t[:1]])     # a tie group ends
        group = xp.cumsum(first, axis=0) - 1                          # each row's group
        starts, ends = xp.flatnonzero(first), xp.flatnonzero(last)

        def group_sum(values):  # each row gets the sum of ``values`` over its tie group
            total = xp.cumsum(values, axis=0)
            return (total[ends] - total[starts] + values[starts])[group]

        S_R = xp.cumsum(r, axis=0)[ends][group]
        S_D, d, W_D = group_sum(r * e), group_sum(e), group_sum(ws * e)
        d_safe = xp.maximum(d, d * 0 + 1)
        m = W_D / d_safe
        if self.ties == "efron":
            events_before = xp.cumsum(e, axis=0) - e                  # events above, in order
            k = events_before - events_before[starts][group]          # 0, 1, ... within a group
            a = k * e / d_safe
        else:
            a = e * 0
        den = S_R - a * S_D
        loss = -(float(xp.vdot(e * ws, eta - c)) - float(xp.vdot(e * m, xp.log(den)))) / n
        per_event = e * m / den
        A = group_sum(per_event)[starts]                               # one per group, in order
        B = group_sum(per_event * a)
        # sum over groups at or after j's (times <= t_j): a suffix sum from j's group on
        A_up = xp.flip(xp.cumsum(xp.flip(A, 0), axis=0), 0)[group]
        grad = (r * (A_up - e * B) - e * ws) / n
        dZ = xp.empty_like(Z)
        dZ[order, 0] = grad
        return loss, dZ

    def output(self, Z):
        return Z
