"""The options ``nnfit fit`` and ``nnfit cv`` share, defined once: which columns of the table
to use (``add_table_options``; ``read_task_table`` reads the table they describe, the outcome
of a survival or count model through ``table_outcome``), the network's settings
(``add_network_options``), and the ``TabularClassifier`` / ``TabularRegressor`` /
``TabularSurvival`` they describe (``tabular_model``).

Every network option's default is the library's: the defaults of ``MLPClassifier``,
``MLPRegressor`` and ``MLPSurvival`` are read from the classes, not copied, and an option not
given is not passed, so that each task gets its own estimator's default (where the classifier's
and the regressor's differ, e.g. ``--ridge``, the help gives both; ``--time``'s help gives
``MLPSurvival``'s where it differs from what the options show).  An option of one estimator
only (``--class-weight``, ``--loss``, ``--ties``) is refused for the others.  The exceptions say
why in their help: ``--seed`` is 0, not None, so that a run repeats, and ``--validation 0`` also
turns early stopping off unless ``--early-stopping`` is given (no held-out rows: exactly
``--epochs`` epochs on all rows), and ``--early-stopping false`` holds nothing out unless
``--validation`` is given, whose rows then only monitor the fit (``refit=False``: the model is
the last epoch's, and the validation report is of that model on rows it never saw).
"""
import argparse
import re
from types import SimpleNamespace

from ..engine.optimizers import OPTIMIZERS
from ..estimators.classifier import MLPClassifier
from ..estimators.holdout import AUTO_EARLY_STOPPING
from ..estimators.regressor import MLPRegressor
from ..estimators.survival import MLPSurvival
from ..tabular.models import TabularClassifier, TabularRegressor
from ..tabular.prefit import plan
from ..tabular.preprocess import IMPUTE, column_kinds, prepare
from ..tabular.survival import TabularSurvival
from .options import add_threads_option, positive_int
from .table_data import (MAX_CLASSES_AUTO, add_check_options, add_reading_options,
                         add_weight_option, check_names, drop_missing, infer_task, read_data,
                         row_weights, target_values)
from .table_options import fraction, hidden_sizes, nonnegative, positive, seed, switch
from .table_outcome import (add_outcome_options, check_outcome_names, check_outcome_options,
                            outcome_columns, read_outcome)

MODELS = {"classification": (TabularClassifier, MLPClassifier),
          "regression": (TabularRegressor, MLPRegressor),
          "survival": (TabularSurvival, MLPSurvival)}
DEFAULTS = {task: network().get_params() for task, (_, network) in MODELS.items()}
REFIT = TabularClassifier().get_params()["refit"]
# option, parameter, argparse keywords, help (the default is added from the library)
NETWORK_OPTIONS = [
    ("--hidden", "hidden_layer_sizes", {"type": hidden_sizes},
     "hidden layer widths, comma-separated; 'none' for no hidden layer (multinomial logistic / "
     "linear / Poisson / Cox regression; with --ridge 0 'nnfit fit' prints its coefficient "
     "table with standard errors)"),
    ("--activation", "activation", {"choices": ["relu", "sigmoid", "tanh"]},
     "activation g of the hidden units"),
    ("--dropout", "dropout", {"type": fraction}, "dropout rate of each hidden layer"),
    ("--ridge", "ridge", {"type": nonnegative}, "ridge penalty on the weights"),
    ("--lasso", "lasso", {"type": nonnegative}, "lasso penalty on the weights"),
    ("--class-weight", "class_weight", {"choices": ["balanced"]},
     "weight each class by n / (k n_class) in the fit and in the validation loss "
     "(classification)"),
    ("--loss", "loss", {"choices": ["squared_error", "poisson"]},
     "regression loss: squared error, or poisson: the Poisson deviance with a log link, for "
     "counts >= 0 (with --exposure, counts over an exposure)"),
    ("--ties", "ties", {"choices": ["efron", "breslow"]},
     "survival: how tied event times enter Cox's partial likelihood"),
    ("--optimizer", "optimizer", {"choices": list(OPTIMIZERS)}, "optimizer"),
    ("--learning-rate", "learning_rate", {"type": positive}, "learning rate"),
    ("--batch-size", "batch_size", {"type": positive_int}, "minibatch size"),
    ("--epochs", "epochs", {"type": positive_int},
     "most epochs of the early-stopped fit; without early stopping, the number of epochs"),
    ("--early-stopping", "early_stopping", {"type": switch, "metavar": "{auto,true,false}"},
     "hold out --validation of the rows, stop after --patience epochs without a better "
     f"validation loss and keep the best epoch; auto: only from {AUTO_EARLY_STOPPING:,} rows on; "
     "false: nothing held out, --epochs epochs on all rows and the last epoch's weights (with "
     "--validation given too, those rows only monitor the fit and are not trained on)"),
    ("--validation", "validation_fraction", {"type": fraction},
     "fraction of the rows held out for early stopping and the validation report; 0: none, and "
     "then no early stopping either unless --early-stopping is given (the library would stop "
     "on the training objective): exactly --epochs epochs on all rows"),
    ("--patience", "patience", {"type": positive_int},
     "epochs without a better validation loss before stopping"),
    ("--dtype", "dtype", {"choices": ["float32", "float64"]},
     "floating-point precision of the network and its fit; float64 (with --optimizer lbfgs "
     "--validation 0) for the exact maximum-likelihood fit behind the coefficient table of "
     "--hidden none --ridge 0"),
]
PARAM_OPTIONS = {param: option for option, param, _, _ in NETWORK_OPTIONS}
PARAM_OPTIONS["random_state"] = "--seed"
OWNERS = {"classification": "classification", "regression": "regression",
          "survival": "survival (--time/--event)"}


def _shown(value):
    """A library default as it is typed on the command line."""
    if isinstance(value, tuple):
        return ",".join(map(str, value)) or "none"
    return str(value).lower() if isinstance(value, bool) else value


def add_table_options(parser):
    """--target (or --time and --event, or --loss poisson's --exposure), --task, --exclude,
    --id, --weight, --impute, --drop-missing, and how to read the file (--sep, --decimal,
    --sheet, --encoding)."""
    parser.add_argument("--target", metavar="COLUMN",
                        help="the column to predict (or --time and --event for survival)")
    parser.add_argument("--task", choices=["auto", "classification", "regression"],
                        default="auto",
                        help="auto: classification for text/true-false targets and for whole "
                             f"numbers with at most {MAX_CLASSES_AUTO} distinct values, else "
                             "regression (--loss poisson: always regression)")
    add_outcome_options(parser, _survival_defaults())
    parser.add_argument("--exclude", nargs="+", default=[], metavar="COLUMN",
                        help="columns left out of the predictors")
    parser.add_argument("--id", metavar="COLUMN", help="an identifier column: never a "
                        "predictor, copied into the output of 'nnfit predict'")
    add_weight_option(parser)
    parser.add_argument("--impute", choices=[s for s in IMPUTE if s],
                        help="fill in missing predictor values (numeric columns by this "
                             "statistic, categorical ones by the most frequent category; "
                             "+indicator: and a 0/1 column for each, 1 where it was missing); "
                             "default: none, missing values are an error naming column and "
                             "rows%(default).0s")
    parser.add_argument("--drop-missing", action="store_true",
                        help="drop rows with missing values instead of stopping with an error")
    add_reading_options(parser)
    add_check_options(parser)


def _shown_default(param):
    """The default the help of ``param``'s option shows, and whether it is one value."""
    values = [DEFAULTS[task][param] for task in ("classification", "regression")
              if param in DEFAULTS[task]] or [DEFAULTS["survival"][param]]
    if len(values) == 2 and values[0] != values[1]:
        return (f"the library's, {_shown(values[1])} for regression and "
                f"{_shown(values[0])} for classification"), False
    return _shown(values[0]), True


def _survival_defaults():
    """'--hidden 32, --batch-size 64 ...': MLPSurvival's defaults where the help shows others."""
    different = []
    for option, param, _, _ in NETWORK_OPTIONS:
        if param not in DEFAULTS["survival"]:
            continue
        shown, single = _shown_default(param)
        value = _shown(DEFAULTS["survival"][param])
        if not single or str(shown) != str(value):
            different.append(f"{option} {value}")
    return (": " + ", ".join(different)) if different else ""


def add_network_options(parser):
    """The options of NETWORK_OPTIONS, each with the library's default (module docstring), then
    --no-refit and --seed."""
    for option, param, keywords, text in NETWORK_OPTIONS:
        if "choices" not in keywords:
            keywords = {"metavar": option[2:].upper().replace("-", "_"), **keywords}
        shown, _ = _shown_default(param)
        parser.add_argument(option, dest=param, default=argparse.SUPPRESS,
                            help=f"{text} (default: {shown})", **keywords)
    parser.add_argument("--no-refit", dest="refit", action="store_false", default=REFIT,
                        help="keep the early-stopped fit instead of refitting on all rows "
                             "(refit=False)%(default).0s")  # .0s: no "(default: True)" added
    parser.add_argument("--seed", type=seed, default=0,
                        help="random seed of the validation split and of the network (and, in "
                             "'nnfit cv', of the folds and the bootstrap; the library's "
                             "random_state is None: here a run repeats exactly)")
    add_threads_option(parser)  # --threads (options.py; set around the fits by the command)


def tabular_model(args, task, exclude, progress=None, **params):
    """The unfitted TabularClassifier/TabularRegressor/TabularSurvival that the options
    describe (``params`` set or override the network's; ``progress``, a callback of each
    epoch, prints them)."""
    exclude = tuple(exclude)
    given = vars(args)
    params = {**{param: given[param] for _, param, _, _ in NETWORK_OPTIONS if param in given},
              **params}
    for param in params:
        if param not in DEFAULTS[task]:
            owner = next(t for t in ("classification", "regression", "survival")
                         if param in DEFAULTS[t])
            raise ValueError(f"{PARAM_OPTIONS[param]} is for {OWNERS[owner]}; this is "
                             f"{'a ' * (task != 'survival')}{OWNERS[task]}")
    if params.get("validation_fraction") == 0 and "early_stopping" not in params:
        params["early_stopping"] = False  # the --validation help says why
    if params.get("early_stopping") is False and "validation_fraction" not in params:
        params["validation_fraction"] = 0.0  # the --early-stopping help says why
    # --early-stopping false --validation F: the held-out rows only monitor; no refit
    monitored = params.get("early_stopping") is False and params["validation_fraction"] > 0
    params["random_state"] = args.seed
    if progress is not None:
        params["callbacks"] = [progress]
    tabular, network = MODELS[task]
    checks = {"keep": tuple(getattr(args, "keep", ())),
              **({"allow_similar_classes": True} if task == "classification"
                 and getattr(args, "allow_similar_classes", False) else {})}
    return tabular(network(**params), exclude=exclude, impute=args.impute, **checks,
                   refit=given.get("refit", REFIT) and not monitored)


def read_task_table(args):
    """The table the options of add_table_options describe, as ``task``, ``X``, ``y``,
    ``exclude`` and ``sample_weight`` (the --weight column, times the exposures of counts;
    None without either): the table read,
    the names the user typed checked, rows with missing values dropped on request, every row's
    problems found now rather than after a fit."""
    survival = check_outcome_options(args)
    frame = read_data(args)
    check_outcome_names(args, frame)
    check_names(frame, "--exclude", args.exclude)
    check_names(frame, "--keep", args.keep)
    if args.id:
        check_names(frame, "--id", [args.id])
    if args.weight:
        check_names(frame, "--weight", [args.weight])
    exposure = ([args.exposure] if args.exposure else []) + ([args.weight] if args.weight else [])
    exclude = list(dict.fromkeys(args.exclude + ([args.id] if args.id else []) + exposure))
    outcome = outcome_columns(args)
    for name in outcome:
        if name in exclude:
            option = "--target" if name == args.target else \
                "--time" if name == args.time else "--event"
            raise ValueError(f"{option} {name} is also excluded (--exclude/--id/--exposure/"
                             "--weight)")
    read = frame.index
    if args.drop_missing:
        frame = drop_missing(frame, [c for c in frame.columns if c not in exclude] + exposure)
    if survival:
        task, values = "survival", None
    else:
        task = ("regression" if getattr(args, "loss", None) == "poisson" else
                args.task if args.task != "auto" else infer_task(frame[args.target]))
        values = target_values(frame[args.target], task,
                               getattr(args, "allow_similar_classes", False))
    y, weight = read_outcome(args, frame, values)
    if args.weight:
        weight = row_weights(frame, args.weight, weight)
    X = frame.drop(columns=outcome)
    columns = plan(X, [c for c in X.columns if c not in exclude], args.keep, column_kinds)
    prepare(X, columns.numeric, columns.categorical, args.impute, dates=columns.dates)
    return SimpleNamespace(task=task, X=X, y=y, exclude=exclude, sample_weight=weight,
                           dropped=read.difference(frame.index, sort=False))


def option_names(error):
    """A library ValueError with the command line's option names (``--epochs 0``, not
    ``epochs=0``)."""
    text = str(error)
    for param, option in PARAM_OPTIONS.items():  # --dtype float64, as typed, not 'float64'
        text = re.sub(rf"\b{param}='(\w+)'", rf"{option} \1", text)
        text = text.replace(f"{param}=", f"{option} ")
    return ValueError(text)
