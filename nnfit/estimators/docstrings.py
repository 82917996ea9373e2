"""Docstring text the two estimators share, written once (numpydoc entries).

Each class docstring names a shared entry by a line ``$name`` (indented like the entries
around it); ``shared_docstring`` puts the text below in its place, so ``help()`` and the API
page show the whole docstring.
"""

ENTRIES = {
    "activation": """\
    activation : {"relu", "sigmoid", "tanh", "identity"}, default="relu"
        The activation function g of the hidden layers ("logistic" is a synonym of "sigmoid").""",
    "dropout": """\
    dropout : float or sequence of float, default=0.0
        Dropout rate phi in [0, 1) after each hidden layer, one value for all or one per hidden
        layer: during training each unit is removed with probability phi and the kept ones are
        scaled by 1/(1 - phi); prediction uses all units.""",
    "lasso": """\
    lasso : float or sequence of float, default=0.0
        Lasso penalty lambda'_l >= 0 on the weights of each layer: R(theta) gets
        ``lambda'_l * sum |W_l|``.""",
    "optimizer": """\
    optimizer : {"adam", "rmsprop", "sgd", "momentum", "nesterov", "gd", "lbfgs"}, default="adam"
        "gd" is the lecture's full-batch gradient descent, which stops when R fails to decrease;
        "lbfgs" is full-batch L-BFGS (scipy's L-BFGS-B with the backpropagated gradient): no
        learning rate, ``epochs`` iterations at most, it stops at convergence (with no hidden
        layer and no penalty: the maximum-likelihood fit), with a validation set and early
        stopping also after ``patience`` iterations without gain, and it takes no dropout,
        augmentation or ``partial_fit``; the others take one step per minibatch: "sgd" the plain
        rule theta <- theta - rho g, "momentum" and "nesterov" with ``momentum``, "rmsprop" in
        Keras's form, "adam".""",
    "momentum": """\
    momentum : float, default=0.9
        The momentum mu in [0, 1) of ``optimizer="momentum"`` and ``"nesterov"``:
        v <- mu v - rho g, theta <- theta + v (other optimizers ignore it).""",
    "learning_rate": """\
    learning_rate : float, default=0.001
        The learning rate rho > 0 of the optimizer (unused by "lbfgs", whose line search sets
        each step's length).""",
    "learning_rate_decay": """\
    learning_rate_decay : float, default=1.0
        Factor in (0, 1] applied to the learning rate after every epoch (slow learning):
        epoch k of a fit uses ``rho * learning_rate_decay ** (k - 1)``.""",
    "epochs": """\
    epochs : int, default=200
        Largest number of epochs (passes over the training rows) of one call to ``fit``; with
        ``optimizer="lbfgs"`` the largest number of iterations, one history entry each.""",
    "patience": """\
    patience : int, default=10
        Epochs without improvement before early stopping stops the fit.""",
    "tol": """\
    tol : float, default=1e-4
        Smallest decrease of the monitored value that counts as an improvement.""",
    "augment": """\
    augment : callable or None, default=None
        ``augment(X_batch, rng) -> X_batch``, applied to every training minibatch (data
        augmentation, e.g. ``nnfit.augment.augment_images``); not stored in model files.""",
    "callbacks": """\
    callbacks : list of callable or None, default=None
        Each ``cb(record)`` is called after every epoch with that epoch's record (a dict with
        ``epoch``, ``train_objective``, ``val_loss``, ``val_score``, ``seconds``); returning True
        stops the fit.  Not stored in model files.""",
    "random_state": """\
    random_state : int, numpy.random.Generator or None, default=None
        Seeds the one random generator of the fit (initialization, held-out rows, minibatch
        order, dropout masks): the same value gives the same model bit for bit on the same
        machine.""",
    "verbose": """\
    verbose : {0, 1, 2}, default=0
        0 silent, 1 a progress bar, 2 one line per epoch.""",
    "dtype": """\
    dtype : {"float32", "float64"}, default="float32"
        Precision of the parameters and computations; use "float64" for gradient checks.""",
    "warm_start": """\
    warm_start : bool, default=False
        If True, ``fit`` continues from the fitted parameters (and optimizer state; "lbfgs" keeps
        none and starts a fresh curvature memory) with the same held-out rows instead of
        starting afresh.""",
    "standardize": """\
    standardize : bool, default=True
        Centre and scale every input column by its training mean and standard deviation before
        the first layer (a column with standard deviation 0 is only centred), weighted by
        ``sample_weight`` when given, so that a weight of 2 fits as a repeated row.  Use False
        for inputs already on a common scale, such as pixels in [0, 1].""",
    "device": """\
    device : {"cpu", "torch-cpu", "cuda", "cuda:N", "mps"}, default="cpu"
        Where the arrays live and the arithmetic runs: "cpu" is NumPy; the others use PyTorch
        (``pip install 'nnfit[torch]'``) on the CPU, an NVIDIA GPU (the first, or number N) or
        an Apple GPU.  Sparse input stays on NumPy.  Predictions and fitted attributes are
        NumPy arrays in every case.""",
    "coefs_": """\
    coefs_ : list of ndarray
        The weight matrices W_l, shape (n_in, n_out), input layer first: views of the fitted
        parameter vector (``coefs_[0][j, k]`` is the lecture's w_kj).""",
    "intercepts_": """\
    intercepts_ : list of ndarray
        The biases b_l (the w_k0 and beta_0), views of the same vector.""",
    "n_params_": """\
    n_params_ : int
        Number of weights and biases.""",
    "history_": """\
    history_ : dict of list
        One entry per epoch: ``epoch``, ``train_objective`` and, with a validation set,
        ``val_loss`` and ``val_score``, and ``seconds``.""",
    "best_epoch_": """\
    best_epoch_ : int
        The epoch whose parameters were kept (early stopping restores them).""",
    "validation_indices_": """\
    validation_indices_ : ndarray of int
        Positions (0-based, sorted) of the rows of the last ``fit`` held out to monitor it;
        empty when none were (``partial_fit``, ``validation_fraction=0``, or
        ``early_stopping="auto"`` below 10,000 rows).  Not stored in model files.""",
    "n_iter_": """\
    n_iter_ : int
        Number of epochs run, over all calls to ``fit``/``partial_fit`` of a warm start.""",
    "interrupted_": """\
    interrupted_ : bool
        True if the fit was stopped by Ctrl-C (the best parameters so far are kept).""",
    "network_": """\
    network_ : nnfit.Sequential
        The fitted network: its layers, ``theta`` (all parameters) and ``grad``.""",
    "n_features_in_": """\
    n_features_in_ : int
        Number of input columns seen in ``fit``.""",
    "feature_names_in_": """\
    feature_names_in_ : ndarray of str
        Column names, when ``fit`` got a DataFrame with string column names.""",
}


FITTED = ["coefs_", "intercepts_", "n_params_", "history_", "best_epoch_", "validation_indices_",
          "n_iter_", "interrupted_", "network_", "n_features_in_", "feature_names_in_"]
ENTRIES["fitted_attributes"] = "\n".join(ENTRIES[name] for name in FITTED)


def shared_docstring(cls):
    """Class decorator: replace each line ``    $name`` of the docstring by ``ENTRIES[name]``."""
    lines = []
    for line in cls.__doc__.splitlines():
        name = line.strip()[1:] if line.strip().startswith("$") else None
        lines.append(ENTRIES[name] if name in ENTRIES else line)
    cls.__doc__ = "\n".join(lines)
    return cls
