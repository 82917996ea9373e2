"""The training loop: epochs of shuffled minibatches, early stopping, history.

One epoch draws a fresh permutation of the n training samples and takes ceil(n / batch_size)
steps theta <- optimizer(theta, dR_batch/dtheta), each on the next ``batch_size`` samples of the
permutation (n/128 ~ 469 steps for MNIST's 60,000 images).  After each epoch the monitored
value (the validation loss or error, or else the training objective) is compared with the
best so far; ``patience`` epochs without an improvement larger than ``tol`` stop the fit and
the best parameters are restored.  Ctrl-C stops cleanly the same way.

A fit that blows up stops in the epoch where it happens with a ``DivergenceError`` naming a
smaller learning rate: when a minibatch objective is NaN or infinite, or grows past
GROWTH * (R_0 + 1), R_0 the larger of this call's first minibatch objective and the first epoch's
objective in the history (the untrained network's, for a warm start).  R >= 0 and a working fit
lowers it, so 1000 times the start (the "+ 1" keeps a start near 0 from making any noise a
blow-up) means outputs some 30 times larger than at the random start: in the test suite, the
MNIST quick run, the Hitters and the Khan labs the largest minibatch objective of a fit that ran
to its end reached 0.19 % of this limit (a factor of 500 below it).  Full-batch gradient
descent (without dropout or augmentation, which make R random) whose first step raises R by more
than ``tol`` (and a relative 1e-4 of float rounding) is diverging too: its learning rate is past
2 / the curvature.  One that stops without ever lowering R warns that it kept its random start.
"""
import copy
import math
import time
import warnings

import scipy.sparse
from tqdm.std import TqdmWarning

with warnings.catch_warnings():
    # in a notebook without ipywidgets tqdm.auto warns "IProgress not found" on import (every
    # lab showed it) and falls back to the text bar; that fallback is what we want, unannounced
    warnings.simplefilter("ignore", TqdmWarning)
    from tqdm.auto import tqdm

from ..backends.numpy_backend import default_backend
from ..backends.threads import fit_threads


GROWTH = 1e3


class DivergenceError(ValueError, FloatingPointError):
    """The objective R(theta) became NaN or infinite, or grew far past its start, during a fit.

    Raised by ``fit`` and ``partial_fit`` as soon as a minibatch's objective is not finite or
    has grown to more than a thousand times its starting value, typically because the learning
    rate is too large; the message names the epoch and suggests a smaller learning rate.  A
    subclass of ``ValueError`` and ``FloatingPointError``.

    Examples
    --------
    >>> import numpy as np
    >>> from nnfit import DivergenceError, MLPRegressor
    >>> X = np.random.default_rng(0).normal(size=(200, 3)); y = X.sum(axis=1)
    >>> try:
    ...     MLPRegressor(optimizer="sgd", learning_rate=100.0, epochs=5, random_state=0).fit(X, y)
    ... except DivergenceError:
    ...     print("diverged")
    diverged
    """


def _diverged(what, epoch, learning_rate):
    return DivergenceError(
        f"{what} in epoch {epoch} with learning_rate={learning_rate:g}: the fit diverged; try a "
        f"smaller learning rate, e.g. learning_rate={learning_rate / 10:g}, or scale the inputs")


def _check_state_lengths(optimizer, theta):
    """The optimizer's running averages must have theta's length (compiled updates index them
    all by theta's, ``backends.kernels``); a state restored from an edited file could be shorter."""
    names = getattr(optimizer, "state_names", ())
    states = [getattr(optimizer, name, None) for name in names]
    if any(state is None for state in states) and any(state is not None for state in states):
        raise ValueError(f"the optimizer's state is incomplete ({', '.join(names)}"
                         "): a damaged warm start; set warm_start=False to fit afresh")
    for name, state in zip(names, states):
        if state is not None and state.shape != theta.shape:
            raise ValueError(f"the optimizer's state {name!r} has shape {state.shape} but the "
                             f"parameters have {theta.shape}: a damaged warm start; set "
                             "warm_start=False to fit afresh")


class EarlyStopping:
    """Keeps a copy of the best parameters and says when ``patience`` epochs brought no gain."""

    def __init__(self, theta, patience, tol):
        self.patience, self.tol = patience, tol
        self.best, self.best_epoch, self.best_theta, self.wait = math.inf, 0, copy.deepcopy(theta), 0

    def update(self, value, theta, epoch):
        if value < self.best - self.tol:
            self.best, self.best_epoch, self.wait = value, epoch, 0
            self.best_theta[...] = theta
        else:
            self.wait += 1
        return self.wait >= self.patience


def minibatches(X, Y, batch_size, rng, augment=None, backend=default_backend):
    """Yield (X_batch, Y_batch) over one shuffled pass; batches are gathered into reused buffers
    (on ``backend``'s device: the data is shuffled where it lives).

    A batch of all n samples is the data itself: no shuffle, no copy."""
    n = X.shape[0]
    if batch_size >= n:
        yield (augment(X, rng) if augment is not None else X), Y
        return
    xp = backend.xp
    order = backend.permutation(rng, n)
    if scipy.sparse.issparse(X):  # CSR rows are gathered by indexing, into a new matrix each
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            yield X[idx], Y.take(idx, axis=0)
        return
    X_buffer = xp.copy(X[:batch_size])
    Y_buffer = xp.copy(Y[:batch_size])
    for start in range(0, n, batch_size):
        idx = order[start:start + batch_size]
        Xb, Yb = X_buffer[:len(idx)], Y_buffer[:len(idx)]
        # mode="clip" (idx, a permutation, is always in range): with the default "raise"
        # NumPy gathers into a temporary and copies it into ``out``, twice the time
        xp.take(X, idx, axis=0, out=Xb, mode="clip")
        xp.take(Y, idx, axis=0, out=Yb, mode="clip")
        yield (augment(Xb, rng) if augment is not None else Xb), Yb


def report(record, history, bar, verbose, callbacks):
    """Record an epoch's (or iteration's) figures in ``history``, on the progress bar and, with
    ``verbose``, as a line; True when a callback asks to stop."""
    for key, value in record.items():
        history.setdefault(key, []).append(value)
    bar.update(1)
    bar.set_postfix({k: f"{v:.4g}" for k, v in record.items() if k != "epoch"})
    if verbose:
        print(", ".join(f"{k} {v:.5g}" for k, v in record.items()), flush=True)
    return any(cb(record) for cb in callbacks)


def run_epochs(objective, optimizer, X, Y, rng, *, batch_size, epochs, evaluate=None,
               early_stopping=True, monitor="loss", patience=10, tol=1e-4, augment=None, callbacks=(),
               progress=False, verbose=False, history=None, first_epoch=1, learning_rate_decay=1.0,
               train_epoch=None):
    """Fit ``objective.network.theta`` in place; return (best_epoch, interrupted).

    ``history`` (a dict of lists) gets one entry per epoch in each list.

    ``evaluate()`` returns (validation loss, validation score) or None when there is no
    validation set; the monitored value is the validation loss (``monitor="loss"``) or minus the
    validation score (``monitor="score"``: accuracy or R^2) if there is a validation set, else the
    training objective.  With one batch of all samples and no validation set (full-batch
    gradient descent) the objective of each step is R at the parameters before that step, so
    the parameters are kept and compared before the step: "stop when R fails to decrease" then
    restores exactly the parameters with the lowest R.  With minibatches it is the mean of the
    epoch's minibatch objectives, taken while the parameters moved.
    A callback ``cb(record)`` that returns True stops the fit.  The
    learning rate of the k-th epoch of this call is rho * learning_rate_decay^k (slow learning).
    ``train_epoch(rng)``, if given, takes all the steps of an epoch at once (a CUDA graph,
    ``engine.cuda_graph``) and returns the sum of n_batch R_batch over them.
    """
    network = objective.network
    theta, grad = network.theta, network.grad
    stopper = EarlyStopping(theta, patience, tol)
    interrupted = stop = False
    rho = optimizer.learning_rate
    exact = evaluate is None and batch_size >= X.shape[0]
    gd = getattr(optimizer, "full_batch", False) and batch_size >= X.shape[0]  # GradientDescent
    # its first step is judged only when R is not random (no dropout masks, no augmentation)
    steady = augment is None and not any(getattr(layer, "rate", 0) for layer in network.layers)
    _check_state_lengths(optimizer, theta)
    earlier = history.get("train_objective", [])[:1] if history and first_epoch > 1 else []
    start = limit = first_gd = None
    bar = tqdm(total=epochs, desc="epochs", unit="epoch", disable=not progress, leave=True)
    epoch = first_epoch - 1
    pace = fit_threads()  # BLAS threads: the usable cores, fewer on a busy machine
    try:
        for epoch in range(first_epoch, first_epoch + epochs):
            optimizer.learning_rate = rho * learning_rate_decay ** (epoch - first_epoch)
            started, total = time.perf_counter(), 0.0
            batches = () if train_epoch is not None else minibatches(
                X, Y, batch_size, rng, augment, network.backend)
            for Xb, Yb in batches:
                pace()
                value = objective.value_and_grad(Xb, Yb, True, rng)
                if not math.isfinite(value):
                    raise _diverged(f"the objective became {value}", epoch, optimizer.learning_rate)
                if limit is None:
                    start = max([value, *(v for v in earlier if math.isfinite(v))])
                    limit = GROWTH * (abs(start) + 1)
                if value > limit:
                    raise _diverged(f"the objective grew from {start:.4g} to {value:.4g} (past "
                                    f"{GROWTH:g} x (start + 1))", epoch, optimizer.learning_rate)
                if gd and first_gd is None:
                    first_gd = value
                elif gd and steady and epoch == first_epoch + 1 \
                        and value > first_gd * (1 + 1e-4) + tol:
                    raise _diverged(f"full-batch gradient descent's first step raised R from "
                                    f"{first_gd:.6g} to {value:.6g}", epoch - 1,
                                    optimizer.learning_rate)
                if exact:
                    stop = stopper.update(value, theta, epoch - 1) and early_stopping
                optimizer.step(theta, grad)
                total += value * Xb.shape[0]
            if train_epoch is not None:  # a whole epoch at once (a CUDA graph): judged by its mean
                if limit is None:  # R on a first batch at the starting parameters, dropout off
                    value = float(objective.value_and_grad(X[:batch_size], Y[:batch_size], False))
                    start = max([value, *(v for v in earlier if math.isfinite(v))])
                    limit = GROWTH * (abs(start) + 1)
                total = train_epoch(rng)
                mean = total / X.shape[0]
                if not math.isfinite(mean):
                    raise _diverged(f"the objective became {mean}", epoch, optimizer.learning_rate)
                if mean > limit:
                    raise _diverged(f"the epoch's mean objective grew from {start:.4g} to "
                                    f"{mean:.4g} (past {GROWTH:g} x (start + 1))", epoch,
                                    optimizer.learning_rate)
            if not network.backend.xp.isfinite(theta).all():  # the epoch's last step overflowed
                raise _diverged("the parameters became NaN or infinite", epoch,
                                optimizer.learning_rate)
            record = {"epoch": epoch, "train_objective": total / X.shape[0]}
            scores = evaluate() if evaluate is not None else None
            if scores is not None:
                record["val_loss"], record["val_score"] = scores
            record["seconds"] = time.perf_counter() - started
            if not exact:
                if "val_loss" not in record:
                    monitored = record["train_objective"]
                else:
                    monitored = record["val_loss"] if monitor == "loss" else -record["val_score"]
                stop = stopper.update(monitored, theta, epoch) and early_stopping
            if report(record, history, bar, verbose, callbacks) or stop:
                break
    except KeyboardInterrupt:
        warnings.warn(f"fit interrupted in epoch {epoch}; keeping the best parameters so far",
                      RuntimeWarning)
        interrupted = True
    finally:
        pace.close()
        bar.close()
        optimizer.learning_rate = rho
    restored = (early_stopping or interrupted) and stopper.best < math.inf
    if restored:
        theta[...] = stopper.best_theta
    if gd and exact and not interrupted and first_epoch == 1 and stopper.best_epoch == 0:
        warnings.warn(f"full-batch gradient descent stopped in epoch {epoch} without lowering R "
                      f"by more than tol={tol:g} (R {first_gd:.6g} at the start): the model keeps "
                      f"its random initial parameters; try a larger learning_rate (now "
                      f"{rho:g}), a smaller tol, or more epochs", RuntimeWarning)
    return (stopper.best_epoch if restored else epoch), interrupted  # the weights' epoch
