"""The MNIST results table of ISLR2 section 10.7, refitted with nnfit.

Protocol of the book: a 784-256-128-10 ReLU network with softmax output (235,146 parameters),
cross-entropy loss, RMSprop, minibatches of 128, up to 30 epochs with 20 % of the 60,000
training images held out for validation (early stopping on the validation loss, best weights
restored), tested on the 10,000 test images.  Rows:

- ridge:    a ridge penalty on the two hidden layers' weights;  this row and the next start
            RMSprop at 2e-3 and decay the learning rate by 10 % an epoch (slow learning);
- dropout:  dropout 0.4 after the first hidden layer, 0.3 after the second; early stopping
            watches the validation error here (the validation loss stops too soon, see below);
- logistic: the same engine with no hidden layer (multinomial logistic regression);
- lda:      scikit-learn's LinearDiscriminantAnalysis on the raw pixels;
- augment:  (not in the book) dropout plus random shifts, rotations, scalings and elastic
            distortions of each minibatch, on a wider network trained for up to 100 epochs.
"""
import functools
import time
import warnings

import numpy as np
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.exceptions import ConvergenceWarning

from ..estimators.classifier import MLPClassifier
from .augment import augment_images

#: The book's test errors (%) of each row (ISLR2 Table 10.1); None for the row it does not have.
BOOK = {"ridge": 2.3, "dropout": 1.8, "logistic": 7.2, "lda": 12.7, "augment": None}
#: Each row's name in the printed table.
TITLES = {
    "ridge": "Neural network + ridge",
    "dropout": "Neural network + dropout",
    "logistic": "Multinomial logistic regression",
    "lda": "Linear discriminant analysis",
    "augment": "Neural network + dropout + augmentation",
}
DEFAULT_ROWS = ["ridge", "dropout", "logistic", "lda"]

# Chosen on the 12,000 validation images only, never on the test set.  Figures are validation
# errors (%) for random_state 0 / 1 / 2 / 3 in that order (as many as were run; the mean in
# brackets where all four were), one process at a time, 2 BLAS threads.
#
# Current choices (RMSprop with eps under the square root, as Keras has it; see _optimizers):
#   RMSprop's form, dropout row, 2e-3 decaying 0.9, best epoch: eps after the square root
#               (PyTorch's form, used until then): 1.65 / 1.73 / 1.90 / 1.78 (1.77); eps under it
#               (Keras's): 1.64 / 1.66 / 1.81 / 1.67 (1.70)  ->  Keras's form.  At 1e-3 decaying
#               0.95: 1.81 / 1.82 / 1.83 / 1.84 (1.83) against 1.80 / 1.79 / 1.71 / 1.83 (1.78).
#   ridge row, at the epoch restored by the validation loss, lambda 1e-4: constant 1e-3: the
#               loss bottoms out early (2.26 at epoch 4 / 1.81); 2e-3 decaying 0.9: 1.66 / 1.53 /
#               1.69; the same watching the error: 1.63 / 1.53 / 1.62; constant 1e-3 watching the
#               error: 2.04 / 1.77 / 1.91  ->  2e-3 decaying 0.9, still stopped on the validation
#               loss as in the book.  Lambda with that schedule: 3e-5: 1.73 / 1.63, 1e-4: 1.66 /
#               1.53, 3e-4: 1.73 / 1.60  ->  1e-4.
#   dropout row: the validation loss bottoms out around epoch 7 while the error keeps falling
#               to epoch 25-30, so this row stops on the validation error (monitor="score").
#
# Earlier, with eps after the square root (same seeds unless stated):
#   patience:   5 stops too soon on RMSprop's noisy validation loss (dropout, 1e-3: 2.38 at
#               epoch 7, against 1.94 at epoch 14 with patience 10), so patience = 10.
#   ridge lambda, constant 1e-3: 1e-5: 2.42 / -, 1e-4: 2.02 / 1.84, 3e-4: 1.89 / 1.98,
#               1e-3: 2.11 / -.
#   dropout row, learning rate and decay per epoch, 30 epochs in full, best epoch:
#               1e-3, 0.95: 1.81 / 1.82 / 1.83 / 1.84 (1.83)   1e-3, 0.9:  1.88 / 1.97 / - / -
#               2e-3, 0.9:  1.65 / 1.73 / 1.90 / 1.78 (1.77)   2e-3, 0.85: 1.70 / 1.91 / - / -
#               3e-3, 0.9:  1.69 / 1.73 / 1.89 / 1.73 (1.76)   3e-3, 0.85: 1.79 / 1.84 / - / -
#               Tried and dropped: averaging the weights (mean of the last 5 or 10 epochs', or
#               a moving average over steps with decay 0.99 to 0.9995; 2e-3, 0.9: 1.63 to 1.82
#               against 1.65 to 1.90), scaling the pixels to mean 0, sd 1 as a whole (1.76 /
#               1.79 / 1.86 / 2.04), Keras's Glorot-uniform initialization instead of He-normal
#               (1.74 / 1.86 / 1.78 / 1.79), standardizing each pixel (5e-4: 2.54 against 1.86).
#   Test errors of that version, seed 0: ridge 2.04, dropout 1.93 (1.91 +- 0.05 over seeds 0-4).
#: Ridge penalty lambda of the ridge row on both hidden layers' weights.
RIDGE = 1e-4
#: Learning rate and its decay per epoch of the ridge and dropout rows (slow learning).
SCHEDULE = dict(learning_rate=2e-3, learning_rate_decay=0.9)  # ridge and dropout rows
#: The book's protocol, common to every network row: RMSprop, minibatches of 128, 30 epochs,
#: 20 % held out, early stopping.
PROTOCOL = dict(optimizer="rmsprop", learning_rate=0.001, batch_size=128, epochs=30,
                validation_fraction=0.2, early_stopping=True, patience=10, standardize=False,
                ridge=0.0)  # every setting pinned: the table does not move with the defaults
# Augmentation row (one run is 6-14 minutes, so little was tried): Simard et al.'s elastic sigma 4
# with a milder alpha (20, not 34, since the affine part adds its own distortion), a wider
# network, lighter dropout.  Best validation error, seed 0: constant learning rate, up to 60
# epochs, patience 15: 1.13 (stopped at 41); learning rate decaying 3 % an epoch, up to 100
# epochs, patience 20: 0.70 (epoch 86)  ->  the latter.
# (Chosen with eps after RMSprop's square root; rerun with Keras's form: 0.52 at epoch 93.)
#: The distortions of the augmentation row (``augment_images`` keyword arguments).
AUGMENT = dict(shift=2.0, rotate=10.0, scale=0.1, elastic_alpha=20.0, elastic_sigma=4.0)


def network(row, epochs=None, seed=0, progress=False, device="cpu"):
    """The unfitted ``MLPClassifier`` of one row of the table, with the book's protocol.

    Parameters
    ----------
    row : {"ridge", "dropout", "logistic", "augment"}
        The row ("lda" is scikit-learn's, see :func:`fit_row`).
    epochs : int, optional
        At most this many epochs instead of the protocol's 30 (100 for "augment").
    seed : int, default=0
        The estimator's ``random_state``.
    progress : bool, default=False
        Show a progress bar while fitting (``verbose=1``).
    device : str, default="cpu"
        The estimator's ``device``.

    Returns
    -------
    MLPClassifier
        For "dropout", ``MLPClassifier((256, 128), dropout=(0.4, 0.3), optimizer="rmsprop",
        learning_rate=2e-3, learning_rate_decay=0.9, batch_size=128, epochs=30,
        validation_fraction=0.2, early_stopping=True, patience=10, monitor="score",
        standardize=False, random_state=seed)``.

    Examples
    --------
    >>> from nnfit import mnist_table
    >>> model = mnist_table.network("dropout")
    >>> model.hidden_layer_sizes, model.dropout, model.optimizer, model.learning_rate
    ((256, 128), (0.4, 0.3), 'rmsprop', 0.002)
    >>> mnist_table.network("ridge").ridge
    [0.0001, 0.0001, 0.0]
    """
    params = dict(PROTOCOL, random_state=seed, verbose=1 if progress else 0, device=device)
    if row == "ridge":
        params.update(hidden_layer_sizes=(256, 128), ridge=[RIDGE, RIDGE, 0.0], **SCHEDULE)
    elif row == "dropout":
        params.update(hidden_layer_sizes=(256, 128), dropout=(0.4, 0.3), monitor="score",
                      **SCHEDULE)
    elif row == "logistic":
        params.update(hidden_layer_sizes=())
    elif row == "augment":
        params.update(hidden_layer_sizes=(800, 800), dropout=(0.3, 0.3), epochs=100, patience=20,
                      monitor="score", learning_rate_decay=0.97,
                      augment=functools.partial(augment_images, **AUGMENT))
    else:
        raise ValueError(f"unknown row {row!r}; choose from {list(TITLES)}")
    if epochs is not None:
        params["epochs"] = epochs
    return MLPClassifier(**params)


def fit_row(row, X_train, y_train, X_test, y_test, epochs=None, seed=0, progress=False,
            device="cpu"):
    """Fit one row; return (result dict, fitted model).  A fit that Ctrl-C stopped raises
    KeyboardInterrupt: its few epochs are no row of the table."""
    start = time.perf_counter()
    if row == "lda":
        model = LinearDiscriminantAnalysis().fit(X_train, y_train)
        n_params, epochs_run, hyper = None, None, {"solver": "svd", "fitted_on": "all training images"}
    else:
        with warnings.catch_warnings():
            # the book's protocol is "up to 30 epochs": running them all is the protocol, not a
            # fit that failed to converge; the report gives each row's epochs and best epoch
            warnings.simplefilter("ignore", ConvergenceWarning)
            model = network(row, epochs, seed, progress, device).fit(X_train, y_train)
        if model.interrupted_:  # Ctrl-C stopped the fit: no row of the table, the run stops
            raise KeyboardInterrupt
        n_params, epochs_run = model.n_params_, model.n_iter_
        hyper = {k: v for k, v in model.get_params().items() if k not in ("augment", "callbacks")}
        if row == "augment":
            hyper["augment"] = AUGMENT
    seconds = time.perf_counter() - start
    error = float(np.mean(model.predict(X_test) != y_test))
    best = getattr(model, "best_epoch_", None)
    val_error = 100 * (1 - model.history_["val_score"][best - 1]) if best else None
    result = {"row": row, "method": TITLES[row], "test_error": 100 * error, "book_error": BOOK[row],
              "validation_error": val_error, "epochs": epochs_run, "best_epoch": best,
              "seconds": seconds, "n_params": n_params, "hyperparameters": hyper}
    return result, model


def fit_seed(row, X_train, y_train, X_test, y_test, epochs=None, seed=0, progress=False,
              keep_model=True, **options):
    """``fit_row`` (with any further ``options``) as one task of ``nnfit mnist --jobs``: the
    fitted model travels back to the caller only when ``keep_model`` (the figures need one per
    row, the spread over seeds only the errors)."""
    result, model = fit_row(row, X_train, y_train, X_test, y_test, epochs, seed, progress,
                            **options)
    return result, model if keep_model else None


def quick_subset(X_train, y_train, X_test, y_test, n_train=6000, n_test=1000, seed=0):
    """A stratified-by-chance random subset for smoke tests."""
    rng = np.random.default_rng(seed)
    tr = rng.choice(len(y_train), n_train, replace=False)
    te = rng.choice(len(y_test), n_test, replace=False)
    return X_train[tr], y_train[tr], X_test[te], y_test[te]
