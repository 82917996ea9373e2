"""``MLPRegressor``: identity output and the squared-error loss 1/2 ||y - f(x)||^2, or with
``loss="poisson"`` the log link mu = exp(f(x)) and the Poisson deviance, for counts and rates.

For counts over an exposure (person-years, population) take scikit-learn's convention: y =
count / exposure and ``sample_weight`` = exposure, which gives the likelihood of the counts with
a log(exposure) offset.  The Poisson target is scaled by its (weighted) mean instead of
standardized (mu/mean fits y/mean with the same deviance up to that factor, and the output bias
starts at log(1) = 0, the mean's own log); ``score`` is then D^2, the share of the deviance
explained, as scikit-learn's ``PoissonRegressor``.

By default the target is standardized before fitting, y~ = (y - mean) / sd per output, and
predictions are mapped back, f(x) = mean + sd * f~(x): the network then fits numbers of order
one whatever the target's units (Salary in thousands, diabetes progression in the hundreds).
R(theta) and ``loss_gradient`` are in the standardized units.  Several outputs are allowed.
The mean and sd are computed in float64 on y divided by its largest |y|, so targets near 1e200
standardize without overflow; a target too close to float64's limit to be mapped back is refused.
The inputs are standardized as for the classifier; the defaults that differ from the
classifier's (``early_stopping="auto"``, ``ridge=1e-2``, ``batch_size=32``) and the figures that
chose them are here.  They were chosen by 5-fold CV on the training parts of Hitters (175 rows,
the ``nnfit hitters`` split) and of scikit-learn's diabetes data (331 rows), 2 seeds, for (100,)
units and for (50,) units with dropout 0.4; CV MAE on Hitters / CV R^2 on diabetes:

    old defaults (early stopping, ridge 0, batch 128)   260.5 / 0.353   256.5 / 0.484
    early stopping, batch 32, patience 20               247.6 / 0.419   229.5 / 0.509
    no early stopping, ridge 0, batch 128               232.4 / 0.475   219.7 / 0.516
    no early stopping, ridge 1e-2, batch 128            214.3 / 0.514   219.0 / 0.516
    no early stopping, ridge 1e-2, batch 32             199.0 / 0.534   203.1 / 0.535

(the ``nnfit hitters`` network, rmsprop for 300 epochs: 201.6 / 0.521).  On 18 held-out Hitters
rows early stopping mostly stops on noise (seed 0 stopped at epoch 10, test MAE 406).
``optimizer="lbfgs"`` with the same ridge, fitted to convergence, gives a CV R^2 of 0.576 on all
263 Hitters rows and 0.484 on diabetes (``bench/defaults.py``, 5 folds, one seed) against 0.562 and
0.494 at the defaults, in 4 times the time: not a better default.
"""
import numpy as np
from sklearn.base import RegressorMixin
from sklearn.metrics import d2_tweedie_score, r2_score
from sklearn.utils.validation import check_array

from .base import _BaseMLP
from .docstrings import shared_docstring
from ..engine.losses import PoissonDeviance, SquaredError

LOSSES = {"squared_error": SquaredError, "poisson": PoissonDeviance}


@shared_docstring
class MLPRegressor(RegressorMixin, _BaseMLP):
    """Multilayer network regressor fitted by explicit backpropagation (ISLR2 chapter 10).

    The network computes A^(0) = X, A^(l) = g(A^(l-1) W_l + b_l) for each hidden layer (with
    dropout while training) and f(X) = A^(L-1) W_L + b_L; with one hidden layer this is the
    lecture's f(X) = beta_0 + sum_k beta_k g(w_k0 + sum_j w_kj X_j).  Fitting minimizes::

        R(theta) = (1/n) sum_i w_i (1/2) ||y_i - f(x_i)||^2 + sum_l [ridge_l sum W_l^2 + lasso_l sum |W_l|]

    (w_i the sample weights, 1 unless ``sample_weight`` says otherwise) by minibatch stochastic
    gradient descent with early stopping on a held-out part of the rows.  By default the target
    is standardized first, y~ = (y - mean) / sd, and predictions are mapped back, so the network
    fits numbers of order one whatever the target's units; R(theta) and ``loss_gradient`` are
    then in the standardized units.  Several outputs (a 2-D y) are allowed.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(100,)
        Width K_l of each hidden layer, input side first: ``(256, 128)`` is the lecture's MNIST
        network.  ``()`` gives no hidden layer: linear regression (Poisson regression with
        ``loss="poisson"``).
    loss : {"squared_error", "poisson"}, default="squared_error"
        1/2 (y - f(x))^2 with an identity output, or the Poisson deviance with the log link
        mu(x) = exp(f(x)) for counts y >= 0 (for counts over an exposure: y = count /
        exposure with ``sample_weight`` = exposure, a log(exposure) offset).
    $activation
    $dropout
    ridge : float or sequence of float, default=0.01
        Ridge penalty lambda_l >= 0 on the weights of each layer (hidden and output, one value
        for all or one per layer): R(theta) gets ``lambda_l * sum W_l^2``.  Biases are not
        penalized.  The default, unlike the classifier's 0, was chosen by cross-validation on
        small tables (see the module docstring); pass 0 for none.
    $lasso
    $optimizer
    $momentum
    $learning_rate
    $learning_rate_decay
    batch_size : int, default=32
        Rows per minibatch; an epoch takes ceil(n / batch_size) steps.  (The classifier's 128
        would give a table of a few hundred rows only 2 or 3 steps per epoch.)
    $epochs
    validation_fraction : float, default=0.1
        Share of the rows of ``fit`` held out (at random) to compute the validation loss
        and score after each epoch; 0 for none.
    early_stopping : bool or "auto", default="auto"
        Stop when the monitored value has not improved by more than ``tol`` for ``patience``
        epochs, and restore the parameters of the best epoch.  Without a validation set the
        training objective is monitored.  "auto" stops early (and holds out
        ``validation_fraction`` of the rows) only from 10,000 rows on; smaller data are fitted
        for ``epochs`` epochs on all rows.
    monitor : {"loss", "score"}, default="loss"
        What early stopping watches: the validation loss, or the validation score
        (R^2).
    $patience
    $tol
    $augment
    $callbacks
    $random_state
    $verbose
    $dtype
    $warm_start
    $standardize
    standardize_target : bool, default=True
        Fit the network to the target standardized by its training mean and standard deviation
        (per output, weighted by ``sample_weight`` when given) and map predictions back.
    $device

    Attributes
    ----------
    $fitted_attributes

    See Also
    --------
    MLPClassifier : the same network with a softmax output and the cross-entropy loss.
    nnfit.gradcheck : checks the backpropagated gradient against finite differences.
    nnfit.load : reads a model written by ``save``.

    Notes
    -----
    ``fit(X, y, sample_weight=None)`` fits from scratch (or continues, with ``warm_start``);
    ``partial_fit(X, y, sample_weight=None)`` runs one epoch; ``predict`` returns a NumPy array;
    ``score`` is R^2; ``loss_gradient(X, y)`` returns R(theta) and its gradient at the fitted
    parameters; ``summary()`` prints the layer table; ``save(path)`` writes a model file.  X may
    be an array, a DataFrame of numbers or a SciPy sparse matrix.  A fit that runs all its
    ``epochs`` without stopping early warns with a ``ConvergenceWarning``.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from nnfit import MLPRegressor
    >>> X, y = load_diabetes(return_X_y=True)
    >>> model = MLPRegressor(hidden_layer_sizes=(10,), random_state=0).fit(X[:300], y[:300])
    >>> model.n_params_                     # (10 + 1) * 10 + (10 + 1) * 1
    121
    >>> model.predict(X[300:303]).shape
    (3,)
    """

    def __init__(self, hidden_layer_sizes=(100,), *, loss="squared_error", activation="relu", dropout=0.0, ridge=1e-2,
                 lasso=0.0, optimizer="adam", momentum=0.9, learning_rate=0.001, learning_rate_decay=1.0,
                 batch_size=32, epochs=200,
                 validation_fraction=0.1, early_stopping="auto", monitor="loss", patience=10, tol=1e-4,
                 augment=None, callbacks=None, random_state=None, verbose=0, dtype="float32",
                 warm_start=False, standardize=True, standardize_target=True, device="cpu"):
        params = dict(locals())
        del params["self"], params["__class__"], params["standardize_target"], params["loss"]
        super().__init__(**params)
        self.loss = loss
        self.standardize_target = standardize_target

    def partial_fit(self, X, y, sample_weight=None):
        """One epoch over (X, y), continuing from the current parameters.

        Parameters
        ----------
        X : array-like or SciPy sparse matrix of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like of shape (n_samples,), optional

        Returns
        -------
        self
        """
        return self._partial_fit(X, y, sample_weight=sample_weight)

    def predict(self, X):
        """Predicted targets f(x) in the units of y.

        Parameters
        ----------
        X : array-like or SciPy sparse matrix of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_outputs)
            A NumPy array whatever the type of X.
        """
        X_valid = self._validated_X(X)
        Y = self._forward(X_valid, output=True).astype(np.float64) * self._target_scale + self._target_mean
        if not np.isfinite(Y).all():
            raise ValueError("the predictions overflow float64 in the units of y; refit with "
                             "y in other units (e.g. divided by a power of 10)")
        return Y[:, 0] if self._target_ndim == 1 else Y

    def score(self, X, y, sample_weight=None):
        """R^2 of the predictions (D^2, the share of Poisson deviance explained, with
        ``loss="poisson"``), weighted by ``sample_weight`` (checked as in ``fit``)."""
        if self.loss != "poisson":
            return self._scored(X, y, sample_weight, r2_score)
        return self._scored(X, y, sample_weight, d2_tweedie_score, power=1)

    # --- hooks of _BaseMLP -------------------------------------------------------------------
    def _y_kwargs(self):
        return {"multi_output": True, "y_numeric": True}

    def _check_y(self, y):
        return check_array(y, ensure_2d=False, dtype=np.float64)

    def _encode_targets(self, y, dtype, reset, classes=None, weights=None):
        """y standardized by its (sample-weighted, with ``weights``) mean and sd per output."""
        Y = np.asarray(y, dtype=np.float64).reshape(y.shape[0], -1)
        if self.loss == "poisson":
            return self._encode_counts(np.ndim(y), Y, dtype, reset, weights)
        if reset:
            self._target_ndim = np.ndim(y)
            top = np.abs(Y).max(axis=0)
            top[top == 0] = 1.0
            if weights is None:
                mean, sd = (Y / top).mean(axis=0) * top, (Y / top).std(axis=0) * top
            else:
                mean = np.average(Y / top, axis=0, weights=weights)
                sd = np.sqrt(np.average((Y / top - mean) ** 2, axis=0, weights=weights)) * top
                mean = mean * top
            if not self.standardize_target:
                mean, sd = np.zeros(Y.shape[1]), np.ones(Y.shape[1])
            if not np.all(np.isfinite(np.abs(mean) + 1e3 * sd)):
                raise ValueError("y's values come within a factor 1000 of float64's largest "
                                 "number, too close to map the predictions back; fit y in other "
                                 "units (e.g. divided by a power of 10)")
            self._target_mean, self._target_scale = mean, np.where(sd > 0, sd, 1.0)
        if Y.shape[1] != self._target_mean.shape[0]:
            raise ValueError(f"y has {Y.shape[1]} outputs but the model was fitted with "
                             f"{self._target_mean.shape[0]}")
        Y = (Y - self._target_mean) / self._target_scale
        limit = np.finfo(dtype).max
        if np.abs(Y).max(initial=0) > limit:
            i, j = np.unravel_index(np.argmax(np.abs(Y)), Y.shape)
            raise ValueError(f"y's value in row {i} is {Y[i, j]:.3g} once standardized by y's "
                             f"mean {self._target_mean[j]:.3g} and sd {self._target_scale[j]:.3g}"
                             + (" (weighted: the rows of positive weight may hold nearly one "
                                "value)" if weights is not None and self.standardize_target else "") + f", beyond the range "
                             f"of {np.dtype(dtype).name} (largest {limit:.3g}); fit with "
                             "dtype='float64'" + (", or leave that row out" if
                                                  self.standardize_target else
                                                  ", or set standardize_target=True"))
        return Y.astype(dtype)

    def _encode_counts(self, ndim, Y, dtype, reset, weights):
        """y >= 0 divided by its (weighted) training mean per output, for the Poisson loss."""
        negative = np.flatnonzero((Y < 0).any(axis=1))
        if negative.size:
            raise ValueError(f"loss='poisson' needs counts or rates y >= 0; row(s) "
                             f"{negative[:5].tolist()} hold negative values (e.g. "
                             f"{Y[negative[0]].min():g}); check the target column")
        if reset:
            self._target_ndim = ndim
            mean = np.average(Y, axis=0, weights=weights)
            if not np.all(mean > 0):
                raise ValueError("loss='poisson' needs some y > 0 (every count is 0, so the "
                                 "fitted mean would be 0, with log mean -infinity)")
            scale = mean if self.standardize_target else np.ones(Y.shape[1])
            self._target_mean, self._target_scale = np.zeros(Y.shape[1]), scale
        if Y.shape[1] != self._target_mean.shape[0]:
            raise ValueError(f"y has {Y.shape[1]} outputs but the model was fitted with "
                             f"{self._target_mean.shape[0]}")
        return (Y / self._target_scale).astype(dtype)

    def _make_loss(self, n_out):
        if self.loss not in LOSSES:
            raise ValueError(f"loss must be one of {list(LOSSES)}, got {self.loss!r}")
        return LOSSES[self.loss]

    def _stratify(self, y):
        return None

    def _score_outputs(self, Z, Y, w=None):
        """R^2 (weighted by ``w``) of the outputs Z against the standardized targets Y (D^2 of
        the means exp(Z) with ``loss="poisson"``)."""
        if len(Y) < 2:
            return float("nan")
        if self.loss == "poisson":
            return float(np.mean([d2_tweedie_score(Y[:, j], np.exp(Z[:, j]), sample_weight=w,
                                                   power=1) for j in range(Y.shape[1])]))
        return float(r2_score(Y, Z, sample_weight=w))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
