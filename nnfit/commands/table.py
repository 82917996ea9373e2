"""``nnfit fit | predict | evaluate``: networks on the user's own CSV (or Parquet) tables.

``fit`` holds out a validation part of the rows, learns the preprocessing step on the rest
(standardized numeric columns, one-hot categorical ones: ``nnfit._preprocess``), fits an
``MLPClassifier`` or ``MLPRegressor`` for a fixed number of epochs while printing each epoch's
training objective and validation score, reports on the validation rows (never used in the
fit) and saves preprocessing and network in one ``.nnfit`` file (``nnfit._io``).  ``predict``
and ``evaluate`` replay the saved preprocessing on new rows.
"""
import argparse
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from .._classifier import MLPClassifier
from .._io import load
from .._preprocess import (TabularModel, TabularPreprocessor, check_columns,
                           is_numeric_column, missing_counts)
from .._regressor import MLPRegressor

MAX_CLASSES_AUTO = 10
ROWS_NOTE = "Rows in messages are numbered from 1, the header line not counted."


def register(subparsers):
    fmt = argparse.ArgumentDefaultsHelpFormatter
    fit = subparsers.add_parser(
        "fit", formatter_class=fmt, help="fit a network to a CSV/Parquet table and save it",
        description="Fit a network predicting one column of a table from the others: numeric "
                    "columns are standardized, text and true/false columns one-hot encoded. "
                    "A validation part of the rows is held out and reported on. " + ROWS_NOTE)
    fit.add_argument("data", help="training data: a .csv file, or .parquet (needs pyarrow)")
    fit.add_argument("--target", required=True, metavar="COLUMN", default=argparse.SUPPRESS,
                     help="the column to predict (required)")
    fit.add_argument("--task", choices=["auto", "classification", "regression"], default="auto",
                     help="auto: classification for text/true-false targets and for whole "
                          f"numbers with at most {MAX_CLASSES_AUTO} distinct values, else "
                          "regression")
    fit.add_argument("--hidden", default="64,32", type=_hidden,
                     help="hidden layer widths, comma-separated; 'none' for no hidden layer "
                          "(multinomial logistic / linear regression)")
    fit.add_argument("--activation", default="relu", choices=["relu", "sigmoid", "tanh"],
                     help="activation g of the hidden units")
    fit.add_argument("--dropout", type=float, default=0.2, help="dropout rate of each hidden layer")
    fit.add_argument("--ridge", type=float, default=1e-4, help="ridge penalty on the weights")
    fit.add_argument("--lasso", type=float, default=0.0, help="lasso penalty on the weights")
    fit.add_argument("--optimizer", default="adam",
                     choices=["adam", "rmsprop", "sgd", "nesterov", "gd"], help="optimizer")
    fit.add_argument("--learning-rate", type=float, default=1e-3, help="learning rate")
    fit.add_argument("--batch-size", type=int, default=32, help="minibatch size")
    fit.add_argument("--epochs", type=int, default=100, help="training epochs (no early stop)")
    fit.add_argument("--validation", type=float, default=0.2,
                     help="fraction of rows held out for the validation report (0: none)")
    fit.add_argument("--seed", type=int, default=0,
                     help="random seed of the validation split and of the network")
    fit.add_argument("--drop-missing", action="store_true",
                     help="drop rows with missing values instead of stopping with an error")
    fit.add_argument("--quiet", action="store_true", help="no line per epoch")
    fit.add_argument("--out", required=True, metavar="MODEL", default=argparse.SUPPRESS,
                     help="model file to write (required)")
    fit.set_defaults(func=run_fit)

    predict = subparsers.add_parser(
        "predict", formatter_class=fmt, help="predict with a saved model",
        description="Predict the target for each row of a table with a model from "
                    "'nnfit fit'. Output: the row number and the prediction. " + ROWS_NOTE)
    _model_and_data(predict)
    predict.add_argument("--out", metavar="FILE", help="write predictions to this CSV file "
                                                      "(default: standard output)")
    predict.add_argument("--proba", action="store_true",
                         help="also write each class's probability (classification)")
    predict.set_defaults(func=run_predict)

    evaluate = subparsers.add_parser(
        "evaluate", formatter_class=fmt, help="score a saved model on a labelled table",
        description="Accuracy and confusion matrix (classification) or MAE, RMSE and R^2 "
                    "(regression) of a model from 'nnfit fit' on a table holding the target "
                    "column. " + ROWS_NOTE)
    _model_and_data(evaluate)
    evaluate.set_defaults(func=run_evaluate)


def _model_and_data(parser):
    parser.add_argument("model", help="model file written by 'nnfit fit'")
    parser.add_argument("data", help="a .csv file, or .parquet (needs pyarrow)")
    parser.add_argument("--drop-missing", action="store_true",
                        help="drop rows with missing values instead of stopping with an error")


def _hidden(text):
    if text.strip().lower() in ("", "none", "0"):
        return ()
    try:
        sizes = tuple(int(part) for part in text.split(","))
    except ValueError:
        sizes = ()
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a list of widths like 64,32 or none")
    return sizes


# --- commands --------------------------------------------------------------------------------
def run_fit(args):
    check_output(args.out)  # before the fit, not after it
    frame = read_table(args.data)
    check_columns(frame, [args.target], "--target names")
    frame = handle_missing(frame, list(frame.columns), args.drop_missing)
    task = args.task if args.task != "auto" else infer_task(frame[args.target])
    print(f"task: {task} of {args.target!r} ({len(frame)} rows); set --task to override")
    y = target_values(frame[args.target], task)
    train, val = split_rows(frame, y, task, args.validation, args.seed)
    preprocessor = TabularPreprocessor.fit(train.drop(columns=args.target))
    print(f"inputs: {len(preprocessor.numeric)} numeric, {len(preprocessor.categorical)} "
          f"categorical column(s) -> {len(preprocessor.feature_names)} features")
    estimator = make_estimator(args, task)
    model = TabularModel(preprocessor, estimator, args.target)
    if not args.quiet:
        estimator.callbacks = [_progress(model, val, args.epochs)]
    estimator.fit(preprocessor.transform(train), y.loc[train.index].to_numpy())
    estimator.callbacks = None
    if len(val):
        print(f"validation report ({len(val)} held-out rows):")
        print_report(model.evaluate(val))
    model.save(args.out)
    print(f"model written to {args.out}")


def run_predict(args):
    if args.out:
        check_output(args.out)
    model = load_tabular(args.model)
    frame = read_table(args.data)
    frame = handle_missing(frame, model.preprocessor.columns, args.drop_missing)
    output = pd.DataFrame({"row": frame.index + 1,
                           f"predicted_{model.target}": model.predict(frame)})
    if args.proba:
        P = model.predict_proba(frame)
        for j, label in enumerate(model.estimator.classes_):
            output[f"proba_{label}"] = P[:, j]
    output.to_csv(args.out if args.out else sys.stdout, index=False)
    if args.out:
        print(f"{len(output)} prediction(s) written to {args.out}")


def run_evaluate(args):
    model = load_tabular(args.model)
    frame = read_table(args.data)
    check_columns(frame, [model.target], "evaluating needs the target column")
    frame = handle_missing(frame, model.preprocessor.columns + [model.target], args.drop_missing)
    print_report(model.evaluate(frame))


# --- steps -----------------------------------------------------------------------------------
def check_output(path):
    """Refuse an output path whose directory is missing or not writable, before any work."""
    path = Path(path)
    directory = path.parent
    if path.is_dir():
        raise ValueError(f"--out {path} is a directory; give a file path in it, such as "
                         f"{path / 'model.nnfit'}")
    if not directory.exists():
        raise ValueError(f"--out {path}: the directory {directory} does not exist; create it "
                         f"first (mkdir -p {directory}) or give a path in an existing directory")
    if not directory.is_dir():
        raise ValueError(f"--out {path}: {directory} is a file, not a directory; give a path in "
                         "an existing directory")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise ValueError(f"--out {path}: the directory {directory} is not writable; give a path "
                         "in a directory you can write to, or change its permissions")


def read_table(path):
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
    return frame.reset_index(drop=True)


def _read_csv(path):
    advice = ("check that it is a comma-separated text table with a header line, saved as UTF-8 "
              "(not a spreadsheet, a compressed or another binary file)")
    try:
        return pd.read_csv(path)
    except UnicodeDecodeError:
        raise ValueError(f"{path} is not a readable CSV file: it is not UTF-8 text (a binary "
                         f"file, or another encoding?); {advice}") from None
    except pd.errors.EmptyDataError:
        raise ValueError(f"{path} is empty: give a CSV file with a header line and data "
                         "rows") from None
    except pd.errors.ParserError as error:
        raise ValueError(f"{path} is not a readable CSV file ({str(error).strip()}); "
                         f"{advice}") from None


def handle_missing(frame, columns, drop):
    """The frame, or an error counting missing values per column; with ``drop``, without them."""
    check_columns(frame, columns)
    counts = missing_counts(frame, columns)
    if not counts:
        return frame
    rows = frame[columns].isna().any(axis=1)
    if not drop:
        listed = ", ".join(f"{name!r}: {n}" for name, n in counts.items())
        raise ValueError(f"missing values in {int(rows.sum())} row(s) ({listed}); pass "
                         "--drop-missing to drop those rows, or fill them in")
    print(f"dropped {int(rows.sum())} row(s) with missing values, {int((~rows).sum())} left",
          file=sys.stderr)
    if rows.all():
        raise ValueError("every row has a missing value; nothing is left to use")
    return frame[~rows]


def infer_task(target):
    if not is_numeric_column(target):
        return "classification"
    values = target.to_numpy(np.float64)
    whole = np.all(values == np.round(values))
    return "classification" if whole and target.nunique() <= MAX_CLASSES_AUTO else "regression"


def target_values(target, task):
    if task == "classification":
        keep = is_numeric_column(target) or target.dtype == bool
        return target if keep else target.astype(str)
    values = pd.to_numeric(target, errors="coerce")
    bad = np.flatnonzero(values.isna().to_numpy())
    if bad.size:
        raise ValueError(f"column {target.name!r}, row {target.index[bad[0]] + 1}: "
                         f"{target.iloc[bad[0]]!r} is not a number, but regression needs a "
                         "numeric target; use --task classification for labels")
    return values.astype(np.float64)


def split_rows(frame, y, task, fraction, seed):
    """(training rows, validation rows), stratified by class when every class allows it."""
    if not 0 <= fraction < 1:
        raise ValueError(f"--validation {fraction} is invalid: give a fraction in [0, 1)")
    if fraction == 0:
        return frame, frame.iloc[:0]
    stratify = y if task == "classification" and y.value_counts().min() >= 2 else None
    try:
        return train_test_split(frame, test_size=fraction, random_state=seed, stratify=stratify)
    except ValueError:  # too few rows per class for the validation size: a plain split
        return train_test_split(frame, test_size=fraction, random_state=seed)


def make_estimator(args, task):
    params = dict(hidden_layer_sizes=args.hidden, activation=args.activation,
                  dropout=args.dropout, ridge=args.ridge, lasso=args.lasso,
                  optimizer=args.optimizer, learning_rate=args.learning_rate,
                  batch_size=args.batch_size, epochs=args.epochs, validation_fraction=0.0,
                  early_stopping=False, random_state=args.seed, standardize=False)
    return (MLPClassifier if task == "classification" else MLPRegressor)(**params)


def _progress(model, val, epochs):
    """A callback printing each epoch's training objective and validation score."""
    def callback(record):
        line = (f"epoch {record['epoch']:>4}/{epochs}  "
                f"training objective {record['train_objective']:.4f}")
        if len(val):
            report = model.evaluate(val)
            line += (f"  validation accuracy {report['accuracy']:.4f}" if "accuracy" in report
                     else f"  validation MAE {report['mae']:.4g}")
        print(line, flush=True)
    return callback


def load_tabular(path):
    model = load(path)
    if not isinstance(model, TabularModel):
        raise ValueError(f"{path} holds an estimator saved from Python, without the table "
                         "preprocessing that 'nnfit predict' needs; fit it with 'nnfit fit'")
    return model


def print_report(report):
    if report["task"] == "classification":
        print(f"accuracy {report['accuracy']:.4f} on {report['n']} rows")
        classes = report["classes"]
        width = max(8, *(len(c) + 2 for c in classes))
        print("confusion matrix (rows: true class, columns: predicted)")
        print(" " * width + "".join(f"{c:>{width}}" for c in classes))
        for label, row in zip(classes, report["confusion_matrix"]):
            print(f"{label:>{width}}" + "".join(f"{n:>{width}}" for n in row))
    else:
        print(f"MAE {report['mae']:.4g}  RMSE {report['rmse']:.4g}  R^2 {report['r2']:.4f} "
              f"on {report['n']} rows")
