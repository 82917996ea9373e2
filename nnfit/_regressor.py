"""``MLPRegressor``: identity output and the squared-error loss 1/2 ||y - f(x)||^2.

By default the target is standardized before fitting, y~ = (y - mean) / sd per output, and
predictions are mapped back, f(x) = mean + sd * f~(x): the network then fits numbers of order
one whatever the target's units (Salary in thousands, diabetes progression in the hundreds).
R(theta) and ``loss_gradient`` are in the standardized units.  Several outputs are allowed.
Unlike the classifier, the inputs are used as given by default (``standardize=False``): with
features already on a common scale, as in scikit-learn's diabetes data, standardizing them
lets the network overfit 300 samples within a few epochs (test R^2 0.2 instead of 0.37).
"""
import numpy as np
from sklearn.base import RegressorMixin
from sklearn.metrics import r2_score
from sklearn.utils.validation import check_array

from ._estimators import _BaseMLP
from ._losses import SquaredError


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
        network.  ``()`` gives no hidden layer: linear regression.
    activation : {"relu", "sigmoid", "tanh", "identity"}, default="relu"
        The activation function g of the hidden layers ("logistic" is a synonym of "sigmoid").
    dropout : float or sequence of float, default=0.0
        Dropout rate phi in [0, 1) after each hidden layer, one value for all or one per hidden
        layer: during training each unit is removed with probability phi and the kept ones are
        scaled by 1/(1 - phi); prediction uses all units.
    ridge : float or sequence of float, default=0.0
        Ridge penalty lambda_l >= 0 on the weights of each layer (hidden and output, one value
        for all or one per layer): R(theta) gets ``lambda_l * sum W_l^2``.  Biases are not
        penalized.
    lasso : float or sequence of float, default=0.0
        Lasso penalty lambda'_l >= 0 on the weights of each layer: R(theta) gets
        ``lambda'_l * sum |W_l|``.
    optimizer : {"adam", "rmsprop", "sgd", "nesterov", "gd"}, default="adam"
        "gd" is the lecture's full-batch gradient descent, which stops when R fails to decrease;
        the others take one step per minibatch ("sgd" and "nesterov" with momentum 0.9,
        "rmsprop" in Keras's form).
    learning_rate : float, default=0.001
        The learning rate rho > 0 of the optimizer.
    learning_rate_decay : float, default=1.0
        Factor in (0, 1] applied to the learning rate after every epoch (slow learning):
        epoch k of a fit uses ``rho * learning_rate_decay ** (k - 1)``.
    batch_size : int, default=128
        Rows per minibatch; an epoch takes ceil(n / batch_size) steps.
    epochs : int, default=200
        Largest number of epochs (passes over the training rows) of one call to ``fit``.
    validation_fraction : float, default=0.1
        Share of the rows of ``fit`` held out (at random) to compute the validation loss
        and score after each epoch; 0 for none.
    early_stopping : bool, default=True
        Stop when the monitored value has not improved by more than ``tol`` for ``patience``
        epochs, and restore the parameters of the best epoch.  Without a validation set the
        training objective is monitored.
    monitor : {"loss", "score"}, default="loss"
        What early stopping watches: the validation loss, or the validation score
        (R^2).
    patience : int, default=10
        Epochs without improvement before early stopping stops the fit.
    tol : float, default=1e-4
        Smallest decrease of the monitored value that counts as an improvement.
    augment : callable or None, default=None
        ``augment(X_batch, rng) -> X_batch``, applied to every training minibatch (data
        augmentation, e.g. ``nnfit.augment.augment_images``); not stored in model files.
    callbacks : list of callable or None, default=None
        Each ``cb(record)`` is called after every epoch with that epoch's record (a dict with
        ``epoch``, ``train_objective``, ``val_loss``, ``val_score``, ``seconds``); returning True
        stops the fit.  Not stored in model files.
    random_state : int, numpy.random.Generator or None, default=None
        Seeds the one random generator of the fit (initialization, held-out rows, minibatch
        order, dropout masks): the same value gives the same model bit for bit on the same
        machine.
    verbose : {0, 1, 2}, default=0
        0 silent, 1 a progress bar, 2 one line per epoch.
    dtype : {"float32", "float64"}, default="float32"
        Precision of the parameters and computations; use "float64" for gradient checks.
    warm_start : bool, default=False
        If True, ``fit`` continues from the fitted parameters (and optimizer state) with the same
        held-out rows instead of starting afresh.
    standardize : bool, default=True
        Centre and scale every input column by its training mean and standard deviation before
        the first layer (a column with standard deviation 0 is only centred).  Use False for
        inputs already on a common scale, such as pixels in [0, 1].
    standardize_target : bool, default=True
        Fit the network to the target standardized by its training mean and standard deviation
        (per output) and map predictions back.
    device : {"cpu", "torch-cpu", "cuda", "mps"}, default="cpu"
        Where the arrays live and the arithmetic runs: "cpu" is NumPy; the others use PyTorch
        (installed separately) on the CPU, an NVIDIA GPU or an Apple GPU.  Predictions and
        fitted attributes are NumPy arrays in every case.

    Attributes
    ----------
    coefs_ : list of ndarray
        The weight matrices W_l, shape (n_in, n_out), input layer first: views of the fitted
        parameter vector (``coefs_[0][j, k]`` is the lecture's w_kj).
    intercepts_ : list of ndarray
        The biases b_l (the w_k0 and beta_0), views of the same vector.
    n_params_ : int
        Number of weights and biases.
    history_ : dict of list
        One entry per epoch: ``epoch``, ``train_objective`` and, with a validation set,
        ``val_loss`` and ``val_score``, and ``seconds``.
    best_epoch_ : int
        The epoch whose parameters were kept (early stopping restores them).
    n_iter_ : int
        Number of epochs run, over all calls to ``fit``/``partial_fit`` of a warm start.
    interrupted_ : bool
        True if the fit was stopped by Ctrl-C (the best parameters so far are kept).
    network_ : nnfit.Sequential
        The fitted network: its layers, ``theta`` (all parameters) and ``grad``.
    n_features_in_ : int
        Number of input columns seen in ``fit``.
    feature_names_in_ : ndarray of str
        Column names, when ``fit`` got a DataFrame with string column names.

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

    def __init__(self, hidden_layer_sizes=(100,), *, activation="relu", dropout=0.0, ridge=0.0,
                 lasso=0.0, optimizer="adam", learning_rate=0.001, learning_rate_decay=1.0,
                 batch_size=128, epochs=200,
                 validation_fraction=0.1, early_stopping=True, monitor="loss", patience=10, tol=1e-4,
                 augment=None, callbacks=None, random_state=None, verbose=0, dtype="float32",
                 warm_start=False, standardize=False, standardize_target=True):
        params = dict(locals())
        del params["self"], params["__class__"], params["standardize_target"]
        super().__init__(**params)
        self.standardize_target = standardize_target

    def partial_fit(self, X, y):
        """One epoch over (X, y), continuing from the current parameters."""
        return self._partial_fit(X, y)

    def predict(self, X):
        X_valid = self._validated_X(X)
        Y = self._forward(X_valid) * self._target_scale + self._target_mean
        return self._output_frame(Y[:, 0] if self._target_ndim == 1 else Y, X)

    # --- hooks of _BaseMLP -------------------------------------------------------------------
    def _y_kwargs(self):
        return {"multi_output": True, "y_numeric": True}

    def _check_y(self, y):
        return check_array(y, ensure_2d=False, dtype=np.float64)

    def _encode_targets(self, y, dtype, reset, classes=None):
        Y = np.asarray(y, dtype=np.float64).reshape(y.shape[0], -1)
        if reset:
            self._target_ndim = np.ndim(y)
            self._target_mean = Y.mean(axis=0) if self.standardize_target else np.zeros(Y.shape[1])
            scale = Y.std(axis=0) if self.standardize_target else np.ones(Y.shape[1])
            self._target_scale = np.where(scale > 0, scale, 1.0)
        if Y.shape[1] != self._target_mean.shape[0]:
            raise ValueError(f"y has {Y.shape[1]} outputs but the model was fitted with "
                             f"{self._target_mean.shape[0]}")
        return ((Y - self._target_mean) / self._target_scale).astype(dtype)

    def _make_loss(self, n_out):
        return SquaredError

    def _stratify(self, y):
        return None

    def _score_outputs(self, Z, Y):
        return float(r2_score(Y, Z)) if len(Y) > 1 else float("nan")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
