"""``nnfit fit | predict | evaluate``: a thin command line over ``TabularClassifier`` and
``TabularRegressor`` on the user's own CSV (or Parquet) tables.

``fit`` holds out validation rows, fits with early stopping on them (best epoch restored), by
default refits on all rows for that many epochs, writes the model file and only then reports
on the validation rows (``_table_fit``, ``_table_report``).  ``predict`` and ``evaluate`` replay
the saved preprocessing on new rows.  Every output is written atomically (``nnfit._files``);
an ``--out`` that is an input, or an existing file of another kind, is refused unless ``--force``.
"""
import argparse
import sys

import pandas as pd

from .._files import atomic_write, check_output_path
from .._load import load
from ..tabular.preprocess import column_kinds, prepare
from ..tabular.models import TabularClassifier, TabularRegressor, closest
from .table_args import add_network_options, add_table_options, tabular_model
from .table_options import fraction
from .table_fit import (ValidationStop, check_names, drop_missing,
                         fit_quietly, infer_task, option_names, read_table, split_rows,
                         target_values)
from .table_report import evaluate, format_report
from .table_scores import add_score_options, write_json

ROWS_NOTE = "Rows in messages are numbered from 1, the header line not counted."
FLOAT_FORMAT = "%.17g"  # every float64 written reads back as the same number


def register(subparsers):
    fmt = argparse.ArgumentDefaultsHelpFormatter
    fit = subparsers.add_parser(
        "fit", formatter_class=fmt, help="fit a network to a CSV/Parquet table and save it",
        description="Fit a network predicting one column of a table from the others (nnfit."
                    "TabularClassifier/TabularRegressor): numeric columns are standardized, "
                    "text and true/false columns one-hot encoded. The fit stops early on held-"
                    "out validation rows (best epoch restored), then is refit on all rows for "
                    "that many epochs. Defaults are the library's (MLPClassifier/MLPRegressor) "
                    "unless the option says why not. " + ROWS_NOTE)
    fit.add_argument("data", help="training data: a .csv file, or .parquet (needs pyarrow)")
    add_table_options(fit)
    add_network_options(fit)
    fit.add_argument("--validation", type=fraction, default=0.2,
                     help="fraction of rows held out for early stopping and the validation "
                          "report (the library holds out 0.1; these rows also give the report); "
                          "0: none, a fit of --epochs epochs on all rows")
    fit.add_argument("--no-refit", dest="refit", action="store_false",
                     help="keep the early-stopped fit instead of refitting on all rows (the "
                          "default refits)%(default).0s")  # .0s: no "(default: True)" added
    fit.add_argument("--quiet", action="store_true", help="no line per epoch")
    _output(fit, "MODEL", "model file to write (required)", required=True)
    fit.set_defaults(func=run_fit)

    predict = subparsers.add_parser(
        "predict", formatter_class=fmt, help="predict with a saved model",
        description="Predict the target for each row of a table with a model from 'nnfit fit'."
                    " Output: the identifier column (or the row number) and the prediction. "
                    + ROWS_NOTE)
    _model_and_data(predict)
    predict.add_argument("--id", metavar="COLUMN", help="copy this column into the output "
                         "(default: the --id given to 'nnfit fit', else the row number)")
    predict.add_argument("--proba", action="store_true",
                         help="also write each class's probability (classification)")
    _output(predict, "FILE", "write the predictions to this CSV file (default: standard output)")
    predict.set_defaults(func=run_predict)

    evaluate_parser = subparsers.add_parser(
        "evaluate", formatter_class=fmt, help="score a saved model on a labelled table",
        description="Accuracy, balanced accuracy, per-class precision, recall and F1, ROC AUC "
                    "(two classes) and the confusion matrix, then the Brier score, log-loss, "
                    "ROC AUC, accuracy and calibration intercept and slope of the probabilities"
                    " (more than two classes: ROC AUC the mean one-vs-rest, calibration per "
                    "class against the rest) with bootstrap 95% intervals, beside the "
                    "prevalence baseline that predicts every row the class shares of these "
                    "rows; or MAE, RMSE and R^2 with intervals beside the mean baseline. "
                    "The data must hold the target column. " + ROWS_NOTE)
    _model_and_data(evaluate_parser)
    add_score_options(evaluate_parser)
    evaluate_parser.set_defaults(func=run_evaluate)


def _model_and_data(parser):
    parser.add_argument("model", help="model file written by 'nnfit fit'")
    parser.add_argument("data", help="a .csv file, or .parquet (needs pyarrow)")
    parser.add_argument("--drop-missing", action="store_true",
                        help="drop rows with missing values instead of stopping with an error")


def _output(parser, metavar, text, required=False):
    parser.add_argument("--out", metavar=metavar, required=required, help=text,
                        **({"default": argparse.SUPPRESS} if required else {}))
    parser.add_argument("--force", action="store_true",
                        help="replace an existing --out even if it is of another kind")


# --- commands --------------------------------------------------------------------------------
def run_fit(args):
    out = check_output_path(args.out, [args.data], "nnfit model", (".nnfit",), args.force)
    frame = read_table(args.data)
    check_names(frame, "--target", [args.target])
    check_names(frame, "--exclude", args.exclude)
    exclude = list(dict.fromkeys(args.exclude + ([args.id] if args.id else [])))
    if args.id:
        check_names(frame, "--id", [args.id])
    if args.target in exclude:
        raise ValueError(f"--target {args.target} is also excluded (--exclude/--id)")
    if args.drop_missing:
        used = [c for c in frame.columns if c not in exclude]
        frame = drop_missing(frame, used)
    task = args.task if args.task != "auto" else infer_task(frame[args.target])
    y = target_values(frame[args.target], task)
    X = frame.drop(columns=args.target)
    numeric, categorical = column_kinds(X, [c for c in X.columns if c not in exclude])
    prepare(X, numeric, categorical, args.impute)  # every row's problems now, not after the fit
    print(f"task: {task} of {args.target!r} ({len(frame)} rows); set --task to override")
    try:
        model, val, stopper = _fit(args, task, X, y, exclude)
    except ValueError as error:
        raise option_names(error) from None
    if val is not None and len(val):
        try:  # the report of the early-stopped fit, on rows it never saw
            report = evaluate(stopper.model, val, y.loc[val.index])
        except ValueError as error:
            report = error
    if stopper is not None and args.refit:
        print(f"refit on all {len(frame)} rows for {stopper.best_epoch} epoch(s)")
        model = fit_quietly(_model(args, task, stopper.best_epoch, exclude), X, y)
    if args.id:
        model.id_column_ = args.id
    model.save(out)
    args.written.append(str(out))
    print(f"model written to {out}")
    if val is not None and len(val):
        print(f"validation report ({len(val)} held-out rows, the fit stopped at epoch "
              f"{stopper.best_epoch}{', before the refit' if args.refit else ''}):")
        if isinstance(report, Exception):
            raise ValueError(f"the validation report failed (the model was written): {report}")
        print("\n".join(format_report(report)))


def _fit(args, task, X, y, exclude):
    """(fitted model, validation rows or None, ValidationStop or None)."""
    if args.validation == 0:
        model = _model(args, task, args.epochs, exclude)
        if not args.quiet:
            print(f"no validation rows (--validation 0): {args.epochs} epochs on all rows")
        return fit_quietly(model, X, y), None, None
    train, val = split_rows(X, y, task, args.validation, args.seed)
    model = _model(args, task, args.epochs, exclude)
    stopper = ValidationStop(model, val, y.loc[val.index], y.loc[train.index], task,
                             args.patience, 1e-4, args.epochs, args.quiet)
    # a function, not the object: clone() copies parameters, and copies a function as itself
    model.estimator.set_params(callbacks=[lambda record: stopper(record)])
    fit_quietly(model, train, y.loc[train.index])
    model.estimator_.set_params(callbacks=None)
    model.estimator.set_params(callbacks=None)
    stopper.restore()
    stopped = "stopped early" if stopper.last < args.epochs else f"used all {args.epochs} epochs"
    print(f"{stopped}: best validation loss {stopper.best:.4f} at epoch {stopper.best_epoch}, "
          f"whose weights were restored ({len(train)} training, {len(val)} validation rows)")
    if stopper.last >= args.epochs and stopper.best_epoch > args.epochs - args.patience:
        print(f"nnfit fit: warning: the validation loss was still improving at epoch "
              f"{args.epochs}; consider more --epochs", file=sys.stderr)
    return model, val, stopper


def _model(args, task, epochs, exclude):
    return tabular_model(args, task, exclude, epochs=epochs, validation_fraction=0.0,
                         early_stopping=False)


def run_predict(args):
    out = None
    if args.out:
        out = check_output_path(args.out, [args.model, args.data], "CSV file", (".csv",),
                                args.force)
    model = load_tabular(args.model, "predict")
    frame = read_table(args.data)
    used = model.numeric_columns_ + model.categorical_columns_
    if args.drop_missing:
        check_names(frame, "the model uses column", used)
        frame = drop_missing(frame, used)
    identifier = args.id or getattr(model, "id_column_", None)
    if identifier and not args.id and identifier not in frame.columns:
        print(f"note: the data has no column {identifier!r} (the model's --id); the output "
              "numbers the rows instead", file=sys.stderr)
        identifier = None
    if identifier:
        check_names(frame, "--id", [identifier])
        output = pd.DataFrame({identifier: frame[identifier].to_numpy()})
    else:
        output = pd.DataFrame({"row": frame.index.to_numpy()})
    target = model.target_name_ or "target"
    if args.proba:
        if not hasattr(model, "classes_"):
            raise ValueError(f"--proba needs a classification model; this model predicts the "
                             f"number {target!r}")
        P = model.predict_proba(frame)
        output[f"predicted_{target}"] = model.classes_[P.argmax(axis=1)]
        for j, label in enumerate(model.classes_):
            output[f"proba_{label}"] = P[:, j]
    else:
        output[f"predicted_{target}"] = model.predict(frame)
    if out is None:
        output.to_csv(sys.stdout, index=False, float_format=FLOAT_FORMAT)
        return
    with atomic_write(out, "w", encoding="utf-8", newline="") as file:
        output.to_csv(file, index=False, float_format=FLOAT_FORMAT)
    args.written.append(str(out))
    print(f"{len(output)} prediction(s) written to {out}")


def run_evaluate(args):
    out = None
    if args.json:
        out = check_output_path(args.json, [args.model, args.data], "JSON report", (".json",),
                                args.force, option="--json")
    model = load_tabular(args.model, "evaluate")
    frame = read_table(args.data)
    target = model.target_name_
    if target is None:
        raise ValueError(f"{args.model} does not record the name of its target column; fit it "
                         "with 'nnfit fit', or from Python with y as a named pandas Series")
    if target not in frame.columns:
        raise ValueError(f"evaluating needs the target column {target!r}, which is not in the "
                         f"data{closest(target, frame.columns)}")
    used = model.numeric_columns_ + model.categorical_columns_
    if args.drop_missing:
        check_names(frame, "the model uses column", used)
        frame = drop_missing(frame, used + [target])
    report = evaluate(model, frame, frame[target], args.bootstrap, args.seed)
    print("\n".join(format_report(report)))
    if out is not None:
        write_json(out, {"model": str(args.model), "data": str(args.data), **report})
        args.written.append(str(out))
        print(f"report written to {out}")


def load_tabular(path, command):
    model = load(path)
    if not isinstance(model, (TabularClassifier, TabularRegressor)):
        raise ValueError(f"{path} holds an estimator saved from Python, without the table "
                         f"preprocessing that 'nnfit {command}' needs; fit it with 'nnfit fit' "
                         "(or save a nnfit.TabularClassifier/TabularRegressor)")
    return model
