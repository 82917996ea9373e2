"""scikit-learn estimators around the engine: ``MLPClassifier`` and ``MLPRegressor``.

Both minimize R(theta) = (1/n) sum_i L(y_i, f(x_i)) + sum_l [ridge_l ||W_l||^2 + lasso_l |W_l|_1]
(see ``_objective``) over a network Dense -> g -> Dropout -> ... -> Dense.  The classifier uses
softmax cross-entropy (sigmoid cross-entropy for two classes) on one-hot targets, the regressor
1/2 ||y - f||^2 on the target standardized to mean 0 and variance 1 (``standardize_target``).
``hidden_layer_sizes=()`` gives multinomial logistic regression or linear regression.
With ``standardize=True`` (the default) each input column is first centred and scaled by its
training mean and standard deviation, x~ = (x - mean) / sd; W_1 then acts on x~.
"""
import warnings

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted, validate_data

from ._backend import default_backend
from ._network import mlp, summary_table
from ._objective import Objective
from ._optimizers import make_optimizer
from ._training import run_epochs
from ._validation import check_params, make_rng

PREDICT_CHUNK = 8192


class _BaseMLP(BaseEstimator):
    def __init__(self, hidden_layer_sizes=(100,), *, activation="relu", dropout=0.0, ridge=0.0,
                 lasso=0.0, optimizer="adam", learning_rate=0.001, learning_rate_decay=1.0,
                 batch_size=128, epochs=200,
                 validation_fraction=0.1, early_stopping=True, monitor="loss", patience=10, tol=1e-4,
                 augment=None, callbacks=None, random_state=None, verbose=0, dtype="float32",
                 warm_start=False, standardize=True):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.dropout = dropout
        self.ridge = ridge
        self.lasso = lasso
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.learning_rate_decay = learning_rate_decay
        self.batch_size = batch_size
        self.epochs = epochs
        self.validation_fraction = validation_fraction
        self.early_stopping = early_stopping
        self.monitor = monitor
        self.patience = patience
        self.tol = tol
        self.augment = augment
        self.callbacks = callbacks
        self.random_state = random_state
        self.verbose = verbose
        self.dtype = dtype
        self.warm_start = warm_start
        self.standardize = standardize

    # --- fitting -----------------------------------------------------------------------------
    def fit(self, X, y):
        """Fit on (X, y), holding out ``validation_fraction`` of it to monitor the fit (and, with
        ``early_stopping``, to stop it).  With ``warm_start`` the fit continues from the fitted
        parameters, with the same held-out rows."""
        hidden, dropout, dtype = check_params(self)
        reuse = self.warm_start and hasattr(self, "network_")
        if reuse:
            self._check_same_network(hidden, dropout, dtype)
        X, y = validate_data(self, X, y, reset=not reuse, **self._x_kwargs(dtype), **self._y_kwargs())
        Y = self._encode_targets(y, dtype, reset=not reuse)
        if not reuse:
            self._rng = make_rng(self.random_state)
            self._split_seed = int(self._rng.integers(2**31))
        train, val = self._split(X.shape[0], y)
        X_train = self._standardized(X if val is None else X[train], reset=not reuse,
                                     owned=val is not None)
        Y_train = Y if val is None else Y[train]
        validation = None if val is None else self._validation(X[val], Y[val])
        if not reuse:
            self._build(X.shape[1], Y.shape[1], hidden, dropout, dtype)
            self.history_ = {}
        del X, Y
        self._refresh()
        full_batch = self._optimizer.full_batch
        self.best_epoch_, self.interrupted_ = run_epochs(
            self._objective, self._optimizer, X_train, Y_train, self._rng,
            batch_size=X_train.shape[0] if full_batch else self.batch_size,
            epochs=self.epochs, evaluate=validation,
            early_stopping=self.early_stopping or full_batch, monitor=self.monitor,
            learning_rate_decay=self.learning_rate_decay,
            patience=1 if full_batch and validation is None else self.patience, tol=self.tol,
            augment=self.augment, callbacks=self.callbacks or (), progress=self.verbose == 1,
            verbose=self.verbose == 2, history=self.history_, first_epoch=self._epochs_done() + 1)
        self.n_iter_ = self._epochs_done()
        return self

    def _partial_fit(self, X, y, classes=None):
        """One epoch over (X, y), no validation.  The first call fixes the input standardization
        from its batch: pass a representative first batch, or standardize=False."""
        hidden, dropout, dtype = check_params(self)
        first = not hasattr(self, "network_")
        if not first:
            self._check_same_network(hidden, dropout, dtype)
        X, y = validate_data(self, X, y, reset=first, **self._x_kwargs(dtype), **self._y_kwargs())
        Y = self._encode_targets(y, dtype, reset=first, classes=classes)
        X = self._standardized(X, reset=first, owned=False)
        if first:
            self._rng = make_rng(self.random_state)
            self._split_seed = int(self._rng.integers(2**31))
            self._build(X.shape[1], Y.shape[1], hidden, dropout, dtype)
            self.history_ = {}
        self._refresh()
        run_epochs(self._objective, self._optimizer, X, Y, self._rng, batch_size=self.batch_size,
                   epochs=1, early_stopping=False, history=self.history_,
                   first_epoch=self._epochs_done() + 1)
        self.n_iter_ = self._epochs_done()
        return self

    def _build(self, n_in, n_out, hidden, dropout, dtype):
        self.network_ = mlp(n_in, hidden, n_out, self.activation, dropout, dtype, default_backend)
        self.network_.initialize(self._rng)
        loss = self._make_loss(n_out)(default_backend)
        self._objective = Objective(self.network_, loss, self.ridge, self.lasso)
        self._optimizer = make_optimizer(self.optimizer, self.learning_rate, default_backend)
        self._architecture = [list(hidden), list(dropout), dtype, self.activation, self.optimizer]

    def _refresh(self):
        """Apply hyperparameters that may change between fits: penalties, learning rate."""
        self._objective = Objective(self.network_, self._objective.loss, self.ridge, self.lasso)
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

    def _split(self, n, y):
        """Indices (train, validation) of the held-out split, or (None, None) without one.

        The split is drawn from a seed fixed at the first fit, so a warm start holds out the
        same rows (of the same data)."""
        n_val = int(np.ceil(self.validation_fraction * n))
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
        idx = np.arange(n)
        try:
            return train_test_split(idx, test_size=n_val, random_state=seed,
                                    stratify=self._stratify(y))
        except ValueError:  # a class too small to stratify: fall back to a plain random split
            return train_test_split(idx, test_size=n_val, random_state=seed)

    def _validation(self, X_val, Y_val):
        """A function returning (loss, score) on the held-out part, standardized like the rest."""
        X_val = self._standardized(X_val, reset=False, owned=True)

        def validation():
            Z = self._forward(X_val)
            loss, _ = self._objective.loss(Z, Y_val)
            return loss, self._score_outputs(Z, Y_val)

        return validation

    def _epochs_done(self):
        return len(self.history_.get("epoch", []))

    # --- prediction --------------------------------------------------------------------------
    def _forward(self, X):
        """Output-layer values Z = f's linear part on X, by chunks, dropout off."""
        chunks = [self.network_.forward(X[i:i + PREDICT_CHUNK])[0]
                  for i in range(0, X.shape[0], PREDICT_CHUNK)]
        return np.concatenate(chunks) if len(chunks) != 1 else chunks[0]

    def _validated_X(self, X):
        check_is_fitted(self, "network_")
        X = validate_data(self, X, reset=False, **self._x_kwargs(self.network_.dtype))
        return self._standardized(X, reset=False)

    def _prepared(self, X, y):
        """(X, y) as the fitted network sees them: standardized inputs, encoded targets."""
        return self._validated_X(X), self._encode_targets(self._check_y(y), self.network_.dtype, False)

    def _standardized(self, X, reset, owned=False):
        """x~ = (x - mean) / sd with the training part's column means and sds (sd 0 counts as 1).

        Works in place when the caller ``owned`` X (a copy made for the fit), else makes one copy.
        """
        if reset and not self.standardize:
            self._x_mean, self._x_scale = None, np.ones(X.shape[1], X.dtype)
        elif reset:
            scaler = StandardScaler()
            for i in range(0, X.shape[0], PREDICT_CHUNK):  # no float64 copy of the whole X
                scaler.partial_fit(X[i:i + PREDICT_CHUNK])
            self._x_mean = scaler.mean_.astype(X.dtype)
            self._x_scale = scaler.scale_.astype(X.dtype)
        if self._x_mean is None:
            return X
        X = np.subtract(X, self._x_mean, out=X if owned else None)
        X /= self._x_scale
        return X

    def loss_gradient(self, X, y):
        """R(theta) at the fitted parameters on (X, y), dropout off, and its gradient.

        Returns ``(objective, coef_grads, intercept_grads)`` with the gradients shaped like
        ``coefs_`` and ``intercepts_``.
        """
        X, Y = self._prepared(X, y)
        value = self._objective.value_and_grad(X, Y, train=False)
        dense = self.network_.dense
        return value, [d.dW.copy() for d in dense], [d.db.copy() for d in dense]

    def save(self, path, key=None):
        """Write the fitted model to ``path`` (no pickle; read back with ``nnfit.load``); with
        ``key`` (or NNFIT_MODEL_KEY) signed by an HMAC-SHA256 that ``load(path, key)`` checks."""
        from ._io import save
        return save(self, path, key)

    # --- inspection --------------------------------------------------------------------------
    @property
    def coefs_(self):
        """Weight matrices W_l, shape (n_in, n_out): views of the fitted parameter vector."""
        check_is_fitted(self, "network_")
        return [d.W for d in self.network_.dense]

    @property
    def intercepts_(self):
        check_is_fitted(self, "network_")
        return [d.b for d in self.network_.dense]

    @property
    def n_params_(self):
        check_is_fitted(self, "network_")
        return self.network_.n_params

    def summary(self, n_features=None, n_outputs=None):
        """Print (and return) the layer table with parameter counts.

        Before fitting, give ``n_features`` and ``n_outputs`` (e.g. 784 and 10 for MNIST)."""
        if n_features is None:
            network = self.network_ if hasattr(self, "network_") else None
            if network is None:
                raise ValueError("summary() before fit needs n_features and n_outputs")
        else:
            hidden, dropout, dtype = check_params(self)
            network = mlp(n_features, hidden, n_outputs, self.activation, dropout, dtype)
        rows, total = summary_table(network)
        lines = [f"{'layer':<22}{'output':>8}{'parameters':>14}"]
        lines += [f"{name:<22}{width:>8}{n:>14,}" for name, width, n in rows]
        lines.append(f"{'total':<22}{'':>8}{total:>14,}")
        text = "\n".join(lines)
        print(text)
        return text

    @staticmethod
    def _output_frame(values, X):
        """Predictions as a pandas Series (DataFrame for several outputs) indexed like a
        DataFrame X; as an array otherwise."""
        if not isinstance(X, pd.DataFrame):
            return values
        if values.ndim == 1:
            return pd.Series(values, index=X.index)
        return pd.DataFrame(values, index=X.index)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.random_state is None
        return tags

    @staticmethod
    def _x_kwargs(dtype):
        return {"dtype": np.dtype(dtype), "order": "C", "ensure_min_samples": 1}
