"""The engine objects behind an estimator (a mixin of ``_BaseMLP``): the network, the objective
and the optimizer built from the hyperparameters, refreshed with what may change between fits,
and the check that a warm start continues the same network.
"""
import numpy as np

from ..backends.numpy_backend import default_backend
from ..engine.placement import move_to
from ..engine.network import mlp
from ..engine.objective import Objective
from ..engine.optimizers import make_optimizer
from .validation import memory_bytes


class _Build:
    def _build(self, n_in, n_out, hidden, dropout, dtype, backend=default_backend):
        widths = [n_in, *hidden, n_out]
        n_params = sum((a + 1) * b for a, b in zip(widths[:-1], widths[1:]))
        needed = 2 * n_params * np.dtype(dtype).itemsize  # theta and its gradient
        if needed > memory_bytes():
            raise ValueError(f"hidden_layer_sizes={hidden} makes a network of {n_params:,} "
                             f"parameters, {needed / 2**30:,.1f} GiB for them and their gradient "
                             f"alone, more than this machine's {memory_bytes() / 2**30:,.1f} GiB "
                             "of memory; choose narrower layers")
        self.network_ = mlp(n_in, hidden, n_out, self.activation, dropout, dtype, backend)
        self.network_.initialize(self._rng)
        loss = self._make_loss(n_out)(backend)
        self._objective = Objective(self.network_, loss, self.ridge, self.lasso)
        self._optimizer = make_optimizer(self.optimizer, self.learning_rate, backend,
                                         self.momentum)
        self._architecture = [list(hidden), list(dropout), dtype, self.activation, self.optimizer]

    def _refresh(self, backend=default_backend, weighted=False):
        """Apply what may change between fits: penalties, learning rate, weights or none, device."""
        move_to(backend, self.network_, self._objective.loss, self._optimizer)
        self._objective = Objective(self.network_, self._objective.loss, self.ridge, self.lasso,
                                    weighted)
        self._optimizer.learning_rate = self.learning_rate

    def _check_same_network(self, hidden, dropout, dtype):
        now = [list(hidden), list(dropout), dtype, self.activation, self.optimizer]
        before = getattr(self, "_architecture", now)
        names = ["hidden_layer_sizes", "dropout", "dtype", "activation", "optimizer"]
        for name, old, new in zip(names, before, now):
            if old != new:
                raise ValueError(f"{name} changed from {old!r} to {new!r}, but warm_start / "
                                 "partial_fit continue the fitted network; set warm_start=False "
                                 "(or make a new estimator) to fit a different one")

    def _epochs_done(self):
        return len(self.history_.get("epoch", []))
