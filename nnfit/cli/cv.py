"""``nnfit cv``: K-fold cross-validation of the network ``nnfit fit`` describes, beside a
logistic / linear / Poisson regression in the same preprocessing on the same folds and the
prevalence / mean baseline, or for survival beside the linear Cox model; a thin shell over
``nnfit.tabular.crossval.cross_validate_table`` and
``nnfit.tabular.survival_cv.cross_validate_survival``."""
import argparse

from .._files import check_output_path
from ..course.report_cv import cv_report
from ..estimators.holdout import AUTO_EARLY_STOPPING
from ..tabular.crossval import cross_validate_table
from ..tabular.survival_cv import cross_validate_survival
from . import table_ensemble as ens
from .options import with_threads
from .outcome_report import format_report, survival_lines
from .report import check_report_paths, publish
from .table_args import add_network_options, add_table_options, read_task_table, tabular_model
from .table_data import FORMATS
from .table_fit import describe, option_names
from .table_report import score_lines, weigh_counts
from .table_scores import add_score_options, bootstrap_options, write_json

DEFAULT_FOLDS = 5  # the library's


def register(subparsers):
    parser = subparsers.add_parser(
        "cv", formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        help="cross-validate a network on a table beside logistic / linear / Poisson / Cox "
             "regression",
        description="K-fold cross-validation (stratified by class for a classification, "
                    "shuffled with --seed) of the network 'nnfit fit' would fit with the same "
                    "options, beside scikit-learn's unpenalized LogisticRegression (with the "
                    "same --class-weight; the ridge-penalized C=1 in a fold whose training rows "
                    "it separates, said in a note) or LinearRegression in the same preprocessing "
                    "(numeric columns standardized, categories one-hot encoded) on the same "
                    "folds, and beside the baseline that predicts the training folds' class "
                    "shares or mean. Each fold fits the model 'nnfit fit' fits with the same "
                    "options, on its training rows: the hold-out, early stopping and refit "
                    "included, and the library's defaults. Every row is predicted once, by the fold that held it out; these "
                    "predictions are scored as by 'nnfit evaluate', with bootstrap intervals "
                    "of the rows (paired: network - logistic uses the same resamples), which "
                    "leave out the variation from refitting. A Poisson network (--loss "
                    "poisson) is set beside scikit-learn's unpenalized PoissonRegressor (a "
                    "small ridge in a fold where it does not converge, said in a note), with "
                    "the --exposure as weights. A survival network (--time, --event; folds "
                    "stratified by event) is set beside the linear Cox model (nnfit's "
                    "MLPSurvival with no hidden layer and no penalty, by L-BFGS: maximum "
                    "partial likelihood; a small ridge in a fold where that fails, said in a "
                    "note): each fold's Harrell's C, then the pooled rows' Harrell's and Uno's "
                    "C, time-dependent AUC and Brier score at the --at horizons, integrated "
                    "Brier score and calibration, ranked across folds by the predicted "
                    "cumulative hazard at the middle horizon (a Cox risk score has a different "
                    "origin in each fold).")
    parser.add_argument("data", help=FORMATS)
    add_table_options(parser)
    parser.add_argument("--folds", type=folds, default=DEFAULT_FOLDS, metavar="K",
                        help="number of folds, at least 2")
    add_network_options(parser)
    ens.add_ensemble_options(parser)
    parser.add_argument("--quiet", action="store_true", help="no line per fold")
    add_score_options(parser, seed=False)
    parser.add_argument("--report", metavar="FILE.html",
                        help="also write the validation report of 'nnfit report' (HTML and "
                             "Markdown, with the figures) for the pooled out-of-fold "
                             "predictions: a binary classifier, a regression, counts or "
                             "survival; FILE.md and FILE-*.png beside it, none replaced "
                             "without --force")
    parser.set_defaults(func=with_threads(run_cv))  # --threads: add_network_options's


def folds(text):
    """argparse type of --folds: a whole number >= 2."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 2:
        raise argparse.ArgumentTypeError(f"{value} is invalid: give a number of folds >= 2")
    return value


def run_cv(args):
    ens.check_ensemble_options(args)
    out = None
    if args.json:  # refused before the fits, not after
        out = check_output_path(args.json, [args.data], "JSON report", (".json",), args.force,
                                option="--json")
    table = read_task_table(args)
    task, X, y = table.task, table.X, table.y
    if args.at is not None and task != "survival":
        raise ValueError("--at sets the horizons of a survival model's scores (--time, "
                         "--event); this is a " + task)
    if args.weight and task == "survival":  # cross_validate_survival fits without weights
        raise ValueError("--weight with --time/--event: nnfit cv cannot weight a survival "
                         "network's folds yet, and would validate another model than nnfit "
                         "fit's; leave --weight out here, or validate the weighted fit on a "
                         "test table (nnfit report)")
    pages = cv_pages(args, task, y)
    model = tabular_model(args, task, table.exclude)
    kind = "stratified " if task == "classification" else "event-stratified " \
        if task == "survival" else ""
    head, _, tail = describe(args, task, y, len(X)).partition(" rows")
    print(f"{head} rows, {args.folds} {kind}folds (seed {args.seed}){tail}")
    params = model.estimator.get_params() if model.estimator is not None else None
    if args.ensemble is not None:
        model = ens.ensemble(args, model)
        print(f"each fold fits an ensemble of {args.ensemble} such networks (nnfit.MLPEnsemble, "
              "seeds drawn with --seed" + (", bootstrap samples" if args.ensemble_bootstrap
                                           else "") + ") and scores their average")

    def progress(record):
        if not args.quiet:
            stopped = "" if record["best_epoch"] is None else _epochs(params, record)
            c = record.get("harrell_c")
            scored = "" if c is None else ", Harrell's C " + ", ".join(
                f"{name} {value:.4f}" for name, value in c.items())
            print(f"fold {record['fold']}/{record['folds']}: {record['n_train']} training rows, "
                  f"{record['n_test']} held out{stopped}{scored} ({record['seconds']:.1f} s)",
                  flush=True)
    try:
        if task == "survival":
            report = cross_validate_survival(model, X, y, folds=args.folds, horizons=args.at,
                                             on_fold=progress,
                                             return_predictions=pages is not None,
                                             **bootstrap_options(args, "survival"))
        else:
            report = cross_validate_table(model, X, y, sample_weight=table.sample_weight,
                                          folds=args.folds, on_fold=progress,
                                          return_predictions=pages is not None,
                                          **bootstrap_options(args, task))
    except ValueError as error:
        raise option_names(ValueError(str(error).replace("folds=", "--folds "))) from None
    if pages is not None:
        report, predictions = report
    weigh_counts(report, args.weight, args.exposure)
    print("\n".join(format_cv(report)))
    if pages is not None:
        write_cv_report(args, report, predictions, table, pages)
    if out is not None:
        write_json(out, {"data": str(args.data), "options": _options(args), **report})
        args.written.append(str(out))
        print(f"report written to {out}")


def cv_pages(args, task, y):
    """The files ``--report`` writes (checked before any fit), None without it."""
    if args.report is None:
        return None
    if task == "classification" and y.nunique() != 2:
        raise ValueError(f"--report draws the figures of a binary classifier; this target has "
                         f"{y.nunique()} classes (the scores of nnfit cv are its report)")
    return check_report_paths(args.report, [args.data], args.force, task, option="--report")


def write_cv_report(args, cv, predictions, table, pages):
    """Write the ``--report`` page of the pooled out-of-fold predictions."""
    options = bootstrap_options(args, "survival" if cv["task"] == "survival" else "other")
    weights = " times ".join(([f"--weight {args.weight}"] if args.weight else []) + (
        [f"the exposures of --exposure {args.exposure}"] if args.exposure else [])) or None
    if args.exposure:  # as nnfit fit marks its model: the page lists it as the exposure
        predictions["models"][-1].exposure_column_ = args.exposure
    report = cv_report(cv, predictions, table.X, table.y, sample_weight=table.sample_weight,
                       data_name=str(args.data), dropped=table.dropped, weights=weights,
                       **options)
    publish(report, pages, args, "cv")


def _epochs(params, record):
    """What the fold's network did with its epochs: early stopping (on held-out rows of the
    fold's training rows, as ``holdout`` resolves "auto") kept the weights of an epoch, or it
    ran all --epochs epochs."""
    early = params["early_stopping"]
    if early is True or (early == "auto" and record["n_train"] >= AUTO_EARLY_STOPPING):
        return f", early stopping kept epoch {record['best_epoch']}"
    return f", no early stop: all {params['epochs']} epochs"


def format_cv(report):
    """The report as lines: the network's pooled out-of-fold point metrics, then the table of
    scores of the network, the reference model and their paired difference."""
    reference = report["reference"]
    columns = [("network", "network"), (reference, reference),
               (f"network - {reference}", f"network - {reference}")]
    if report["task"] == "survival":
        means = report["mean_fold_harrell_c"]
        return [f"Harrell's C per fold, mean over the {report['folds']} folds: "
                + ", ".join(f"{name} {value:.4f}" for name, value in means.items()),
                f"out of fold, pooled over the {report['folds']} folds (rows ranked by "
                f"{report['pooled_risk']}):"] + survival_lines(report, columns)
    title = f"{reference} regression"
    columns[1] = (title, reference)
    lines = [f"out of fold, pooled over the {report['folds']} folds (network):"]
    point = format_report({**report, "scores": None})
    notes = [f"note: {note}" for note in report.get("notes", [])]
    return lines + point + score_lines(report, columns) + notes


def _options(args):
    skip = {"func", "written", "json", "force", "data", "command", "quiet", "report", "jobs"}
    return {key: value for key, value in vars(args).items() if key not in skip}
