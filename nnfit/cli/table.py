"""``nnfit fit | predict | evaluate``: a thin command line over ``TabularClassifier`` and
``TabularRegressor`` on the user's own CSV (or Parquet) tables.

``fit`` (``table_fit``) fits the tabular model with the library's workflow and defaults (rows
held out for early stopping, a refit on all rows for the best epoch count), writes the model
file and only then reports on the held-out rows (``table_report``).  ``predict`` and
``evaluate`` replay the saved preprocessing on new rows.  Every output is written atomically
(``nnfit._files``); an ``--out`` that is an input, or an existing file of another kind, is
refused unless ``--force``.
"""
import argparse
import sys

import pandas as pd

from .._files import atomic_write, check_output_path
from .._load import load
from ..tabular.models import TabularClassifier, TabularRegressor, closest
from . import table_fit
from .table_data import ROWS_NOTE, check_names, drop_missing, read_table
from .table_report import format_report
from .table_scores import add_score_options, write_json


def register(subparsers):
    fmt = argparse.ArgumentDefaultsHelpFormatter
    table_fit.register(subparsers)
    predict = subparsers.add_parser(
        "predict", formatter_class=fmt, help="predict with a saved model",
        description="Predict the target for each row of a table with a model from 'nnfit fit'."
                    " Output: the identifier column (or the row number) and the prediction. "
                    "Each number is written at its own precision, in the fewest digits that "
                    "read back as exactly that number: up to 17 significant digits for a "
                    "predicted number (float64), up to 9 for a probability of a float32 model. "
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
        output.to_csv(sys.stdout, index=False)
        return
    with atomic_write(out, "w", encoding="utf-8", newline="") as file:
        output.to_csv(file, index=False)
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
    report = table_fit.scored(model, frame, frame[target], args.bootstrap, args.seed)
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
