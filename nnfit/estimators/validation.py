"""Checks of the estimators' hyperparameters, run at the start of ``fit`` (scikit-learn's contract:
``__init__`` only stores).  Each error says which parameter is wrong, what it got, and what it takes.
"""
import contextlib
import math
import numbers
import os

import numpy as np

from ..engine.activations import ACTIVATIONS
from ..engine.optimizers import OPTIMIZERS
from ..engine.penalties import per_layer


def _fail(name, value, expected):
    raise ValueError(f"{name}={value!r} is invalid: {expected}")


def _int(name, value, low):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        _fail(name, value, f"expected an integer >= {low}")
    return int(value)


def _real(name, value, low, high=np.inf, high_open=False):
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and low <= value
    ok = ok and (value < high if high_open else value <= high) and math.isfinite(value)
    if not ok:
        bracket = ")" if high_open else "]"
        high = "inf" if high == np.inf else high
        _fail(name, value, f"expected a finite number in [{low}, {high}{bracket}")
    return float(value)


def _bool(name, value, extra=()):
    if not (isinstance(value, (bool, np.bool_)) or any(value is e or (
            isinstance(value, str) and value == e) for e in extra)):
        choices = " or ".join(["True", "False", *map(repr, extra)])
        _fail(name, value, f"expected {choices}")


def check_params(est):
    """Validated copies of the hyperparameters the fit uses (hidden sizes, dropout rates, dtype)."""
    hidden = est.hidden_layer_sizes
    if isinstance(hidden, str) or not (isinstance(hidden, numbers.Integral) or np.iterable(hidden)):
        _fail("hidden_layer_sizes", hidden, "expected a sequence of layer widths, e.g. (256, 128)")
    hidden = (hidden,) if isinstance(hidden, numbers.Integral) else tuple(hidden)
    hidden = tuple(_int("hidden_layer_sizes", h, 1) for h in hidden)
    for name in ("ridge", "lasso"):
        per_layer(getattr(est, name), len(hidden) + 1, name)
    if not isinstance(est.activation, str):
        _fail("activation", est.activation, f"choose one of {sorted(ACTIVATIONS)}")
    if not isinstance(est.optimizer, str):
        _fail("optimizer", est.optimizer, f"choose one of {sorted(OPTIMIZERS)}")
    _bool("early_stopping", est.early_stopping, ("auto",))
    _bool("warm_start", est.warm_start)
    _bool("standardize", est.standardize)
    if hasattr(est, "standardize_target"):
        _bool("standardize_target", est.standardize_target)
    callbacks = est.callbacks
    if callbacks is not None and (not isinstance(callbacks, (list, tuple)) or not all(
            callable(cb) for cb in callbacks)):
        _fail("callbacks", callbacks, "expected a list of functions cb(record) -> bool")
    seed = est.random_state
    if not (seed is None or isinstance(seed, (
            numbers.Integral, np.random.Generator, np.random.RandomState, np.random.SeedSequence))
            ) or isinstance(seed, bool):
        _fail("random_state", seed, "expected None, an int >= 0 or a numpy Generator")
    if isinstance(seed, numbers.Integral) and not 0 <= seed < 2**128:
        _fail("random_state", seed, "expected an integer seed >= 0 (and below 2**128)")
    if hasattr(est, "class_weight") and not (
            est.class_weight is None or isinstance(est.class_weight, dict)
            or isinstance(est.class_weight, str) and est.class_weight == "balanced"):
        _fail("class_weight", est.class_weight, "expected None, 'balanced' or a dict "
              "{label: weight}")
    if est.activation not in ACTIVATIONS:
        _fail("activation", est.activation, f"choose one of {sorted(ACTIVATIONS)}")
    if est.optimizer not in OPTIMIZERS:
        _fail("optimizer", est.optimizer, f"choose one of {sorted(OPTIMIZERS)}")
    dropout = est.dropout
    if isinstance(dropout, numbers.Real):
        dropout = [dropout] * len(hidden)
    elif isinstance(dropout, str) or not np.iterable(dropout):
        _fail("dropout", dropout, "expected a rate in [0, 1), or one rate per hidden layer")
    dropout = [_real("dropout", d, 0.0, 1.0, high_open=True) for d in dropout]
    if len(dropout) != len(hidden):
        _fail("dropout", est.dropout, f"give one rate or one per hidden layer ({len(hidden)})")
    _real("learning_rate", est.learning_rate, 0.0)
    if not 0 < est.learning_rate < np.inf:
        _fail("learning_rate", est.learning_rate, "expected a finite number > 0")
    _real("momentum", est.momentum, 0.0, 1.0, high_open=True)
    _real("learning_rate_decay", est.learning_rate_decay, 0.0, 1.0)
    if est.learning_rate_decay == 0:
        _fail("learning_rate_decay", 0.0, "expected a number in (0, 1]: the factor per epoch")
    _int("batch_size", est.batch_size, 1)
    _int("epochs", est.epochs, 1)
    _int("patience", est.patience, 1)
    if not isinstance(est.monitor, str) or est.monitor not in ("loss", "score"):
        _fail("monitor", est.monitor, "choose 'loss' (validation loss) or 'score' (accuracy or R^2)")
    _real("tol", est.tol, 0.0)
    _real("validation_fraction", est.validation_fraction, 0.0, 1.0, high_open=True)
    if not isinstance(est.dtype, (str, type, np.dtype)) or est.dtype not in (
            "float32", "float64", np.float32, np.float64):
        _fail("dtype", est.dtype, "choose 'float32' or 'float64'")
    if not isinstance(est.verbose, numbers.Integral) or est.verbose not in (0, 1, 2):
        _fail("verbose", est.verbose, "choose 0 (silent), 1 (progress bar) or 2 (a line per epoch)")
    if est.augment is not None and not callable(est.augment):
        _fail("augment", est.augment, "expected None or a function (X_batch, rng) -> X_batch")
    return hidden, dropout, np.dtype(est.dtype).name


def make_rng(random_state):
    """One ``numpy.random.Generator`` for the whole fit from None, an int, a Generator or a RandomState."""
    if isinstance(random_state, np.random.RandomState):
        random_state = random_state.randint(np.iinfo(np.int32).max)
    return np.random.default_rng(random_state)


@contextlib.contextmanager
def input_errors_said_clearly(X):
    """NumPy's messages for ragged rows and for text among numbers, said in the user's terms."""
    try:
        yield
    except ValueError as error:
        if "inhomogeneous" in str(error) or "with a sequence" in str(error):
            raise ValueError("X and y must be rectangular: X one row of numbers per sample, "
                             "every row with the same number of columns, y one value per "
                             "sample; some rows here have a different length or hold "
                             "sequences") from None
        if "could not convert" not in str(error):
            raise
        names = getattr(X, "columns", None)
        cells = np.asarray(X, dtype=object)
        for (row, column), value in np.ndenumerate(cells.reshape(len(cells), -1)):
            try:
                float(value)
            except (TypeError, ValueError):
                name = repr(names[column]) if names is not None else column
                raise ValueError(f"X[{row}, {name}] is {value!r}, not a number: encode text "
                                 "columns first (nnfit.TabularClassifier / TabularRegressor "
                                 "one-hot encode them)") from None
        raise


def memory_bytes():
    """The machine's physical memory (bytes); unknown counts as unlimited."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return float("inf")
