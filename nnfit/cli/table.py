"""``nnfit fit | predict | evaluate``: a thin command line over ``TabularClassifier``,
``TabularRegressor`` and ``TabularSurvival`` on the user's own CSV (or Parquet) tables.

``fit`` (``table_fit``) fits the tabular model with the library's workflow and defaults (rows
held out for early stopping, a refit on all rows for the best epoch count), writes the model
file and only then reports on the held-out rows (``table_report``).  ``predict`` and
``evaluate`` replay the saved preprocessing on new rows (``table_predict``; ``evaluate`` scores
a survival model by ``nnfit.tabular.survival_scores``, a Poisson model of rates over the
exposure column it was fitted with; a regression fitted with ``--interval`` by how many rows its
prediction intervals cover, ``table_interval``; ``--threshold``: the net benefit of labelling by
a risk threshold, ``table_threshold``).  Every output is written atomically
(``nnfit._files``); an ``--out`` that is an input, or an existing file of another kind, is
refused unless ``--force``.
"""
import argparse
import warnings

import numpy as np

from .._files import check_output_path
from .._load import load
from ..tabular.models import TabularClassifier, TabularRegressor, closest
from ..course.report_checks import evaluation_warnings
from ..tabular.evaluation import as_labels, is_poisson
from ..tabular.outcomes import check_counts, per_exposure, survival_target
from ..tabular.survival import TabularSurvival
from ..tabular.survival_scores import evaluate_survival
from . import table_ensemble, table_fit, table_predict
from .table_data import (FORMATS, ROWS_NOTE, add_reading_options, add_weight_option, check_names,
                         drop_missing, read_data, row_weights)
from .options import add_threads_option, with_threads
from .table_outcome import check_weight_exposure
from .table_predict import add_predict_options
from .outcome_report import format_report
from .table_report import weigh_counts
from .table_scores import add_score_options, bootstrap_options, write_json
from .table_interval import coverage, coverage_line
from .table_threshold import check_binary, help_text, threshold, threshold_lines, threshold_report


def register(subparsers):
    fmt = argparse.ArgumentDefaultsHelpFormatter
    table_fit.register(subparsers)
    predict = subparsers.add_parser(
        "predict", formatter_class=fmt, help="predict with a saved model",
        description="Predict the target for each row of a table with a model from 'nnfit fit'."
                    " Output: the identifier column (or the row number) and the prediction: the "
                    "class, the number, for a Poisson model fitted with --exposure the count = "
                    "rate x exposure where the data has the exposure column (and the rate), for "
                    "a survival model the risk score (log relative hazard; higher = earlier "
                    "event) and with --at the survival probabilities at those times. "
                    "Each number is written at its own precision, in the fewest digits that "
                    "read back as exactly that number: up to 17 significant digits for a "
                    "predicted number (float64), up to 9 for a probability of a float32 model. "
                    + ROWS_NOTE)
    _model_and_data(predict)
    add_predict_options(predict)
    predict.set_defaults(func=run_predict)

    evaluate_parser = subparsers.add_parser(
        "evaluate", formatter_class=fmt, help="score a saved model on a labelled table",
        description="Accuracy, balanced accuracy, per-class precision, recall and F1, ROC AUC "
                    "(two classes) and the confusion matrix, then the Brier score, log-loss, "
                    "ROC AUC, accuracy and calibration intercept and slope of the probabilities"
                    " (more than two classes: ROC AUC the mean one-vs-rest, calibration per "
                    "class against the rest) with bootstrap 95% intervals, beside the "
                    "prevalence baseline that predicts every row the class shares of these "
                    "rows; or MAE, RMSE and R^2 with intervals beside the mean baseline; for a "
                    "Poisson model the mean Poisson deviance, D^2 and MAE (of the rates, "
                    "weighted by the exposure, for a model fitted with --exposure) beside the "
                    "mean; for a survival model Harrell's and Uno's C, the time-dependent AUC "
                    "and Brier score at the --at horizons, the integrated Brier score and the "
                    "calibration at the middle horizon beside the Kaplan-Meier curve of these "
                    "rows (whose censoring distribution weights the scores: a model file keeps "
                    "no training rows). "
                    "The data must hold the target column (time and event columns, and the "
                    "exposure column). " + ROWS_NOTE)
    _model_and_data(evaluate_parser)
    add_weight_option(evaluate_parser)
    add_score_options(evaluate_parser)
    evaluate_parser.add_argument("--threshold", type=threshold, metavar="P",
                                 help=help_text("evaluate"))
    add_threads_option(evaluate_parser)
    evaluate_parser.set_defaults(func=with_threads(run_evaluate))


def _model_and_data(parser):
    parser.add_argument("model", help="model file written by 'nnfit fit'")
    parser.add_argument("data", help=FORMATS)
    parser.add_argument("--drop-missing", action="store_true",
                        help="drop rows with missing values instead of stopping with an error")
    add_reading_options(parser)


# --- commands --------------------------------------------------------------------------------
def run_predict(args):
    return table_predict.run_predict(args, load_tabular)


def run_evaluate(args):
    out = None
    if args.json:
        out = check_output_path(args.json, [args.model, args.data], "JSON report", (".json",),
                                args.force, option="--json")
    model = load_tabular(args.model, "evaluate")
    frame = read_data(args, model)
    survival = isinstance(model, TabularSurvival)
    if args.weight:
        if survival:
            raise ValueError("--weight: the survival scores are not weighted yet; evaluate "
                             "without --weight")
        check_names(frame, "--weight", [args.weight])
        check_weight_exposure(args.weight, getattr(model, "exposure_column_", None))
    if args.at is not None and not survival:
        raise ValueError("--at sets the horizons of a survival model's scores; this model is "
                         "not a survival model")
    if args.threshold is not None:
        check_binary(model, args.threshold, "evaluate")
    outcome = [model.time_name_, model.event_name_] if survival else [model.target_name_]
    if outcome[0] is None:
        raise ValueError(f"{args.model} does not record the name of its target column; fit it "
                         "with 'nnfit fit', or from Python with y as a named pandas Series")
    exposure = getattr(model, "exposure_column_", None)
    for name, what in zip(outcome + [exposure], ["time column", "event column"] if survival
                          else ["target column", "exposure column (the model's --exposure)"]):
        if name is not None and name not in frame.columns:
            raise ValueError(f"evaluating needs the {what} {name!r}, which is not in the "
                             f"data{closest(name, frame.columns)}")
    used = model.numeric_columns_ + model.categorical_columns_
    if args.drop_missing:
        check_names(frame, "the model uses column", used)
        frame = drop_missing(frame, used + outcome + ([exposure] if exposure else [])
                             + ([args.weight] if args.weight else []))
    if survival:
        y = survival_target(frame, *outcome)
        report = evaluate_survival(model, frame, y, horizons=args.at,
                                   **bootstrap_options(args, "survival"))
    else:
        truth, weight = frame[outcome[0]], None
        if exposure:
            truth, weight = per_exposure(truth, frame[exposure])
        elif is_poisson(model):
            check_counts(truth)
        if args.weight:
            weight = row_weights(frame, args.weight, weight)
        report = table_fit.scored(model, frame, truth,
                                  bootstrap_options(args, "table")["n_bootstrap"], args.seed,
                                  weight)
    weigh_counts(report, args.weight, exposure)
    lines = format_report(report)
    if table_ensemble.is_ensemble(model):  # each member's scores beside the ensemble's
        report["ensemble"], more = table_ensemble.evaluate_members(model, frame, truth, weight)
        lines += more
    covered = None if survival or exposure else coverage(model, frame, truth)
    if covered is not None:
        report["interval"] = covered
        lines.append(coverage_line(covered))
    if args.threshold is not None:
        report["threshold"] = threshold_report(model, frame, truth, args.threshold)
        lines += threshold_lines(report["threshold"], model.target_name_)
    print("\n".join(lines))
    if not survival:
        report["warnings"] = statistician(model, frame, truth, report)
    if out is not None:
        write_json(out, {"model": str(args.model), "data": str(args.data), **report})
        args.written.append(str(out))
        print(f"report written to {out}")


def statistician(model, frame, truth, report):
    """The warnings of ``nnfit report`` on these scores (``evaluation_warnings``), each given
    as a warning (a model no better than its baseline, miscalibrated, class weights, few
    events); their texts."""
    risk = event = weight = None
    if report["task"] == "classification" and len(model.classes_) == 2:
        risk = np.asarray(model.predict_proba(frame), np.float64)[:, 1]
        event = as_labels(np.asarray(truth), model.classes_) == model.classes_[1]
        network = getattr(model, "estimator_", None)
        weight = None if network is None else network.get_params().get("class_weight")
    found = evaluation_warnings(report, weight, risk, event)
    for text in found:
        warnings.warn(text, UserWarning, stacklevel=2)
    return found


def load_tabular(path, command):
    model = load(path)
    if table_ensemble.is_ensemble(model):  # nnfit fit --ensemble
        return table_ensemble.checked(model, path, command)
    if not isinstance(model, (TabularClassifier, TabularRegressor, TabularSurvival)):
        raise ValueError(f"{path} holds an estimator saved from Python, without the table "
                         f"preprocessing that 'nnfit {command}' needs; fit it with 'nnfit fit' "
                         "(or save a nnfit.TabularClassifier/TabularRegressor/TabularSurvival)")
    return model
