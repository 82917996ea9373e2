"""The steps of ``nnfit fit``: read the table, check the names the user typed, fit with early
stopping on the validation rows, refit on all rows.

Early stopping: after each epoch the validation loss is computed on the held-out rows, in the
units of the library's own ``val_loss`` (1/2 the mean squared error of the standardized target,
or the mean cross-entropy); the parameters of the best epoch are kept, and ``patience`` epochs
without a gain larger than ``tol`` end the fit.  The best epoch's count b is then used to refit
the same network on all rows for exactly b epochs (``--no-refit`` keeps the early-stopped fit).
"""
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss
from sklearn.model_selection import train_test_split

from ..tabular.preprocess import is_numeric_column, names, rows
from ..tabular.models import closest

MAX_CLASSES_AUTO = 10
# pandas 3 parses CSV numbers exactly by default; pandas 2's default parser may miss by an ulp
EXACT_FLOATS = {} if int(pd.__version__.split(".")[0]) >= 3 else {"float_precision": "round_trip"}
PARAM_OPTIONS = {"hidden_layer_sizes": "--hidden", "learning_rate": "--learning-rate",
                 "batch_size": "--batch-size", "class_weight": "--class-weight",
                 "random_state": "--seed", "epochs": "--epochs", "dropout": "--dropout",
                 "ridge": "--ridge", "lasso": "--lasso", "patience": "--patience"}


def read_table(path):
    """The table at ``path``, its rows labelled 1, 2, ... in file order (header not counted)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no data file at {path}")
    if path.suffix.lower() in (".parquet", ".pq"):
        try:
            frame = pd.read_parquet(path)
        except ImportError:
            raise ValueError("reading Parquet needs pyarrow: pip install pyarrow, or give a "
                             "CSV file") from None
        except (ValueError, OSError) as error:
            raise ValueError(f"{path} is not a readable Parquet file ({error}); check the file, "
                             "or give a CSV file") from None
    else:
        frame = _read_csv(path)
    if frame.empty:
        raise ValueError(f"{path} has no data rows")
    frame.columns = [str(c) for c in frame.columns]
    return frame.set_axis(pd.RangeIndex(1, len(frame) + 1))


def _read_csv(path):
    advice = ("check that it is a comma-separated text table with a header line, saved as UTF-8 "
              "(not a spreadsheet, a compressed or another binary file)")
    try:
        return pd.read_csv(path, **EXACT_FLOATS)
    except UnicodeDecodeError:
        raise ValueError(f"{path} is not a readable CSV file: it is not UTF-8 text (a binary "
                         f"file, or another encoding?); {advice}") from None
    except pd.errors.EmptyDataError:
        raise ValueError(f"{path} is empty: give a CSV file with a header line and data "
                         "rows") from None
    except pd.errors.ParserError as error:
        raise ValueError(f"{path} is not a readable CSV file ({str(error).strip()}); "
                         f"{advice}") from None


def check_names(frame, option, wanted):
    """Each of ``wanted`` must be a column; else the columns and the closest name."""
    for name in wanted:
        if name not in frame.columns:
            raise ValueError(f"{option} {name}: no such column{closest(name, frame.columns)}; "
                             f"the columns are {names(frame.columns)}")


def drop_missing(frame, columns):
    """The rows with no missing value in ``columns`` (--drop-missing), saying how many went."""
    gone = frame[columns].isna().any(axis=1)
    if gone.any():
        print(f"dropped {int(gone.sum())} row(s) with missing values ({rows(frame.index[gone])}),"
              f" {int((~gone).sum())} left", file=sys.stderr)
    if gone.all():
        raise ValueError("every row has a missing value; nothing is left to use")
    return frame[~gone]


def infer_task(target):
    if not is_numeric_column(target):
        return "classification"
    values = target.dropna().to_numpy(np.float64)
    whole = np.all(values == np.round(values))
    return "classification" if whole and target.nunique() <= MAX_CLASSES_AUTO else "regression"


def target_values(target, task):
    missing = target.isna().to_numpy()
    if missing.any():
        raise ValueError(f"the target column {target.name!r} has missing values in "
                         f"{rows(target.index[missing])}; drop those rows (--drop-missing)")
    if task == "classification":
        return target if is_numeric_column(target) or target.dtype == bool else target.astype(str)
    values = pd.to_numeric(target, errors="coerce")
    bad = np.flatnonzero(values.isna().to_numpy() | ~np.isfinite(values.to_numpy(np.float64)))
    if bad.size:
        raise ValueError(f"column {target.name!r}, {rows(target.index[bad[:1]])}: "
                         f"{target.iloc[bad[0]]!r} is not a finite number, but regression needs "
                         "a numeric target; use --task classification for labels")
    return values.astype(np.float64)


def split_rows(frame, y, task, fraction, seed):
    """(training rows, validation rows), stratified by class when every class allows it."""
    if fraction == 0:
        return frame, frame.iloc[:0]
    stratify = y if task == "classification" and y.value_counts().min() >= 2 else None
    try:
        return train_test_split(frame, test_size=fraction, random_state=seed, stratify=stratify)
    except ValueError:  # too few rows per class for the validation size: a plain split
        return train_test_split(frame, test_size=fraction, random_state=seed)


class ValidationStop:
    """Callback of the fit: the validation loss after each epoch, the best parameters kept, a
    stop after ``patience`` epochs without a gain larger than ``tol`` (module docstring)."""

    def __init__(self, model, val, y_val, y_train, task, patience, tol, epochs, quiet):
        self.model, self.val, self.y_val, self.task = model, val, np.asarray(y_val), task
        self.patience, self.tol, self.epochs, self.quiet = patience, tol, epochs, quiet
        self.var = float(np.var(np.asarray(y_train, np.float64))) if task == "regression" else 1
        self.best, self.best_epoch, self.best_theta, self.wait, self.Z = np.inf, 0, None, 0, None
        self.last = 0

    def __call__(self, record):
        estimator = self.model.estimator_
        if self.Z is None:
            self.Z = self.model._design(self.val)
        if self.task == "regression":
            error = self.y_val - estimator.predict(self.Z)
            loss = 0.5 * float(np.mean(error ** 2)) / (self.var or 1.0)
            score = f"MAE {np.mean(np.abs(error)):.4g}"
        else:
            P = estimator.predict_proba(self.Z)
            loss = float(log_loss(self.y_val, P, labels=estimator.classes_))
            accuracy = np.mean(estimator.classes_[P.argmax(axis=1)] == self.y_val)
            score = f"accuracy {accuracy:.4f}"
        self.last = record["epoch"]
        if loss < self.best - self.tol:
            self.best, self.best_epoch, self.wait = loss, record["epoch"], 0
            self.best_theta = np.array(estimator.network_.theta, copy=True)
        else:
            self.wait += 1
        if not self.quiet:
            print(f"epoch {record['epoch']:>4}/{self.epochs}  training objective "
                  f"{record['train_objective']:.4f}  validation loss {loss:.4f}  {score}",
                  flush=True)
        return self.wait >= self.patience

    def restore(self):
        """Put the best epoch's parameters back into the fitted network."""
        estimator = self.model.estimator_
        estimator.network_.theta[...] = self.best_theta
        estimator.best_epoch_ = self.best_epoch


def fit_quietly(model, frame, y):
    """Fit where the command line, not the estimator, decides the number of epochs."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(frame, y)
    if getattr(model.estimator_, "interrupted_", False):
        raise KeyboardInterrupt
    return model


def option_names(error):
    """A library ValueError with the command line's option names (``--epochs 0``, not
    ``epochs=0``)."""
    text = str(error)
    for param, option in PARAM_OPTIONS.items():
        text = text.replace(f"{param}=", f"{option} ")
    return ValueError(text)
