"""The coefficient table of a model without a hidden layer: estimates, standard errors, Wald
statistics, p-values and intervals in the original units of X and y, as statsmodels prints them.

``hidden_layer_sizes=()`` with ``ridge=0`` and ``lasso=0`` fits a statistical model by maximum
likelihood: logistic or multinomial regression (``MLPClassifier``), least squares or Poisson
regression (``MLPRegressor``), linear Cox regression (``MLPSurvival``).  ``information`` gives,
at the fitted parameters and in the working coefficients gamma of the standardized inputs, the
score U and the observed information I (the exact Hessian of the unpenalized negative
log-likelihood with the sample weights as frequency weights).  The estimators keep no
training data, so this is computed on the X, y and weights given, which should be the fit's.
A multinomial model is shown as statsmodels' MNLogit shows it: the log-odds of each class
against the first of ``classes_`` (the softmax's own coefficients are not identified).  Then:

0. The estimate must exist: separated classes (logistic, multinomial), counts that are 0 beyond
   some bound of the columns (Poisson) or a monotone partial likelihood (Cox) make it infinite,
   and the fit merely stops somewhere along the way.  A linear program finds such a direction
   (``information.unbounded``); its columns are named and nothing is returned.
1. I is scaled to unit diagonal, R = I / sqrt(I_jj I_kk), and inverted through its eigenvalues,
   Cov(gamma) = I^-1 = R^-1 / sqrt(I_jj I_kk).  An eigenvalue below 1e-10 of the largest (or a
   zero diagonal) means the information is singular (collinear or constant columns): the
   columns of the eigenvector are named and nothing is returned.
2. The Newton step from the fitted gamma, Cov(gamma) U, measured in standard errors, says how
   far the parameters are from the maximum likelihood on the X, y given: above 1e-3 (a fit on
   other rows, with held-out rows, or not converged, such as a float32 fit by minibatches) a
   warning says so, and above 1 (an estimate off by more than its own standard error) the
   table is refused: its z and p-values would be those of another point.
3. x~_j = (x_j - m_j) / s_j makes the linear predictor gamma_0 + sum_j gamma_j x~_j equal to
   beta_0 + sum_j beta_j x_j with beta_j = gamma_j / s_j and beta_0 = gamma_0 - sum_j gamma_j
   m_j / s_j: beta = A gamma with A = [[1, -m'/s], [0, diag(1/s)]] (no centring for sparse
   input, m = 0; A = diag(1/s) for Cox).  The map is linear, so Cov(beta) = A Cov(gamma) A'
   exactly (the delta method is exact here); per class block for the multinomial model.
4. se_j = sqrt(Cov(beta)_jj), z_j = beta_j / se_j, the p-value 2 (1 - Phi(abs(z_j))) and
   the interval beta_j -/+ Phi^-1(1 - alpha/2) se_j; least squares uses Student's t on
   sum(w) - q degrees of freedom instead of Phi, as statsmodels' OLS.
5. The weights above are frequencies: a weight of 10 is ten identical rows, so multiplying
   every weight by 10 divides the standard errors by sqrt(10).  Survey and inverse-probability
   weights are not counts; with ``robust=True`` the covariance is the sandwich (HC0, Huber and
   White) Cov(gamma) = I^-1 (sum_i s_i s_i') I^-1 of the rows' scores s_i (``information.
   row_scores``: w_i enters s_i once, so their scale cancels), with z statistics for every
   model (statsmodels' GLM with var_weights and WLS, ``cov_type="HC0"``); for Cox s_i = w_i
   dU/dw_i, the infinitesimal jackknife (``information.cox_row_scores``: Lin and Wei's without
   tied times, lifelines' ``robust=True``; statsmodels' PHReg's with Breslow's ties).

A penalized fit is refused: its estimate is not the maximum-likelihood one, and the Wald
intervals of the unpenalized likelihood around it would claim a coverage they do not have.
So are a hidden layer (the weights of a network are not identified: permuting the units gives
the same function), ``class_weight`` (a reweighted likelihood is not a frequency-weighted one)
and several regression outputs.
"""
import numbers
import warnings

import numpy as np
import pandas as pd
import scipy.sparse
import scipy.stats
from sklearn.utils.validation import check_is_fitted, validate_data

from ..backends.numpy_backend import host_array
from ..engine.cox import CoxPartialLikelihood
from ..engine.losses import (PoissonDeviance, SigmoidBinaryCrossEntropy, SoftmaxCrossEntropy,
                             SquaredError)
from . import information
from .standardize import apply_scaling, check_finite
from .validation import input_errors_said_clearly, memory_bytes
from .weights import check_sample_weight

SINGULAR = 1e-10   # smallest eigenvalue / largest of the scaled information
NEWTON = 1e-3      # the Newton step, in standard errors, above which the fit is not the MLE
FAR = 1.0          # ... and above which the table is refused: no estimate is within its se
CURE = ("fit to convergence (optimizer='lbfgs', dtype='float64', early_stopping=False, "
        "validation_fraction=0) and give coefficients() the rows and weights of the fit")
KINDS = {SigmoidBinaryCrossEntropy: "logistic", SoftmaxCrossEntropy: "multinomial",
         SquaredError: "least_squares", PoissonDeviance: "poisson", CoxPartialLikelihood: "cox"}


def coefficient_table(model, X, y, sample_weight=None, alpha=0.05, robust=False):
    """The coefficient table of ``model`` (no hidden layer, no penalty) fitted on (X, y).

    See ``_BaseMLP.coefficients`` for the parameters and the columns of the DataFrame.
    """
    check_is_fitted(model, "network_")
    kind = check_model(model, alpha, robust)
    Xs, p = _standardized(model, X)
    Y, w = targets(model, kind, y, sample_weight, Xs.shape[0])
    mean = np.zeros(p) if model._x_mean is None else model._x_mean
    return linear_table(model, kind, Xs, Y, w, (model.coefs_[0], model.intercepts_[0]),
                        _names(model, p), (mean, model._x_scale), alpha, robust=robust)


def linear_table(model, kind, Xs, Y, w, parameters, terms, scaling, alpha, const="const",
                 robust=False):
    """Steps 0 to 4 of the module docstring for the linear predictor b + Xs W of ``model``'s
    loss, ``parameters`` = (W, b) in the network's units (its target scaling is ``model``'s),
    on the standardized columns Xs = (x - m) / s of ``scaling`` = (m, s), named ``terms``; the
    intercept's row is ``const`` (none for Cox).  ``nnfit.tabular.coefficients`` calls it with
    a table's columns in reference coding.  ``robust``: the sandwich covariance (step 5)."""
    W, b = (np.asarray(v, np.float64) for v in parameters)
    if kind == "cox" and not (w > 0).all():  # left out, as the fit leaves them (MLPSurvival)
        Xs, Y, w = Xs[w > 0], Y[w > 0], w[w > 0]
    D = np.column_stack([np.ones(Xs.shape[0]), Xs])
    names = list(terms) if kind == "cox" else [const, *terms]
    blocks = len(model.classes_) - 1 if kind == "multinomial" else 1
    if kind == "multinomial":
        names = [(c, t) for c in model.classes_[1:].tolist() for t in names]
    _check_bounded(kind, Xs if kind == "cox" else D, Y, w, names, const)
    gamma, U, I, df_resid = _information(kind, model, Xs, D, Y, w, W, b)
    cov = _inverse(I, names)
    _check_optimum(model, cov @ U, np.sqrt(np.diag(cov)), names)
    if robust:  # step 5
        S = (information.cox_row_scores(Xs, Y, w, gamma, model.ties) * w[:, None]
             if kind == "cox" else information.row_scores(kind, D, Y, w, gamma))
        cov, df_resid = cov @ (S.T @ S) @ cov, None
    A = np.kron(np.eye(blocks), _back_map(*scaling, kind == "cox"))
    beta, cov = A @ gamma, A @ cov @ A.T
    index = pd.Index(names) if blocks == 1 else pd.MultiIndex.from_tuples(
        names, names=["class", "term"])
    return _table(beta, np.sqrt(np.diag(cov)), alpha, df_resid, index)


def targets(model, kind, y, sample_weight, n):
    """(Y, w): the targets as the information of ``kind`` takes them (counts and numbers in
    y's units), checked against the n rows of X, and the frequency weights (ones if None)."""
    y = model._check_y(host_array(y))
    if len(y) != n:
        raise ValueError(f"X has {n} rows but y has {len(y)}: give the rows the model was "
                         "fitted on")
    w = check_sample_weight(sample_weight, n)
    w = np.ones(n) if w is None else w
    Y = model._encode_targets(y, np.float64, False)  # checks the labels, counts, outputs
    if kind in ("poisson", "least_squares"):
        Y = np.asarray(y, np.float64).reshape(-1, 1)  # in y's units
    return Y, w


def _information(kind, model, Xs, D, Y, w, W, b):
    """(gamma, U, I, residual df or None) of ``information`` for the model's loss."""
    if kind == "cox":
        return (*information.cox(Xs, Y, w, W, model.ties), None)
    if kind == "least_squares":
        return information.least_squares(D, Y, w, W, b, model._target_mean, model._target_scale)
    if kind == "poisson":
        return (*information.poisson(D, Y, w, W, b, model._target_scale), None)
    return (*getattr(information, kind)(D, Y, w, W, b), None)


def check_model(model, alpha, robust=False):
    """The kind of model (``KINDS``) whose coefficients have standard errors; refusals otherwise
    (and of an ``alpha`` outside (0, 1), a ``robust`` that is not a bool)."""
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) or not 0 < alpha < 1:
        raise ValueError(f"alpha={alpha!r} is invalid: expected a number in (0, 1), e.g. 0.05 "
                         "for 95% intervals")
    if not isinstance(robust, (bool, np.bool_)):
        raise ValueError(f"robust={robust!r} is invalid: True for the sandwich standard errors "
                         "(survey or inverse-probability weights), False for the model-based "
                         "ones (frequency weights)")
    if len(model.network_.dense) > 1:
        raise ValueError("coefficients() gives the standard errors of a statistical model; the "
                         "standard errors of a network's weights are not interpretable (permuting "
                         "the hidden units gives the same function, so no weight is identified): "
                         "use hidden_layer_sizes=() for the statistical model (logistic, linear, "
                         "Poisson or Cox regression), or the bootstrap for a network's predictions")
    penalty = model._objective.penalty  # as fitted (set_params after the fit changes nothing)
    for name in ("ridge", "lasso"):
        if any(value != 0 for value in getattr(penalty, name)):
            raise ValueError(f"coefficients() needs the maximum-likelihood fit, and this model "
                             f"was fitted with {name}={max(getattr(penalty, name)):g}: a "
                             "penalized estimate is shrunk, and Wald intervals around it do not "
                             "have their coverage; "
                             "refit with ridge=0, lasso=0 (and optimizer='lbfgs', "
                             "dtype='float64' for the exact MLE)")
    if getattr(model, "class_weight", None) is not None:
        raise ValueError("coefficients() treats weights as frequencies (a weight of 2 = a "
                         "repeated row); class_weight reweights the likelihood instead, and its "
                         "standard errors would need a sandwich estimator: refit with "
                         "class_weight=None (pass frequency weights as sample_weight)")
    loss = model._objective.loss
    if isinstance(loss, (SquaredError, PoissonDeviance)) and model.network_.dense[-1].n_out > 1:
        raise ValueError(f"coefficients() takes one outcome and this model has "
                         f"{model.network_.dense[-1].n_out} outputs: fit one model per column of y")
    return KINDS[type(loss)]


def _standardized(model, X):
    """X validated as at prediction and standardized as at fit, in float64, dense."""
    with input_errors_said_clearly(X):
        X = validate_data(model, host_array(X), reset=False, **model._x_kwargs(np.float64))
    names = getattr(model, "feature_names_in_", None)
    check_finite(X, names)
    check_memory(model, *X.shape)
    Xs = apply_scaling(X, model._x_mean, model._x_scale, np.float64, names)
    return (Xs.toarray() if scipy.sparse.issparse(Xs) else np.asarray(Xs)), X.shape[1]


def check_memory(model, n, p):
    """Refuse a table whose information matrix (and design) would not fit in memory."""
    q = (p + 1) * max(1, model.network_.dense[-1].n_out)
    if 4 * 8 * q ** 2 + 8 * n * q > memory_bytes():
        raise ValueError(f"a table of {q:,} coefficients needs more memory for its "
                         "information matrix than this machine has; select columns first")


def _names(model, p):
    names = getattr(model, "feature_names_in_", None)
    return [str(c) for c in names] if names is not None else [f"x{j}" for j in range(p)]


def _check_bounded(kind, D, Y, w, labels, const):
    """Refuse data on which the likelihood has no maximum (separation, zero counts)."""
    v = None if kind == "least_squares" else information.unbounded(kind, D, Y, w)
    if v is None:
        return
    terms = [labels[j] for j in np.argsort(-np.abs(v)) if abs(v[j]) > 0.1 * np.abs(v).max()]
    terms = [t for t in terms if const not in (t if isinstance(t, tuple) else (t,))] or terms
    why = {"logistic": "the classes are separated, completely or quasi-completely (a region "
           "of these columns holds rows of one class only)",
           "multinomial": "classes are separated, completely or quasi-completely (a region of "
           "these columns has no row of some class)",
           "poisson": "the counts are 0 wherever these columns pass some bound (e.g. a "
           "category without any count)",
           "cox": "the partial likelihood is monotone: along these columns every event ranks "
           "first in its risk set (e.g. a group without events)"}[kind]
    raise ValueError(f"the maximum-likelihood estimate is infinite, so no standard errors "
                     f"exist; {why}: {_shown(terms)}.  The fit stopped wherever the "
                     "optimizer's tolerance said; drop or merge those columns or categories, "
                     "or fit with a penalty (ridge > 0) for predictions without standard errors")


def _inverse(I, labels):
    """I^-1 by the eigenvalues of I scaled to unit diagonal; a singular I is refused, naming
    the terms of the direction in which it is."""
    d = np.sqrt(np.clip(np.diag(I), 0, None))
    if not np.all(d > 0):
        flat = [labels[j] for j in np.flatnonzero(~(d > 0))]
        raise ValueError(f"the information matrix has no information on {_shown(flat)}: no "
                         "standard errors exist.  The column is constant over the rows of "
                         "positive weight (collinear with the intercept, or for Cox with the "
                         "baseline hazard): drop it and refit")
    values, vectors = np.linalg.eigh(I / np.outer(d, d))
    if not values[0] > SINGULAR * values[-1]:
        v = vectors[:, 0] / np.abs(vectors[:, 0]).max()
        flat = [labels[j] for j in np.argsort(-np.abs(v)) if abs(v[j]) > 0.1]
        raise ValueError(f"the information matrix is singular (smallest eigenvalue "
                         f"{values[0] / values[-1]:.1e} of the largest, scaled to unit "
                         f"diagonal) along {_shown(flat)}: no standard errors exist.  These "
                         "columns are collinear (one is a combination of the others and the "
                         "intercept): drop one of them and refit")
    return (vectors / values) @ vectors.T / np.outer(d, d)


def _shown(terms):
    return ", ".join(repr(t) for t in terms[:8]) + (" ..." if len(terms) > 8 else "")


def _check_optimum(model, step, se, labels):
    """Warn when the Newton step from the fitted parameters exceeds NEWTON standard errors;
    refuse the table beyond FAR (its estimates, z and p-values would be those of another
    point than the maximum-likelihood estimate)."""
    ratio = np.abs(step) / se
    j = int(np.argmax(ratio))
    if not ratio[j] > NEWTON:
        return
    far = f"a Newton step would move {labels[j]!r} by {ratio[j]:.2g} standard errors"
    float32 = np.dtype(model.network_.dtype) != np.float64
    why = ("the fit has not converged (its steps in float32 stop short of the optimum) or X, y "
           "are not the rows and weights it was fitted on" if float32 else
           "the fit has not converged, or X, y are not the rows and weights it was fitted on")
    if ratio[j] > FAR:
        raise ValueError(f"these parameters are not the maximum-likelihood estimate on the X, y "
                         f"given ({far}): {why}, so the estimates, their z and p-values would be "
                         f"wrong; {CURE}")
    warnings.warn(f"these parameters are not exactly the maximum-likelihood estimate on the X, "
                  f"y given ({far}): {why}; the z, p-values and intervals are approximate. For "
                  f"the exact table {CURE}", UserWarning, stacklevel=4)


def _back_map(mean, scale, cox):
    """A with beta = A gamma: working coefficients of x~ = (x - mean) / scale to those of x."""
    mean, scale = np.asarray(mean, np.float64), np.asarray(scale, np.float64)
    if cox:
        return np.diag(1 / scale)
    A = np.eye(len(scale) + 1)
    A[0, 1:] = -mean / scale
    A[1:, 1:] = np.diag(1 / scale)
    return A


def _table(beta, se, alpha, df_resid, index):
    """statsmodels' columns: coef, std err, z (t), P>abs(z) (P>abs(t)), [alpha/2, 1-alpha/2]."""
    stat = beta / se
    if df_resid is None:
        name, p = "z", 2 * scipy.stats.norm.sf(np.abs(stat))
        quantile = scipy.stats.norm.ppf(1 - alpha / 2)
    else:
        name, p = "t", 2 * scipy.stats.t.sf(np.abs(stat), df_resid)
        quantile = scipy.stats.t.ppf(1 - alpha / 2, df_resid)
    return pd.DataFrame({"coef": beta, "std err": se, name: stat, f"P>|{name}|": p,
                         "[" + str(alpha / 2): beta - quantile * se,
                         str(1 - alpha / 2) + "]": beta + quantile * se}, index=index)
