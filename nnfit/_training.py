"""The training loop: epochs of shuffled minibatches, early stopping, history.

One epoch draws a fresh permutation of the n training samples and takes ceil(n / batch_size)
steps theta <- optimizer(theta, dR_batch/dtheta), each on the next ``batch_size`` samples of the
permutation (n/128 ~ 469 steps for MNIST's 60,000 images).  After each epoch the monitored
value (the validation loss or error, or else the training objective) is compared with the
best so far; ``patience`` epochs without an improvement larger than ``tol`` stop the fit and
the best parameters are restored.  Ctrl-C stops cleanly the same way.
"""
import math
import time
import warnings

from tqdm.auto import tqdm


class DivergenceError(ValueError, FloatingPointError):
    """The objective became NaN or infinite during the fit."""


class EarlyStopping:
    """Keeps a copy of the best parameters and says when ``patience`` epochs brought no gain."""

    def __init__(self, theta, patience, tol):
        self.patience, self.tol = patience, tol
        self.best, self.best_epoch, self.best_theta, self.wait = math.inf, 0, theta.copy(), 0

    def update(self, value, theta, epoch):
        if value < self.best - self.tol:
            self.best, self.best_epoch, self.wait = value, epoch, 0
            self.best_theta[...] = theta
        else:
            self.wait += 1
        return self.wait >= self.patience


def minibatches(X, Y, batch_size, rng, augment=None):
    """Yield (X_batch, Y_batch) over one shuffled pass; batches are gathered into reused buffers.

    A batch of all n samples is the data itself: no shuffle, no copy."""
    n = X.shape[0]
    if batch_size >= n:
        yield (augment(X, rng) if augment is not None else X), Y
        return
    order = rng.permutation(n)
    X_buffer = X[:batch_size].copy()
    Y_buffer = Y[:batch_size].copy()
    for start in range(0, n, batch_size):
        idx = order[start:start + batch_size]
        Xb, Yb = X_buffer[:len(idx)], Y_buffer[:len(idx)]
        # mode="clip" (idx, a permutation, is always in range): with the default "raise"
        # NumPy gathers into a temporary and copies it into ``out``, twice the time
        X.take(idx, axis=0, out=Xb, mode="clip")
        Y.take(idx, axis=0, out=Yb, mode="clip")
        yield (augment(Xb, rng) if augment is not None else Xb), Yb


def run_epochs(objective, optimizer, X, Y, rng, *, batch_size, epochs, evaluate=None,
               early_stopping=True, monitor="loss", patience=10, tol=1e-4, augment=None, callbacks=(),
               progress=False, verbose=False, history=None, first_epoch=1, learning_rate_decay=1.0):
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
    """
    network = objective.network
    theta, grad = network.theta, network.grad
    stopper = EarlyStopping(theta, patience, tol)
    interrupted = stop = False
    rho = optimizer.learning_rate
    exact = evaluate is None and batch_size >= X.shape[0]
    bar = tqdm(total=epochs, desc="epochs", unit="epoch", disable=not progress, leave=False)
    epoch = first_epoch - 1
    try:
        for epoch in range(first_epoch, first_epoch + epochs):
            optimizer.learning_rate = rho * learning_rate_decay ** (epoch - first_epoch)
            start, total = time.perf_counter(), 0.0
            for Xb, Yb in minibatches(X, Y, batch_size, rng, augment):
                value = objective.value_and_grad(Xb, Yb, True, rng)
                if not math.isfinite(value):
                    raise DivergenceError(
                        f"the objective became {value} in epoch {epoch} with learning_rate="
                        f"{optimizer.learning_rate:g}: the fit diverged; try a smaller learning "
                        f"rate, e.g. learning_rate={optimizer.learning_rate / 10:g}, or scale the inputs"
                    )
                if exact:
                    stop = stopper.update(value, theta, epoch - 1) and early_stopping
                optimizer.step(theta, grad)
                total += value * Xb.shape[0]
            record = {"epoch": epoch, "train_objective": total / X.shape[0]}
            scores = evaluate() if evaluate is not None else None
            if scores is not None:
                record["val_loss"], record["val_score"] = scores
            record["seconds"] = time.perf_counter() - start
            for key, value in record.items():
                history.setdefault(key, []).append(value)
            if not exact:
                if "val_loss" not in record:
                    monitored = record["train_objective"]
                else:
                    monitored = record["val_loss"] if monitor == "loss" else -record["val_score"]
                stop = stopper.update(monitored, theta, epoch) and early_stopping
            bar.update(1)
            bar.set_postfix({k: f"{v:.4g}" for k, v in record.items() if k != "epoch"})
            if verbose:
                print(", ".join(f"{k} {v:.5g}" for k, v in record.items()), flush=True)
            if any(cb(record) for cb in callbacks) or stop:
                break
    except KeyboardInterrupt:
        warnings.warn(f"fit interrupted in epoch {epoch}; keeping the best parameters so far",
                      RuntimeWarning)
        interrupted = True
    finally:
        bar.close()
        optimizer.learning_rate = rho
    if (early_stopping or interrupted) and stopper.best < math.inf:
        theta[...] = stopper.best_theta
    return stopper.best_epoch, interrupted
