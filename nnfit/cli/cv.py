"""``nnfit cv``: K-fold cross-validation of the network ``nnfit fit`` describes, beside a
logistic / linear regression in the same preprocessing on the same folds and the prevalence /
mean baseline; a thin shell over ``nnfit.tabular.crossval.cross_validate_table``."""
import argparse

from .._files import check_output_path
from ..tabular.crossval import cross_validate_table
from .table_args import add_network_options, add_table_options, read_task_table, tabular_model
from .table_fit import option_names
from .table_report import format_report, score_lines
from .table_scores import add_score_options, write_json

DEFAULT_FOLDS = 5  # the library's


def register(subparsers):
    parser = subparsers.add_parser(
        "cv", formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        help="cross-validate a network on a table beside logistic / linear regression",
        description="K-fold cross-validation (stratified by class for a classification, "
                    "shuffled with --seed) of the network 'nnfit fit' would fit with the same "
                    "options, beside scikit-learn's unpenalized LogisticRegression (with the "
                    "same --class-weight) or LinearRegression in the same preprocessing "
                    "(numeric columns standardized, categories one-hot encoded) on the same "
                    "folds, and beside the baseline that predicts the training folds' class "
                    "shares or mean. Each fold fits the model 'nnfit fit' fits with the same "
                    "options, on its training rows: the hold-out, early stopping and refit "
                    "included, and the library's defaults. Every row is predicted once, by the fold that held it out; these "
                    "predictions are scored as by 'nnfit evaluate', with bootstrap intervals "
                    "of the rows (paired: network - logistic uses the same resamples), which "
                    "leave out the variation from refitting.")
    parser.add_argument("data", help="a .csv file, or .parquet (needs pyarrow)")
    add_table_options(parser)
    parser.add_argument("--folds", type=folds, default=DEFAULT_FOLDS, metavar="K",
                        help="number of folds, at least 2")
    add_network_options(parser)
    parser.add_argument("--quiet", action="store_true", help="no line per fold")
    add_score_options(parser, seed=False)
    parser.set_defaults(func=run_cv)


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
    out = None
    if args.json:  # refused before the fits, not after
        out = check_output_path(args.json, [args.data], "JSON report", (".json",), args.force,
                                option="--json")
    task, X, y, exclude = read_task_table(args)
    model = tabular_model(args, task, exclude)
    kind = "stratified " if task == "classification" else ""
    print(f"task: {task} of {args.target!r} ({len(X)} rows), {args.folds} {kind}folds "
          f"(seed {args.seed}); set --task to override")

    def progress(record):
        if not args.quiet:
            stopped = ("" if record["best_epoch"] is None else
                       f", network's best epoch {record['best_epoch']}")
            print(f"fold {record['fold']}/{record['folds']}: {record['n_train']} training rows, "
                  f"{record['n_test']} held out{stopped} ({record['seconds']:.1f} s)",
                  flush=True)
    try:
        report = cross_validate_table(model, X, y, folds=args.folds, n_bootstrap=args.bootstrap,
                                      random_state=args.seed, on_fold=progress)
    except ValueError as error:
        raise option_names(ValueError(str(error).replace("folds=", "--folds "))) from None
    print("\n".join(format_cv(report)))
    if out is not None:
        write_json(out, {"data": str(args.data), "options": _options(args), **report})
        args.written.append(str(out))
        print(f"report written to {out}")


def format_cv(report):
    """The report as lines: the network's pooled out-of-fold point metrics, then the table of
    scores of the network, the reference model and their paired difference."""
    reference = report["reference"]
    title = f"{reference} regression"
    lines = [f"out of fold, pooled over the {report['folds']} folds (network):"]
    point = format_report({**report, "scores": None})
    columns = [("network", "network"), (title, reference),
               (f"network - {reference}", f"network - {reference}")]
    return lines + point + score_lines(report, columns)


def _options(args):
    skip = {"func", "written", "json", "force", "data", "command", "quiet"}
    return {key: value for key, value in vars(args).items() if key not in skip}
