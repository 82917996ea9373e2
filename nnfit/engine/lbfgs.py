"""Full-batch L-BFGS: R(theta) minimized over the flat theta by SciPy's L-BFGS-B with the exact
backpropagated gradient (``Objective.value_and_grad``).

L-BFGS builds a picture of R's curvature from the last ``memory`` gradient differences and takes
quasi-Newton steps along it, each with a line search that lowers R (Wolfe conditions): no
learning rate to choose, and on a small table it reaches the minimum in tens to hundreds of
iterations where minibatch steps would wander around it.  With no hidden layer and no penalty
that minimum is the maximum-likelihood fit (logistic, multinomial or least squares).

One iteration (one "epoch" of the estimators, ``epochs`` the most of them) is one quasi-Newton
step on all the rows, of one or a few evaluations of R and its gradient.  The fit ends when
scipy's criteria hold, the largest |dR/dtheta_j| at most GTOL (1e-6 in float32, 1e-9 in
float64: "converged") or a relative decrease of R of at most FTOL (1e-12, 1e-15) in an
iteration, or when the line search can lower R no more ("precision": R stopped decreasing at
the dtype's precision with the gradient above GTOL).  float32 nearly always ends at its
precision: R's float32 values stop changing (a relative step of 6e-8) while the largest
|dR/dtheta_j| is still 1e-6 to 1e-4, where float64 goes on to below 1e-9; on correlated columns
that leaves the parameters up to 1e-1 from the minimum (measured on logistic regressions
against statsmodels; float64: 1e-7), and the estimators warn (``holdout``).  With a validation
set and early stopping it also ends after ``patience`` iterations without a gain of ``tol`` on
the validation loss and keeps the best iteration's parameters.  L-BFGS keeps no state between
fits: a warm start starts a fresh curvature memory at the fitted parameters.  Dropout and
augmentation make R random, which the line search cannot follow, so they are refused.

A NaN or infinite R at a trial point of the line search counts as "too far" (the search steps
back); one at the start, or parameters that end non-finite, raise ``DivergenceError``.
"""
import copy
import math
import time
import warnings

import numpy as np
import scipy.optimize

from .training import DivergenceError, EarlyStopping, report, tqdm  # tqdm.auto without its notebook warning

GTOL = {"float32": 1e-6, "float64": 1e-9}  # the largest |dR/dtheta_j| at which it has converged
FTOL = {"float32": 1e-12, "float64": 1e-15}  # the smallest relative decrease of R that goes on
MEMORY = 10   # gradient differences kept (scipy's default)


class LBFGS:
    """Limited-memory BFGS on all rows at once (SciPy's ``L-BFGS-B`` with the exact gradient).

    Estimators with ``optimizer="lbfgs"`` call ``run_lbfgs``; it takes no single steps.

    Parameters
    ----------
    learning_rate : float, optional
        Not used (each step's length comes from the line search); kept so that the estimators
        can treat every optimizer alike.
    memory : int, default=10
        Number of past gradient differences kept for the curvature.

    Examples
    --------
    >>> import numpy as np
    >>> from nnfit import NumpyBackend, Objective, SquaredError, mlp
    >>> from nnfit.engine.lbfgs import run_lbfgs
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(50, 2)); Y = X @ np.array([[1.0], [-2.0]]) + 0.5
    >>> network = mlp(2, (), 1, dtype="float64"); network.initialize(rng)
    >>> objective = Objective(network, SquaredError(NumpyBackend()))
    >>> best, interrupted, status = run_lbfgs(objective, X, Y, rng, max_iter=100, history={})
    >>> np.round(network.theta, 6).tolist()                # W then b: least squares
    [1.0, -2.0, 0.5]
    """
    full_batch = True
    state_names = ()  # nothing is kept between fits (``modelfile.schema.STATE_NAMES``)

    def __init__(self, learning_rate=None, memory=MEMORY):
        self.learning_rate, self.memory = learning_rate, memory

    def step(self, theta, grad):
        raise TypeError("L-BFGS takes no single gradient steps: it minimizes R over all rows "
                        "with run_lbfgs (the estimators' fit); use optimizer='gd' or a minibatch "
                        "optimizer for step-by-step training")


class _Stop(Exception):
    """Raised in scipy's callback to end the minimization (early stopping, a callback, Ctrl-C)."""


def run_lbfgs(objective, X, Y, rng, *, max_iter, evaluate=None, early_stopping=True,
              monitor="loss", patience=10, tol=1e-4, callbacks=(), progress=False,
              verbose=False, history=None, first_epoch=1, memory=MEMORY, summary=None):
    """Minimize R(theta) on (X, Y) in place by L-BFGS; return (best_epoch, interrupted, status).

    ``history`` gets one entry per iteration (``epoch``, ``train_objective`` at the iteration's
    parameters, ``val_loss`` and ``val_score`` when ``evaluate`` is given, ``seconds``).  Without
    ``evaluate`` the parameters are the last iteration's, which has the lowest R (each line
    search lowers it); with it and ``early_stopping``, those of the iteration with the best
    monitored value, as in ``run_epochs``.  ``status`` is "converged" (the largest |dR/dtheta_j|
    at most GTOL), "max_iter" (``max_iter`` iterations ran before convergence), "precision" (R
    stopped decreasing at the dtype's precision: a relative decrease below FTOL, or a line search
    that could lower R no more, with the gradient still above GTOL), "stopped" (early stopping
    or a callback) or "interrupted" (Ctrl-C).  A dict ``summary`` gets ``gradient``, the largest
    |dR/dtheta_j| where scipy ended (None if it did not), and scipy's ``message``.
    """
    network = objective.network
    if any(getattr(layer, "rate", 0) for layer in network.layers):
        raise ValueError("optimizer='lbfgs' needs R(theta) to be the same at each evaluation, "
                         "and dropout makes it random; set dropout=0, or use a minibatch "
                         "optimizer such as 'adam' with dropout")
    backend, theta, grad = network.backend, network.theta, network.grad
    dtype = theta.dtype
    history = {} if history is None else history
    state = {"evaluations": 0, "x": None, "value": None, "xk": None, "iteration": first_epoch - 1,
             "started": time.perf_counter()}

    def value_and_grad(x):
        theta[...] = backend.asarray(x, dtype)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # a trial step
            value = float(objective.value_and_grad(X, Y, True, rng))  # too far: inf, below
            g = np.array(backend.to_numpy(grad), dtype=np.float64)
        state["evaluations"] += 1
        state["x"], state["value"] = x.copy(), value
        if not (math.isfinite(value) and np.isfinite(g).all()):
            if state["evaluations"] == 1:
                raise DivergenceError(f"L-BFGS: the objective is {value} at the starting "
                                      "parameters: the fit cannot start; scale the inputs "
                                      "(standardize=True) or fit with dtype='float64'")
            return math.inf, np.zeros_like(g)  # too far: the line search steps back
        return value, g

    stopper = EarlyStopping(theta, patience, tol)
    bar = tqdm(total=max_iter, desc="iterations", unit="it", disable=not progress, leave=True)

    def after_iteration(xk):
        state["iteration"] += 1
        epoch = state["iteration"]
        if state["x"] is None or not np.array_equal(state["x"], xk):
            value_and_grad(xk)
        state["xk"] = xk.copy()
        theta[...] = backend.asarray(xk, dtype)
        record = {"epoch": epoch, "train_objective": state["value"]}
        scores = evaluate() if evaluate is not None else None
        if scores is not None:
            record["val_loss"], record["val_score"] = scores
        now = time.perf_counter()
        record["seconds"], state["started"] = now - state["started"], now
        stop = False
        if evaluate is not None:
            monitored = record["val_loss"] if monitor == "loss" else -record["val_score"]
            stop = stopper.update(monitored, theta, epoch) and early_stopping
        if report(record, history, bar, verbose, callbacks) or stop:
            raise _Stop

    start = copy.deepcopy(theta)
    interrupted, status, result = False, "stopped", None
    try:
        result = scipy.optimize.minimize(
            value_and_grad, np.array(backend.to_numpy(theta), dtype=np.float64), jac=True,
            method="L-BFGS-B", callback=after_iteration,
            options={"maxiter": max_iter, "maxfun": max(15_000, 20 * max_iter), "gtol": GTOL[str(dtype).split(".")[-1]],
                     "ftol": FTOL[str(dtype).split(".")[-1]], "maxcor": memory})
    except _Stop:
        pass
    except KeyboardInterrupt:
        warnings.warn(f"fit interrupted in iteration {state['iteration'] + 1}; keeping the "
                      "best parameters so far", RuntimeWarning)
        interrupted, status = True, "interrupted"
    finally:
        bar.close()
    if result is not None:  # scipy's end: its best point, which ends the history
        theta[...] = backend.asarray(result.x, dtype)
        gradient = float(np.abs(result.jac).max()) if np.size(result.jac) else 0.0
        status = "max_iter" if result.status == 1 else "converged" if (
            result.status == 0 and gradient <= GTOL[str(dtype).split(".")[-1]]) else "precision"
        if summary is not None:
            summary.update(gradient=gradient, message=str(result.message))
    elif state["xk"] is not None:  # stopped after an iteration: its parameters
        theta[...] = backend.asarray(state["xk"], dtype)
    else:  # interrupted in the first iteration: the start
        theta[...] = start
    best = state["iteration"]
    if evaluate is not None and (early_stopping or interrupted) and stopper.best < math.inf:
        theta[...] = stopper.best_theta
        best = stopper.best_epoch
    if not backend.xp.isfinite(theta).all():
        raise DivergenceError(f"L-BFGS: the parameters became NaN or infinite by iteration "
                              f"{state['iteration']}: the fit diverged; add a ridge penalty, "
                              "scale the inputs, or fit with dtype='float64'")
    return best, interrupted, status
