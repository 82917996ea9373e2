"""``nnfit report MODEL TABLE --out FILE.html``: the validation report of a ``nnfit fit`` model on
a test table, as one self-contained HTML page with a Markdown twin; a thin shell over
``nnfit.course.report.model_report`` and ``write_report``.

The command reads the tables as ``nnfit evaluate`` does (the outcome column named in the model
file; a Poisson model's rates over its exposure column), with ``--train`` fits the reference
model on the training table, prints the report's warnings and writes ``FILE.html``,
``FILE.md`` and the Markdown's figures ``FILE-<figure>.png``.  None of these files is
replaced without ``--force``, and none may be an input; all are checked before any work.
"""
import argparse
import sys

import numpy as np
import pandas as pd

from .._files import check_output_path
from ..course.report import model_report, report_paths, report_task, write_report
from ..tabular.evaluation import is_poisson
from ..tabular.models import closest
from ..tabular.outcomes import check_counts, per_exposure, survival_target
from ..tabular.survival import TabularSurvival
from .table import load_tabular
from .table_data import FORMATS, ROWS_NOTE, read_table
from .table_options import seed as seed_type
from .table_scores import DEFAULT_BOOTSTRAP, resamples


def register(subparsers):
    parser = subparsers.add_parser(
        "report", formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        help="write a validation report (HTML and Markdown) of a saved model on a test table",
        description="The validation report of a model from 'nnfit fit' (a binary classifier, "
                    "a regression, counts or survival) on a labelled test table: the data "
                    "(rows, events or the outcome's distribution, each predictor's missing "
                    "values and how they were handled), the model (layers, parameters, "
                    "settings, how it was fitted), the scores of 'nnfit evaluate' with "
                    "bootstrap 95% intervals beside the baseline and, with --train, beside a "
                    "logistic / linear regression fitted on it in the same preprocessing, and "
                    "the figures: calibration by risk group with Wilson intervals, ROC curve, "
                    "decision curve (net benefit against treat-all and treat-none), predicted "
                    "risks by outcome; for numbers observed against predicted and the "
                    "residuals; for survival Harrell's and Uno's C, AUC and Brier score at "
                    "horizons, the integrated Brier score beside Kaplan-Meier (and the linear "
                    "Cox model with --train), calibration at the middle horizon and "
                    "Kaplan-Meier curves by risk group. Warnings (a model no better than the "
                    "baseline, a calibration slope far from 1, class weights, few events) are "
                    "printed and shown first on the page. Writes FILE.html (self-contained: "
                    "figures embedded, nothing loaded from the network), FILE.md and its "
                    "figures FILE-<figure>.png. " + ROWS_NOTE)
    parser.add_argument("model", help="model file written by 'nnfit fit'")
    parser.add_argument("data", help=f"the test table: {FORMATS}")
    parser.add_argument("--out", metavar="FILE.html", required=True, default=argparse.SUPPRESS,
                        help="the HTML page to write (required); FILE.md and FILE-*.png are "
                             "written beside it")
    parser.add_argument("--train", metavar="TABLE",
                        help="the training table: fits the reference model (unpenalized "
                             "logistic, linear, Poisson or linear Cox regression in the model's "
                             "preprocessing) on it and scores it beside the model; without it "
                             "the page says that a reference needs training rows")
    parser.add_argument("--bootstrap", type=resamples, default=DEFAULT_BOOTSTRAP, metavar="N",
                        help="bootstrap resamples of the rows for the 95%% intervals; 0: point "
                             "estimates only")
    parser.add_argument("--seed", type=seed_type, default=0,
                        help="random seed of the bootstrap resamples")
    parser.add_argument("--drop-missing", action="store_true",
                        help="drop rows with a missing value in a column the model uses or in "
                             "the outcome (counted on the page) instead of stopping with an "
                             "error (a model fitted with --impute fills them in)")
    parser.add_argument("--force", action="store_true",
                        help="replace existing output files (without it an existing file is "
                             "refused)")
    parser.set_defaults(func=run_report)


def check_report_paths(out, inputs, force, task, option="--out"):
    """The files a report on ``task`` writes for ``out`` (``report_paths``), each refused if it
    is an input, has another suffix or exists (without ``force``)."""
    if not str(out).lower().endswith((".html", ".htm")):
        raise ValueError(f"{option} {out}: give an HTML file name, FILE.html (FILE.md and "
                         "its figures are written beside it)")
    paths = report_paths(out, task)
    for path in paths:
        kind = {".html": "HTML page", ".htm": "HTML page", ".md": "Markdown file"}.get(
            path.suffix.lower(), "PNG figure")
        check_output_path(path, inputs, kind, (path.suffix.lower(),), force or None,
                          option=option)  # an existing file: refused below, by name
        if path.exists() and not force:
            beside = "" if path == paths[0] else f" (the report writes it beside {paths[0]})"
            raise ValueError(f"{path} exists{beside}; choose another {option}, or add --force "
                             "to replace it")
    return paths


def run_report(args):
    inputs = [args.model, args.data, args.train]
    model = load_tabular(args.model, "report")
    paths = check_report_paths(args.out, inputs, args.force, report_task(model))
    frame = read_table(args.data, na_values=getattr(model, "na_values_", None))
    y, weight = _outcome(model, frame, args.data, args.drop_missing)
    train = None
    if args.train:
        table = read_table(args.train, na_values=getattr(model, "na_values_", None))
        train_y, train_weight = _outcome(model, table, args.train, args.drop_missing)
        train = (table, train_y, train_weight)
    report = model_report(model, frame, y, sample_weight=weight, train=train,
                          drop_missing=args.drop_missing, n_bootstrap=args.bootstrap,
                          random_state=args.seed, model_name=str(args.model),
                          data_name=str(args.data),
                          train_name=None if args.train is None else str(args.train))
    publish(report, paths, args, "report")


def publish(report, paths, args, command):
    """Print the report's warnings, write its files ``paths`` (``check_report_paths``'s), each
    recorded in ``args.written``, and say where they are."""
    for text in report["warnings"]:
        print(f"nnfit {command}: warning: {text}", file=sys.stderr)
    for path in write_report(report, paths[0]):
        args.written.append(str(path))
    print(f"report written to {paths[0]} and {paths[1]} (with {len(paths) - 2} figures "
          f"{paths[0].stem}-*.png); {len(report['warnings'])} warning(s)")


def _outcome(model, frame, source, drop_missing=False):
    """(y, exposure weights or None) of a table: the model's target column (over its exposure
    column for a model of rates; a survival model's (event, time) pairs).  With
    ``drop_missing`` a count model's rows whose count or exposure is missing get a missing y
    (and weight), so that ``model_report`` drops and counts them as it does a regression's."""
    if isinstance(model, TabularSurvival):
        for name in (model.time_name_, model.event_name_):
            if name not in frame.columns:
                raise ValueError(f"{source}: the report needs the survival model's column "
                                 f"{name!r}, which is not in the table"
                                 f"{closest(name, frame.columns)}")
        return survival_target(frame, model.time_name_, model.event_name_), None
    target = model.target_name_
    if target is None:
        raise ValueError(f"the model does not record the name of its target column; fit it "
                         "with 'nnfit fit', or from Python with y as a named pandas Series")
    exposure = getattr(model, "exposure_column_", None)
    for name, what in ((target, "target column"), (exposure, "exposure column")):
        if name is not None and name not in frame.columns:
            raise ValueError(f"{source}: the report needs the {what} {name!r}, which is not in "
                             f"the table{closest(name, frame.columns)}")
    if not exposure and not is_poisson(model):
        return frame[target], None
    columns = [target] + ([exposure] if exposure else [])
    kept = ~frame[columns].isna().any(axis=1) if drop_missing else np.ones(len(frame), bool)
    if not kept.any():
        raise ValueError(f"{source}: every row misses its {' or '.join(map(repr, columns))}; "
                         "nothing is left to report on")
    rows = frame[kept]
    if exposure:
        y, weight = per_exposure(rows[target], rows[exposure])
        return (y.reindex(frame.index),
                pd.Series(weight, rows.index).reindex(frame.index).to_numpy())
    check_counts(rows[target])
    return frame[target], None
