"""scikit-learn estimators around the engine: ``MLPClassifier`` and ``MLPRegressor``.

Both minimize R(theta) = sum_i w_i L(y_i, f(x_i)) / sum_i w_i + sum_l [ridge_l ||W_l||^2 +
lasso_l |W_l|_1] (see ``_objective``; w_i = 1 unless ``sample_weight`` or ``class_weight`` is
given, see ``_weights``) over a network Dense -> g -> Dropout -> ... -> Dense.  The classifier
uses softmax cross-entropy (sigmoid cross-entropy for two classes) on one-hot targets, the
regressor 1/2 ||y - f||^2 on the target standardized to mean 0 and variance 1
(``standardize_target``).  ``hidden_layer_sizes=()`` gives multinomial logistic regression or
linear regression.

Defaults, stated once here: both estimators standardize their inputs (``standardize=True``):
each column is centred and scaled by the training rows' mean and standard deviation (weighted
by ``sample_weight``, so that a weight of 2 is a repeated row), x~ = (x - mean) / sd, and W_1
acts on x~; sparse input is scaled without centring (see ``standardize``).  The regressor also
standardizes its target.  Both default to ``early_stopping="auto"``: it holds out
``validation_fraction`` and stops early only from 10,000 rows on (scikit-learn's rule for its
gradient boosting); below that every row is fitted for ``epochs`` epochs, and a ridge penalty
keeps them from fitting noise: ``ridge=1e-2`` and ``batch_size=32`` for the regressor,
``ridge=2e-3`` and ``batch_size=128`` for the classifier (the figures that chose these are in
``regressor`` and ``classifier``).  ``predict`` returns a NumPy array for any
input; a DataFrame's column names are remembered (``feature_names_in_``) and must match, in
the same order, at prediction.  A fit with early stopping that uses all its ``epochs`` while
the monitored value was still improving warns with scikit-learn's ``ConvergenceWarning``, and
so does ``optimizer="lbfgs"`` stopping at float32's precision (see ``holdout``); an unpenalized
classifier that predicts its training rows with certainty warns of separation (``separation``).

``_BaseMLP`` is the scikit-learn surface (parameters, ``fit``, ``partial_fit``, ``loss_gradient``,
``save``, tags); its mixins each do one job: ``inputs`` (validation and standardization of X),
``build`` (the network, objective and optimizer), ``device`` (outputs on the network's device),
``inspection`` (``coefs_``, ``summary``), ``holdout`` (the held-out rows, the end of a fit) and
``serialize`` (``save``: the estimator as a model file's header and arrays, and back).
"""

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.metrics import accuracy_score

from ..backends.numpy_backend import default_backend, get_backend, host_array
from ..engine.epochs import whole_epoch
from ..engine.lbfgs import LBFGS, run_lbfgs
from ..engine.training import run_epochs
from .build import _Build
from .device import _Device
from .holdout import _HoldOut
from .inputs import _Inputs
from .inspection import _Inspection
from .separation import check_separation
from .serialize import _ModelFile
from .validation import check_params, make_rng
from .weights import check_sample_weight, combine, repeats, with_weights


class _BaseMLP(_Inputs, _Build, _Device, _Inspection, _HoldOut, _ModelFile, BaseEstimator):
    def __init__(self, hidden_layer_sizes=(100,), *, activation="relu", dropout=0.0, ridge=0.0,
                 lasso=0.0, optimizer="adam", momentum=0.9, learning_rate=0.001, learning_rate_decay=1.0,
                 batch_size=128, epochs=200,
                 validation_fraction=0.1, early_stopping=True, monitor="loss", patience=10, tol=1e-4,
                 augment=None, callbacks=None, random_state=None, verbose=0, dtype="float32",
                 warm_start=False, standardize=True, device="cpu"):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.dropout = dropout
        self.ridge = ridge
        self.lasso = lasso
        self.optimizer = optimizer
        self.momentum = momentum
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
        self.device = device

    # --- fitting -----------------------------------------------------------------------------
    def fit(self, X, y, sample_weight=None):
        """Fit the network, holding out ``validation_fraction`` of the rows to monitor the fit.

        With ``early_stopping`` the fit stops after ``patience`` epochs without gain on the
        held-out rows and keeps the best epoch's weights; with ``warm_start`` it continues
        from the fitted parameters, with the same held-out rows.

        Parameters
        ----------
        X : array-like or SciPy sparse matrix (CSR/CSC) of shape (n_samples, n_features)
            Finite numbers; a DataFrame's column names are kept in ``feature_names_in_``.
        y : array-like of shape (n_samples,) (or (n_samples, n_outputs) for the regressor)
        sample_weight : array-like of shape (n_samples,), optional
            Weights w_i >= 0 of the rows in R(theta) = sum w_i L_i / sum w_i + penalties
            (multiplied by the classifier's ``class_weight``); the validation loss and score
            are weighted the same way.

        Returns
        -------
        self
        """
        hidden, dropout, dtype = check_params(self)
        if self.optimizer == "lbfgs":
            self._check_lbfgs(dropout)
        backend = get_backend(self.device)
        reuse = self.warm_start and hasattr(self, "network_")
        if reuse:
            self._check_same_network(hidden, dropout, dtype)
        X, y = self._checked_Xy(host_array(X), host_array(y), reset=not reuse)
        sample_w = check_sample_weight(sample_weight, X.shape[0])
        Y = self._encode_targets(y, dtype, reset=not reuse, weights=repeats(sample_w))
        w = combine(sample_w, self._class_weights(y, partial=False, sample_weight=sample_w))
        if not reuse:
            self._rng = make_rng(self.random_state)
            self._split_seed = int(self._rng.integers(2**31))
        stopping = self._resolved_early_stopping(X.shape[0])
        train, val = self._split(X.shape[0], y, hold_out=stopping or self.early_stopping != "auto")
        self.validation_indices_ = np.sort(val) if val is not None else np.zeros(0, np.intp)
        if not reuse:
            self._fit_scaling(X, train, repeats(sample_w))
        self._check_classes(y, w, train)
        validation = None
        if val is not None:
            validation = self._validation(self._scaled(X, val, dtype), Y[val],
                                          None if w is None else w[val], backend)
        X_train, Y_train = self._scaled(X, train, dtype), Y if train is None else Y[train]
        if w is not None:
            Y_train = with_weights(Y_train, w if train is None else w[train], dtype)
        if not reuse:
            self._build(X.shape[1], Y.shape[1], hidden, dropout, dtype, backend)
            self.history_ = {}
        del X, Y
        self._refresh(backend, weighted=w is not None)
        first = self._epochs_done() + 1
        X_train, Y_train = backend.asarray(X_train, dtype), backend.asarray(Y_train, dtype)
        if isinstance(self._optimizer, LBFGS):
            self._fit_lbfgs(X_train, Y_train, validation, stopping, first, fresh=not reuse)
            return self
        full_batch = self._optimizer.full_batch
        early = stopping or full_batch
        patience = 1 if full_batch and validation is None else self.patience
        batch_size = X_train.shape[0] if full_batch else self.batch_size
        with self._undone_on_divergence(fresh=not reuse):
            self.best_epoch_, self.interrupted_ = run_epochs(
                self._objective, self._optimizer, X_train, Y_train, self._rng,
                batch_size=batch_size, train_epoch=whole_epoch(
                    backend, self._objective, self._optimizer, X_train, Y_train, batch_size, self.augment),
                epochs=self.epochs, evaluate=validation, early_stopping=early,
                monitor=self.monitor, learning_rate_decay=self.learning_rate_decay,
                patience=patience, tol=self.tol, augment=self._augment(backend),
                callbacks=self.callbacks or (), progress=self.verbose == 1,
                verbose=self.verbose == 2, history=self.history_, first_epoch=first)
        self.n_iter_ = self._epochs_done()
        self._end_of_fit(first, early, patience, validation is not None)
        check_separation(self, X_train, Y_train)
        return self

    def _check_lbfgs(self, dropout):
        """What L-BFGS cannot do, refused before anything is fitted."""
        if any(dropout):
            raise ValueError("optimizer='lbfgs' needs R(theta) to be the same at each "
                             "evaluation, and dropout makes it random; set dropout=0, or use a "
                             "minibatch optimizer such as 'adam' with dropout")
        if self.augment is not None:
            raise ValueError("optimizer='lbfgs' fits all rows at once, without minibatches to "
                             "augment; set augment=None, or use a minibatch optimizer such as "
                             "'adam' with augment")

    def _fit_lbfgs(self, X_train, Y_train, validation, stopping, first, fresh):
        """Full-batch L-BFGS (``engine.lbfgs``): ``epochs`` is the most iterations, the history
        has one entry per iteration, early stopping watches the validation loss per iteration."""
        summary = {}
        with self._undone_on_divergence(fresh=fresh):
            self.best_epoch_, self.interrupted_, status = run_lbfgs(
                self._objective, X_train, Y_train, self._rng, max_iter=self.epochs,
                evaluate=validation, early_stopping=stopping, monitor=self.monitor,
                patience=self.patience, tol=self.tol, callbacks=self.callbacks or (),
                progress=self.verbose == 1, verbose=self.verbose == 2, history=self.history_,
                first_epoch=first, summary=summary)
        self.n_iter_ = self._epochs_done()
        separated = check_separation(self, X_train, Y_train, stacklevel=4)
        self._end_of_lbfgs(status, validation is not None and stopping, separated,
                           summary.get("gradient"))

    def _partial_fit(self, X, y, classes=None, sample_weight=None):
        """One epoch over (X, y), no validation.  The first call fixes the input standardization
        from its batch: pass a representative first batch, or standardize=False."""
        hidden, dropout, dtype = check_params(self)
        if self.optimizer == "lbfgs":
            raise ValueError("partial_fit takes minibatch steps, and optimizer='lbfgs' fits all "
                             "rows at once: use fit (warm_start=True continues a fit), or a "
                             "minibatch optimizer such as 'adam' for partial_fit")
        backend = get_backend(self.device)
        first = not hasattr(self, "network_")
        if not first:
            self._check_same_network(hidden, dropout, dtype)
        X, y = self._checked_Xy(host_array(X), host_array(y), reset=first)
        sample_w = check_sample_weight(sample_weight, X.shape[0])
        Y = self._encode_targets(y, dtype, reset=first, classes=classes, weights=repeats(sample_w))
        w = combine(sample_w, self._class_weights(y, partial=True))
        if first:
            self._fit_scaling(X, None, repeats(sample_w))
            self._rng = make_rng(self.random_state)
            self._split_seed = int(self._rng.integers(2**31))
            self._build(X.shape[1], Y.shape[1], hidden, dropout, dtype, backend)
            self.history_ = {}
        X = self._scaled(X, None, dtype)
        if w is not None:
            Y = with_weights(Y, w, dtype)
        self._refresh(backend, weighted=w is not None)
        X, Y = backend.asarray(X, dtype), backend.asarray(Y, dtype)
        with self._undone_on_divergence(fresh=first):
            _, self.interrupted_ = run_epochs(
                self._objective, self._optimizer, X, Y, self._rng, batch_size=self.batch_size,
                epochs=1, early_stopping=False, history=self.history_,
                first_epoch=self._epochs_done() + 1)
        self.n_iter_ = self._epochs_done()
        self.best_epoch_ = self.n_iter_  # the weights are the last epoch's
        self.validation_indices_ = np.zeros(0, np.intp)
        return self

    def loss_gradient(self, X, y, sample_weight=None):
        """R(theta) at the fitted parameters on (X, y), dropout off, and its gradient.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like of shape (n_samples,), optional
            Row weights (multiplied by the class weights of a classifier).

        Returns
        -------
        objective : float
        coef_grads, intercept_grads : lists of arrays
            Shaped like ``coefs_`` and ``intercepts_``.
        """
        backend, dtype = self.network_.backend, self.network_.dtype
        objective, X, Y = self.objective_inputs(X, y, sample_weight)
        if backend != default_backend:
            X, Y = backend.asarray(X, dtype), backend.asarray(Y, dtype)
        value = objective.value_and_grad(X, Y, train=False)
        dense, copy = self.network_.dense, lambda a: np.array(backend.to_numpy(a))
        return value, [copy(d.dW) for d in dense], [copy(d.db) for d in dense]

    def _accuracy(self, X, y, sample_weight=None):
        """Accuracy of ``predict`` on (X, y), weighted by ``sample_weight`` (checked as ``fit``
        checks it: negative, infinite or overflowing weights are refused): the classifier's
        ``score``."""
        return self._scored(X, y, sample_weight, accuracy_score)

    def _scored(self, X, y, sample_weight, metric, **options):
        """``metric(y, predict(X), sample_weight=w)`` with w checked as ``fit`` checks it."""
        predicted = self.predict(X)
        weights = check_sample_weight(sample_weight, len(predicted))
        return float(metric(y, predicted, sample_weight=weights, **options))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.random_state is None
        tags.input_tags.sparse = self.device == "cpu"  # the torch devices take dense X
        return tags

    # hooks the classifier overrides
    def _check_labels(self, y):
        pass

    def _class_weights(self, y, partial, sample_weight=None):
        return None

    def _check_classes(self, y, w, train):
        pass
