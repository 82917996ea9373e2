"""The score and observed information of a model without a hidden layer, loss by loss, and
whether its maximum-likelihood estimate exists.

Without a hidden layer the network's output is linear in the standardized inputs,
z_i = b + sum_j W_j x~_ij with x~_ij = (x_ij - m_j) / s_j.  Write D for the design with rows
d_i = (1, x~_i1, ..., x~_ip) (the leading 1 carries the intercept; the Cox model has none) and
gamma for the "working" coefficients of z in the units of y, so that the linear predictor of
the likelihood is eta_i = d_i' gamma.  The log-likelihood with frequency weights w_i (a weight
of 2 counts the row twice, so it counts twice in the information too) is
l(gamma) = sum_i w_i log p(y_i | eta_i); each function below returns gamma, the score
U = dl/dgamma and the observed information I = -d^2 l / dgamma dgamma' at the fitted gamma:

- Binary logistic (one sigmoid output): gamma = (b, W), p_i = 1 / (1 + e^-eta_i),
  U = D' w (y - p), I = D' diag(w p (1 - p)) D.
- Multinomial (K softmax outputs, gamma_k = (b_k, W_k)): U_k = D' w (y_k - p_k),
  I_kl = D' diag(w p_k (1[k = l] - p_l)) D.  Adding one vector to every gamma_k changes no
  probability, so I is singular along (c, ..., c): the log-odds against the first class,
  delta_k = gamma_k - gamma_0 (k = 1, ..., K-1), are the identified parameters (statsmodels'
  MNLogit's).  The model with gamma_0 held at 0 has the same likelihood, so delta's score and
  information are the blocks k, l >= 1 of U and I.
- Poisson, log link: the network fitted y / c (c the target's weighted mean, 1 with
  ``standardize_target=False``) by mu~ = e^z, so mu = c e^z and gamma = (b + log c, W);
  U = D' w (y - mu), I = D' diag(w mu) D.  With y = count / exposure and w = exposure this is
  the count likelihood with a log(exposure) offset: sum_i [count_i log(E_i mu_i) - E_i mu_i]
  = sum_i E_i [y_i log mu_i - mu_i] + const, the same U and I.
- Least squares: the network fitted y~ = (y - a) / s, so gamma = (a + s b, s W); with the
  residuals r = y - D gamma and sigma^2 = sum_i w_i r_i^2 / (sum_i w_i - q) (q the number of
  coefficients: statsmodels' OLS on the rows repeated w_i times), U = D' w r / sigma^2 and
  I = D' diag(w) D / sigma^2; its statistic is t with sum_i w_i - q degrees of freedom.
- Cox: eta = X~ W (the output bias cancels from the partial likelihood: not identified, and
  left out), gamma = W.  ``engine.cox`` with the raw weights gives L = -(1/n) log PL_w(eta) and
  dL/deta, so U = -n X~' dL/deta.  Its Hessian comes by central differences of that exact
  gradient, I e_j = -(U(gamma + h_j e_j) - U(gamma - h_j e_j)) / (2 h_j) with h_j = 1e-5 / sd(x~_j)
  (error O(h^2) from the third derivative plus O(eps / h) from rounding: about 1e-10 relative
  in float64), made symmetric.  The weighted partial likelihood is lifelines' and R coxph's
  ``weights``: integer weights equal repeated rows except where they tie (Efron's
  correction then counts a tied group's rows by weight, not one by one).

The estimate is infinite when the likelihood keeps growing along a direction v of the
coefficients (then the fit stops wherever the optimizer's tolerance says, with a small
information along v that need not look singular).  ``unbounded`` finds such a v by Konis's
linear program (2007; R's detectseparation): maximize sum_i c_i' v over -1 <= v_j <= 1 subject
to c_i' v >= 0 for every row of positive weight; its optimum is 0 (at v = 0) unless v exists.
Logistic: c_i = s_i d_i, s_i = +1 for y_i = 1 and -1 for y_i = 0 (complete or quasi-complete
separation).  Multinomial, with v = (v_1, ..., v_{K-1}) and v_0 = 0: one constraint per row i of
class m and other class k, c_ik' v = d_i' (v_m - v_k) >= 0 (every row's own class gains).
Poisson: c_i = -d_i for every row, with d_i' v = 0 where y_i > 0 (the means of zero counts go to
0 with the others unchanged).  Cox (Bryson and Johnson 1981, the monotone partial likelihood):
every event i must rank first in its risk set, x_i' v >= x_j' v for t_j >= t_i, which is O(n^2)
pairs, written with one more variable M_g per distinct time: x_j' v <= M_g(j) for every row,
M_g >= M_(g+1), x_i' v >= M_g(i) for every event; the objective sum_i sum_(j in R_i)
(x_i - x_j)' v comes from cumulative sums.  Its solution is then checked in float64: every event
at the top of its risk set (to 1e-9) and some event above another row of its risk set (by 1e-6).
"""
import numpy as np
import scipy.optimize
import scipy.sparse
from scipy.special import expit, softmax

from ..backends.numpy_backend import default_backend
from ..engine.cox import CoxPartialLikelihood

STEP = 1e-5  # central-difference step of the Cox information, in sds of x~_j
UNBOUNDED = 1e-6  # the linear program's optimum above which v exists (its tolerance is 1e-7)


def unbounded(kind, D, Y, w):
    """A direction v (in the coefficients of D, stacked by class for "multinomial") along which
    the likelihood grows without end, or None (see the module docstring)."""
    keep = w > 0
    D, Y = D[keep], Y[keep]
    equal = None
    if kind == "cox":
        return _cox_unbounded(D, Y[:, 0], Y[:, 1] > 0)
    if kind == "logistic":
        C = D * np.where(Y[:, :1] > 0, 1.0, -1.0)
    elif kind == "poisson":
        C, positive = -D, Y[:, 0] > 0
        equal = D[positive] if positive.any() else None
    else:  # multinomial: rows (i, k), k not i's class m, of d_i' (v_m - v_k) with v_0 = 0
        K, q = Y.shape[1], D.shape[1]
        own = Y.argmax(axis=1)
        rows = []
        for k in range(K):
            i = np.flatnonzero(own != k)
            block = np.zeros((i.size, K, q))
            block[np.arange(i.size), own[i]] += D[i]
            block[:, k] -= D[i]
            rows.append(block[:, 1:].reshape(i.size, -1))
        C = np.vstack(rows)
    result = scipy.optimize.linprog(
        -C.sum(axis=0), A_ub=-C, b_ub=np.zeros(len(C)), A_eq=equal,
        b_eq=None if equal is None else np.zeros(len(equal)), bounds=(-1, 1), method="highs")
    if result.status == 0 and -result.fun > UNBOUNDED:
        return result.x
    return None


def _cox_unbounded(X, time, event):
    """v with every event first in its risk set along X v, one strictly, or None."""
    times, g = np.unique(time, return_inverse=True)
    n, p, G = X.shape[0], X.shape[1], times.size
    at = scipy.sparse.csr_matrix((np.ones(n), (np.arange(n), g)), shape=(n, G))
    chain = scipy.sparse.eye(G - 1, G, k=1) - scipy.sparse.eye(G - 1, G)   # M_(g+1) - M_g <= 0
    A = scipy.sparse.vstack([
        scipy.sparse.hstack([X, -at]),
        scipy.sparse.hstack([scipy.sparse.csr_matrix((G - 1, p)), chain]),
        scipy.sparse.hstack([-X[event], at[event]])]).tocsr()
    count = np.cumsum(np.bincount(g, minlength=G)[::-1])[::-1]               # |R_g|
    total = np.cumsum((at.T @ X)[::-1], axis=0)[::-1]                        # sum of x over R_g
    c = (count[g[event], None] * X[event] - total[g[event]]).sum(axis=0)
    result = scipy.optimize.linprog(np.concatenate([-c, np.zeros(G)]), A_ub=A,
                                    b_ub=np.zeros(A.shape[0]),
                                    bounds=[(-1, 1)] * p + [(None, None)] * G, method="highs")
    if result.status != 0:
        return None
    v = result.x[:p]
    eta = X @ v
    top, bottom = np.full(G, -np.inf), np.full(G, np.inf)
    np.maximum.at(top, g, eta)
    np.minimum.at(bottom, g, eta)
    top, bottom = np.maximum.accumulate(top[::-1])[::-1], np.minimum.accumulate(bottom[::-1])[::-1]
    first = np.all(eta[event] >= top[g[event]] - 1e-9)
    return v if first and np.any(eta[event] - bottom[g[event]] > 1e-6) else None


def _glm(D, w, residual, curvature):
    """U = D' w r and I = D' diag(w c) D."""
    return D.T @ (w * residual), (D * (w * curvature)[:, None]).T @ D


def logistic(D, y, w, W, b):
    gamma = np.concatenate([b, W[:, 0]])
    p = expit(D @ gamma)
    return (gamma, *_glm(D, w, y[:, 0] - p, p * (1 - p)))


def multinomial(D, Y, w, W, b):
    """Score and information of delta_k = gamma_k - gamma_0, k = 1..K-1, stacked by class."""
    Gamma = np.vstack([b[None, :], W])                       # (q, K)
    P = softmax(D @ Gamma, axis=1)
    K, q = Gamma.shape[1], D.shape[1]
    U = np.concatenate([D.T @ (w * (Y[:, k] - P[:, k])) for k in range(1, K)])
    I = np.empty(((K - 1) * q, (K - 1) * q))
    for k in range(1, K):
        for m in range(k, K):
            c = P[:, k] * ((k == m) - P[:, m])
            I[(k - 1) * q:k * q, (m - 1) * q:m * q] = block = (D * (w * c)[:, None]).T @ D
            I[(m - 1) * q:m * q, (k - 1) * q:k * q] = block.T
    delta = (Gamma[:, 1:] - Gamma[:, :1]).T.ravel()
    return delta, U, I


def poisson(D, y, w, W, b, scale):
    gamma = np.concatenate([b + np.log(scale), W[:, 0]])
    mu = np.exp(D @ gamma)
    return (gamma, *_glm(D, w, y[:, 0] - mu, mu))


def least_squares(D, y, w, W, b, mean, scale):
    """gamma, U, I and the residual degrees of freedom sum(w) - q."""
    gamma = np.concatenate([mean + scale * b, scale * W[:, 0]])
    residual = y[:, 0] - D @ gamma
    df_resid = w.sum() - D.shape[1]
    if not df_resid > 0:
        raise ValueError(f"least squares with {D.shape[1]} coefficients needs more than "
                         f"{D.shape[1]} rows (of total weight) to estimate sigma^2; it has "
                         f"{w.sum():g}")
    sigma2 = float(w @ residual ** 2) / df_resid
    U, I = _glm(D, w, residual, np.ones_like(residual))
    return gamma, U / sigma2, I / sigma2, df_resid


def cox(Xs, Y, w, W, ties):
    """gamma = W, the score and the information of the log partial likelihood by central
    differences of its exact gradient."""
    loss = CoxPartialLikelihood(default_backend, ties=ties)
    n = Xs.shape[0]

    def score(gamma):
        return -n * (Xs.T @ loss((Xs @ gamma)[:, None], Y, w)[1][:, 0])

    gamma = W[:, 0].copy()
    sd = Xs.std(axis=0)
    steps = STEP / np.where(sd > 0, sd, 1.0)
    I = np.empty((gamma.size, gamma.size))
    for j, h in enumerate(steps):
        e = np.zeros_like(gamma)
        e[j] = h
        I[:, j] = -(score(gamma + e) - score(gamma - e)) / (2 * h)
    return gamma, score(gamma), (I + I.T) / 2


def row_scores(kind, D, Y, w, gamma):
    """The rows' scores s_i (n x q), U = sum_i s_i, at gamma (as ``kind``'s function returns
    it): w_i r_i d_i with r_i = y_i - p_i (logistic), y_i - mu_i (Poisson), e_i / sigma^2
    (least squares, sigma^2 as there); multinomial: w_i (y_ik - p_ik) d_i for k = 1..K-1,
    stacked by class as delta.  For the sandwich Cov = I^-1 (sum_i s_i s_i') I^-1 (HC0)."""
    if kind == "multinomial":
        q = D.shape[1]
        Gamma = np.column_stack([np.zeros(q), gamma.reshape(-1, q).T])  # gamma_0 = 0
        P = softmax(D @ Gamma, axis=1)
        return np.hstack([D * (w * (Y[:, k] - P[:, k]))[:, None] for k in range(1, P.shape[1])])
    eta = D @ gamma
    y = Y[:, 0]
    if kind == "logistic":
        residual = y - expit(eta)
    elif kind == "poisson":
        residual = y - np.exp(eta)
    elif kind == "least_squares":
        residual = y - eta
        residual = residual / (float(w @ residual ** 2) / (w.sum() - D.shape[1]))
    else:
        raise ValueError(f"no row scores for {kind!r}")
    return D * (w * residual)[:, None]


def cox_row_scores(Xs, Y, w, gamma, ties):
    """The rows' score residuals of the Cox model, dU/dw_j (n x p), for the sandwich: the
    derivative of the weighted score U = sum_g [sum_{i in D_g} w_i x_i - m_g sum_{i in D_g}
    xbar_i] (xbar_i = (S1_R - a_i S1_D) / (S_R - a_i S_D), the risk set's weighted mean of x
    as ``engine.cox`` tilts it for the i-th tied event) with respect to row j's weight:

        e_j x_j - e_j sum_{i in D_g(j)} xbar_i / d_g(j) - q_j sum_{g: t_g <= t_j} m_g sum_{i in
        D_g} (x_j - xbar_i) / den_i + e_j q_j m_g(j) sum_{i in D_g(j)} a_i (x_j - xbar_i) / den_i

    with q_j = exp(eta_j) (the infinitesimal jackknife: Lin and Wei's residuals without ties,
    lifelines' ``robust=True``; statsmodels' PHReg's with Breslow's ties).  O(n log n)."""
    t, e = Y[:, 0], Y[:, 1]
    order = np.argsort(-t, kind="stable")  # latest first, as engine.cox
    t, e, x, ws = t[order], e[order], Xs[order], w[order]
    eta = x @ gamma
    q = np.exp(eta - eta.max())
    r = ws * q
    first = np.r_[True, t[1:] != t[:-1]]
    group = np.cumsum(first) - 1
    groups = group[-1] + 1
    ends = np.r_[np.flatnonzero(first)[1:] - 1, len(t) - 1]
    S_R, S1_R = np.cumsum(r)[ends], np.cumsum(r[:, None] * x, axis=0)[ends]

    def sums(index, values):  # per group, each column of values (rows x k) summed
        return np.column_stack([np.bincount(index, col, groups) for col in values.T])

    S_D, S1_D = sums(group, (r * e)[:, None])[:, 0], sums(group, (r * e)[:, None] * x)
    d = np.maximum(np.bincount(group, e, groups), 1)
    m = np.bincount(group, ws * e, groups) / d
    before = np.cumsum(e) - e
    a = ((before - before[np.flatnonzero(first)][group]) * e / d[group] if ties == "efron"
         else np.zeros(len(e)))
    event = e > 0
    g, a = group[event], a[event]
    den = S_R[g] - a * S_D[g]
    xbar = (S1_R[g] - a[:, None] * S1_D[g]) / den[:, None]
    A, B = (m * sums(g, v[:, None])[:, 0] for v in (1 / den, a / den))  # m_g sums over D_g
    Ax, Bx = (m[:, None] * sums(g, xbar * v[:, None]) for v in (1 / den, a / den))
    CA, CAx = np.cumsum(A[::-1])[::-1][group], np.cumsum(Ax[::-1], axis=0)[::-1][group]
    scores = (e[:, None] * (x - sums(g, xbar)[group] / d[group][:, None])
              - q[:, None] * (x * CA[:, None] - CAx)
              + (e * q)[:, None] * (x * B[group][:, None] - Bx[group]))
    out = np.empty_like(scores)
    out[order] = scores
    return out
