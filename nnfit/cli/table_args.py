"""The options ``nnfit fit`` and ``nnfit cv`` share, defined once: which columns of the table
to use (``add_table_options``; ``read_task_table`` reads the table they describe), the
network's settings (``add_network_options``), and the ``TabularClassifier`` /
``TabularRegressor`` they describe (``tabular_model``).

Every network option's default is the library's: the defaults of ``MLPClassifier`` and
``MLPRegressor`` are read from the classes, not copied, and where the two differ (``--ridge``,
``--batch-size``, ``--early-stopping``) an option not given is not passed, so that each task
gets its own estimator's default.  The exceptions say why in their help: ``--seed`` is 0, not
None, so that a run repeats, and ``--validation 0`` also turns early stopping off unless
``--early-stopping`` is given (no held-out rows: exactly ``--epochs`` epochs on all rows).
"""
import argparse

from ..engine.optimizers import OPTIMIZERS
from ..estimators.classifier import MLPClassifier
from ..estimators.holdout import AUTO_EARLY_STOPPING
from ..estimators.regressor import MLPRegressor
from ..tabular.models import TabularClassifier, TabularRegressor
from ..tabular.preprocess import column_kinds, prepare
from .options import positive_int
from .table_data import (MAX_CLASSES_AUTO, check_names, drop_missing, infer_task, read_table,
                         target_values)
from .table_options import fraction, hidden_sizes, nonnegative, positive, seed, switch

CLASSIFIER, REGRESSOR = MLPClassifier().get_params(), MLPRegressor().get_params()
REFIT = TabularClassifier().get_params()["refit"]
# option, parameter, argparse keywords, help (the default is added from the library)
NETWORK_OPTIONS = [
    ("--hidden", "hidden_layer_sizes", {"type": hidden_sizes},
     "hidden layer widths, comma-separated; 'none' for no hidden layer (multinomial logistic / "
     "linear regression)"),
    ("--activation", "activation", {"choices": ["relu", "sigmoid", "tanh"]},
     "activation g of the hidden units"),
    ("--dropout", "dropout", {"type": fraction}, "dropout rate of each hidden layer"),
    ("--ridge", "ridge", {"type": nonnegative}, "ridge penalty on the weights"),
    ("--lasso", "lasso", {"type": nonnegative}, "lasso penalty on the weights"),
    ("--class-weight", "class_weight", {"choices": ["balanced"]},
     "weight each class by n / (k n_class) in the fit and in the validation loss "
     "(classification)"),
    ("--optimizer", "optimizer", {"choices": list(OPTIMIZERS)}, "optimizer"),
    ("--learning-rate", "learning_rate", {"type": positive}, "learning rate"),
    ("--batch-size", "batch_size", {"type": positive_int}, "minibatch size"),
    ("--epochs", "epochs", {"type": positive_int},
     "most epochs of the early-stopped fit; without early stopping, the number of epochs"),
    ("--early-stopping", "early_stopping", {"type": switch, "metavar": "{auto,true,false}"},
     "hold out --validation of the rows, stop after --patience epochs without a better "
     f"validation loss and keep the best epoch; auto: only from {AUTO_EARLY_STOPPING:,} rows on"),
    ("--validation", "validation_fraction", {"type": fraction},
     "fraction of the rows held out for early stopping and the validation report; 0: none, and "
     "then no early stopping either unless --early-stopping is given (the library would stop "
     "on the training objective): exactly --epochs epochs on all rows"),
    ("--patience", "patience", {"type": positive_int},
     "epochs without a better validation loss before stopping"),
]
PARAM_OPTIONS = {param: option for option, param, _, _ in NETWORK_OPTIONS}
PARAM_OPTIONS["random_state"] = "--seed"


def _shown(value):
    """A library default as it is typed on the command line."""
    if isinstance(value, tuple):
        return ",".join(map(str, value)) or "none"
    return str(value).lower() if isinstance(value, bool) else value


def add_table_options(parser):
    """--target, --task, --exclude, --id, --impute, --drop-missing."""
    parser.add_argument("--target", required=True, metavar="COLUMN", default=argparse.SUPPRESS,
                        help="the column to predict (required)")
    parser.add_argument("--task", choices=["auto", "classification", "regression"],
                        default="auto",
                        help="auto: classification for text/true-false targets and for whole "
                             f"numbers with at most {MAX_CLASSES_AUTO} distinct values, else "
                             "regression")
    parser.add_argument("--exclude", nargs="+", default=[], metavar="COLUMN",
                        help="columns left out of the predictors")
    parser.add_argument("--id", metavar="COLUMN", help="an identifier column: never a "
                        "predictor, copied into the output of 'nnfit predict'")
    parser.add_argument("--impute", choices=["mean", "median", "most_frequent"],
                        help="fill in missing predictor values (numeric columns by this "
                             "statistic, categorical ones by the most frequent category); "
                             "default: none, missing values are an error naming column and "
                             "rows%(default).0s")
    parser.add_argument("--drop-missing", action="store_true",
                        help="drop rows with missing values instead of stopping with an error")


def add_network_options(parser):
    """The options of NETWORK_OPTIONS, each with the library's default (module docstring), then
    --no-refit and --seed."""
    for option, param, keywords, text in NETWORK_OPTIONS:
        if "choices" not in keywords:
            keywords = {"metavar": option[2:].upper().replace("-", "_"), **keywords}
        classifier, regressor = CLASSIFIER.get(param), REGRESSOR.get(param, CLASSIFIER[param])
        if classifier == regressor:
            parser.add_argument(option, dest=param, default=_shown(classifier), help=text,
                                **keywords)
        else:
            text += (f" (default: the library's, {_shown(regressor)} for regression and "
                     f"{_shown(classifier)} for classification)")
            parser.add_argument(option, dest=param, default=argparse.SUPPRESS, help=text,
                                **keywords)
    parser.add_argument("--no-refit", dest="refit", action="store_false", default=REFIT,
                        help="keep the early-stopped fit instead of refitting on all rows "
                             "(refit=False)%(default).0s")  # .0s: no "(default: True)" added
    parser.add_argument("--seed", type=seed, default=0,
                        help="random seed of the validation split and of the network (and, in "
                             "'nnfit cv', of the folds and the bootstrap; the library's "
                             "random_state is None: here a run repeats exactly)")


def tabular_model(args, task, exclude, progress=None, **params):
    """The unfitted TabularClassifier/TabularRegressor that the options describe (``params``
    set or override the network's; ``progress``, a callback of each epoch, prints them)."""
    exclude = tuple(exclude)
    given = vars(args)
    params = {**{param: given[param] for _, param, _, _ in NETWORK_OPTIONS if param in given},
              **params}
    if task == "regression":
        if params.pop("class_weight", None) is not None:
            raise ValueError("--class-weight is for classification; this is a regression")
    if params.get("validation_fraction") == 0 and "early_stopping" not in params:
        params["early_stopping"] = False  # the --validation help says why
    params["random_state"] = args.seed
    if progress is not None:
        params["callbacks"] = [progress]
    if task == "classification":
        return TabularClassifier(MLPClassifier(**params), exclude=exclude, impute=args.impute,
                                 refit=given.get("refit", REFIT))
    return TabularRegressor(MLPRegressor(**params), exclude=exclude, impute=args.impute,
                            refit=given.get("refit", REFIT))


def read_task_table(args):
    """(task, X, y, exclude) from the options of add_table_options: the table read, the names
    the user typed checked, rows with missing values dropped on request, every row's problems
    found now rather than after a fit."""
    frame = read_table(args.data)
    check_names(frame, "--target", [args.target])
    check_names(frame, "--exclude", args.exclude)
    exclude = list(dict.fromkeys(args.exclude + ([args.id] if args.id else [])))
    if args.id:
        check_names(frame, "--id", [args.id])
    if args.target in exclude:
        raise ValueError(f"--target {args.target} is also excluded (--exclude/--id)")
    if args.drop_missing:
        frame = drop_missing(frame, [c for c in frame.columns if c not in exclude])
    task = args.task if args.task != "auto" else infer_task(frame[args.target])
    y = target_values(frame[args.target], task)
    X = frame.drop(columns=args.target)
    numeric, categorical = column_kinds(X, [c for c in X.columns if c not in exclude])
    prepare(X, numeric, categorical, args.impute)
    return task, X, y, exclude


def option_names(error):
    """A library ValueError with the command line's option names (``--epochs 0``, not
    ``epochs=0``)."""
    text = str(error)
    for param, option in PARAM_OPTIONS.items():
        text = text.replace(f"{param}=", f"{option} ")
    return ValueError(text)
