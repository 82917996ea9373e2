"""Held-out rows and the end of a fit, for the estimators (a mixin of ``_BaseMLP``).

``validation_fraction`` of the rows (stratified by class for the classifier) is held out to
monitor the fit and, with early stopping, to stop it after ``patience`` epochs without gain
and restore the best epoch's weights.  ``early_stopping="auto"`` (the regressor's default) is
on from AUTO_EARLY_STOPPING rows, as for scikit-learn's gradient boosting; below that nothing is
held out and every row is fitted for ``epochs`` epochs.  The validation loss and score are
weighted means when the fit has sample or class weights.

A fit with early stopping that uses all its epochs while the monitored value was still
improving warns with scikit-learn's ``ConvergenceWarning``; so does L-BFGS in float32 when it
ends at float32's precision (``engine.lbfgs``: R's float32 values stop changing while the
largest |dR/dtheta_j| is above GTOL, 1e-6) rather than by its gradient criterion, since the
parameters can then be 1e-1 from the minimum: the fix, dtype='float64', is named.  Not when
separation warned already (``separation``): there no minimum exists.  With ``verbose`` the
last line says why the fit ended and which epoch's weights it kept.
"""
import contextlib
import copy
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from ..engine.training import DivergenceError

AUTO_EARLY_STOPPING = 10_000


class _HoldOut:
    @contextlib.contextmanager
    def _undone_on_divergence(self, fresh):
        """A fit that diverges leaves no half-fitted model behind: a first fit leaves the
        estimator unfitted, a warm start puts back the parameters, optimizer state and history
        it started from (so a retry with a smaller learning rate starts from a sound model)."""
        optimizer = self._optimizer
        names = [n for n in optimizer.state_names if getattr(optimizer, n, None) is not None]
        saved = None if fresh else (
            copy.deepcopy(self.network_.theta), {n: copy.deepcopy(getattr(optimizer, n)) for n in names},
            getattr(optimizer, "t", None), {k: list(v) for k, v in self.history_.items()})
        try:
            yield
        except DivergenceError:
            if fresh:
                del self.network_, self.history_
            else:
                theta, states, steps, history = saved
                self.network_.theta[...] = theta
                for name in optimizer.state_names:
                    setattr(optimizer, name, states.get(name))
                if steps is not None:
                    optimizer.t = steps
                self.history_ = history
            raise

    def _resolved_early_stopping(self, n):
        """``early_stopping`` as True or False; "auto" is True from AUTO_EARLY_STOPPING rows on."""
        if isinstance(self.early_stopping, str):
            return n >= AUTO_EARLY_STOPPING
        return bool(self.early_stopping)

    def _split(self, n, y, hold_out=True):
        """Indices (train, validation) of the held-out split, or (None, None) without one.

        The split is drawn from a seed fixed at the first fit, so a warm start holds out the
        same rows (of the same data).  A classifier's split is stratified; a class whose rows
        all fell in the held-out part gets one of them back in the training part (and on data
        so small that nothing is left to hold out, there is no split)."""
        n_val = int(np.ceil(self.validation_fraction * n)) if hold_out else 0
        if n_val == 0:
            return None, None
        if n - n_val < 1:
            raise ValueError(f"{n} sample(s) are too few to hold out validation_fraction="
                             f"{self.validation_fraction}; pass validation_fraction=0 or more data")
        seed = getattr(self, "_split_seed", 0)
        if seed is None:
            warnings.warn("this model was loaded from a file that predates stored validation "
                          "splits: the warm start holds out other rows than the first fit did",
                          RuntimeWarning)
            seed = 0
        idx, labels = np.arange(n), self._stratify(y)
        try:
            train, val = train_test_split(idx, test_size=n_val, random_state=seed, stratify=labels)
        except ValueError:  # a class too small to stratify: fall back to a plain random split
            train, val = train_test_split(idx, test_size=n_val, random_state=seed)
        if labels is not None:  # every class keeps a training row: one moves back from val
            moved = [val[np.flatnonzero(labels[val] == c)[0]]
                     for c in np.setdiff1d(labels[val], labels[train])]
            if moved:
                train, val = np.concatenate([train, moved]), np.setdiff1d(val, moved)
            if val.size == 0:
                return None, None
        return train, val

    def _validation(self, X_val, Y_val, w_val, backend):
        """A function returning the (weighted) (loss, score) on the held-out rows (kept on
        ``backend``'s device; only the outputs come back for the score)."""
        if w_val is not None:
            if not w_val.sum() > 0:
                raise ValueError("every held-out row has weight 0, so the validation loss is "
                                 "undefined; give some of them a positive weight, or pass "
                                 "validation_fraction=0")
            w_val = (w_val / w_val.mean()).astype(Y_val.dtype)

        dtype = Y_val.dtype
        X_dev, Y_dev = backend.asarray(X_val, dtype), backend.asarray(Y_val, dtype)
        w_dev = None if w_val is None else backend.asarray(w_val, dtype)

        def validation():
            Z = self._outputs(X_dev)
            loss, _ = self._objective.loss(Z, Y_dev, w_dev)
            return float(loss), self._score_outputs(backend.to_numpy(Z), Y_val, w_val)

        return validation

    def _end_of_fit(self, first, early, patience, validated):
        """Warn if epochs ran out before early stopping; with verbose, say why it ended."""
        last, best = self.n_iter_, self.best_epoch_
        ran = last - first + 1
        watched = ("training objective" if not validated else
                   "validation loss" if self.monitor == "loss" else "validation score")
        settled = last - best >= patience
        if self.interrupted_:
            why = f"interrupted (Ctrl-C) after epoch {last}"
        elif ran < self.epochs and early and settled:
            why = (f"stopped after epoch {last}: the {watched} gained no more than "
                   f"tol={self.tol:g} in {patience} epoch(s)")
        elif ran < self.epochs:
            why = f"stopped by a callback after epoch {last}"
        else:
            why = f"ran all {self.epochs} epochs (epochs={self.epochs})"
        if early or self.interrupted_:
            kept = (f"restored the weights of epoch {best}, the best {watched}" if best else
                    f"restored the initial weights (epoch 0), the best {watched}")
        else:
            kept = f"kept the last epoch's weights (epoch {last}; no early stopping)"
        if early and ran == self.epochs and not settled and not self.interrupted_:
            warnings.warn(ConvergenceWarning(
                f"{type(self).__name__} used all its epochs (epochs={self.epochs}) while the "
                f"{watched} was still improving (best at epoch {best}); {kept}.  Allow more "
                "epochs, raise learning_rate, or set early_stopping=False for a fixed number "
                "of epochs"))
        if self.verbose:
            print(f"{why}; {kept}", flush=True)

    def _end_of_lbfgs(self, status, early, separated=False, gradient=None):
        """Warn if L-BFGS used all its iterations before converging, or stopped at float32's
        precision (unless ``separated`` warned already: then more precision only goes further
        out); with verbose, say why it ended and which iteration's parameters it kept."""
        last, best = self.n_iter_, self.best_epoch_
        dtype = np.dtype(self.network_.dtype).name
        largest = "" if gradient is None else f", its largest |gradient| still {gradient:.1e}"
        why = {"converged": f"L-BFGS converged in iteration {last}",
               "precision": f"L-BFGS stopped in iteration {last} at {dtype}'s precision: R "
                            f"could be lowered no further{largest}",
               "max_iter": f"L-BFGS ran all {self.epochs} iterations (epochs={self.epochs}) "
                           "without converging",
               "stopped": f"L-BFGS stopped after iteration {last}" + (
                   f": the validation {self.monitor} gained no more than tol={self.tol:g} in "
                   f"{self.patience} iteration(s)" if early and last - best >= self.patience
                   else " (a callback)"),
               "interrupted": f"interrupted (Ctrl-C) after iteration {last}"}[status]
        kept = (f"restored the parameters of iteration {best}, the best validation {self.monitor}"
                if best != last else f"kept the last iteration's parameters (iteration {last})")
        if status == "max_iter" and not (early and last - best >= self.patience):
            warnings.warn(ConvergenceWarning(
                f"{type(self).__name__} with optimizer='lbfgs' used all its iterations "
                f"(epochs={self.epochs}) before converging; {kept}.  Allow more epochs" + (
                    ", or add a ridge penalty (unpenalized, separable classes have no finite "
                    "fit)" if hasattr(self, "classes_") and not np.any(self.ridge) else "")))
        if status == "precision" and dtype == "float32" and not separated:
            warnings.warn(ConvergenceWarning(
                f"{type(self).__name__} with optimizer='lbfgs' stopped at float32's precision "
                f"in iteration {last}: R no longer changes in float32{largest} (float64 goes "
                "on to below 1e-9), so the parameters are R's minimum only to float32's "
                "precision, which on correlated columns can leave them 1e-1 from it; fit with "
                "dtype='float64' for the minimum (without hidden layers and penalties: the "
                "maximum-likelihood estimate)"))
        if self.verbose:
            print(f"{why}; {kept}", flush=True)
