"""``nnfit fit``: a thin shell over ``TabularClassifier`` and ``TabularRegressor``.

The command reads the table, decides the task, builds the tabular model from its options and
calls its ``fit``: the hold-out, the early stopping and the refit on all rows for the best
epoch count are the library's (``nnfit.tabular.workflow``), so ``nnfit fit`` and Python give
the same model for the same seed.  Every option's default is the library's: the network
options take the defaults of ``MLPClassifier``/``MLPRegressor`` (read from the classes, not
copied), and where the two estimators differ (``--ridge``, ``--batch-size``,
``--early-stopping``) an option not given is not passed, so each task gets its own estimator's
default.  The exceptions say why in their help: ``--seed`` is 0, not None, so that a run
repeats, and ``--validation 0`` also turns early stopping off unless ``--early-stopping`` is
given (0 held-out rows: exactly ``--epochs`` epochs on all rows).  The model is written before
the report on the held-out rows (of the early-stopped fit, which never trained on them).
"""
import argparse
import warnings

from threadpoolctl import threadpool_limits

from ..estimators.classifier import MLPClassifier
from ..estimators.holdout import AUTO_EARLY_STOPPING
from ..estimators.regressor import MLPRegressor
from ..tabular.models import TabularClassifier, TabularRegressor
from ..tabular.preprocess import names
from .._files import check_output_path
from .options import positive_int
from .table_data import (MAX_CLASSES_AUTO, ROWS_NOTE, check_names, drop_missing, infer_task,
                         read_table, target_values)
from .table_options import fraction, hidden_sizes, nonnegative, positive, seed, switch
from .table_report import evaluate, format_report

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
    ("--optimizer", "optimizer", {"choices": ["adam", "rmsprop", "sgd", "nesterov", "gd"]},
     "optimizer"),
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


def add_network_options(parser):
    """The options of NETWORK_OPTIONS, each with the library's default (see the docstring)."""
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


def register(subparsers):
    fit = subparsers.add_parser(
        "fit", formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        help="fit a network to a CSV/Parquet table and save it",
        description="Fit a network predicting one column of a table from the others: the "
                    "model of nnfit.TabularClassifier/TabularRegressor with the same settings, "
                    "the same model for the same --seed. Numeric columns are standardized, text "
                    "and true/false columns one-hot encoded. When early stopping holds rows out, "
                    "the fit stops on them (best epoch restored) and is then refit on all rows "
                    "for that many epochs. Every default is the library's unless its option "
                    "says why not. " + ROWS_NOTE)
    fit.add_argument("data", help="training data: a .csv file, or .parquet (needs pyarrow)")
    fit.add_argument("--target", required=True, metavar="COLUMN", default=argparse.SUPPRESS,
                     help="the column to predict (required)")
    fit.add_argument("--task", choices=["auto", "classification", "regression"], default="auto",
                     help="auto: classification for text/true-false targets and for whole "
                          f"numbers with at most {MAX_CLASSES_AUTO} distinct values, else "
                          "regression")
    fit.add_argument("--exclude", nargs="+", default=[], metavar="COLUMN",
                     help="columns left out of the predictors")
    fit.add_argument("--id", metavar="COLUMN", help="an identifier column: never a predictor, "
                     "copied into the output of 'nnfit predict'")
    fit.add_argument("--impute", choices=["mean", "median", "most_frequent"],
                     help="fill in missing predictor values (numeric columns by this statistic, "
                          "categorical ones by the most frequent category); default: none, missing "
                          "values are an error naming column and rows%(default).0s")
    fit.add_argument("--drop-missing", action="store_true",
                     help="drop rows with missing values instead of stopping with an error")
    add_network_options(fit)
    fit.add_argument("--no-refit", dest="refit", action="store_false", default=REFIT,
                     help="keep the early-stopped fit instead of refitting on all rows "
                          "(refit=False)%(default).0s")  # .0s: no "(default: True)" added
    fit.add_argument("--seed", type=seed, default=0,
                     help="random seed of the validation split and of the network (the "
                          "library's random_state is None: here a run repeats exactly)")
    fit.add_argument("--threads", type=positive_int, default=None, metavar="T",
                     help="BLAS threads of the fit (None: the BLAS library's own choice); 1 is "
                          "faster when other programs keep the cores busy, since OpenBLAS's "
                          "threads then wait on each other")
    fit.add_argument("--quiet", action="store_true", help="no line per epoch")
    fit.add_argument("--out", metavar="MODEL", required=True, default=argparse.SUPPRESS,
                     help="model file to write (required)")
    fit.add_argument("--force", action="store_true",
                     help="replace an existing --out (without it an existing file is refused)")
    fit.set_defaults(func=run_fit, wording=lambda text: str(option_names(ValueError(text))))


def run_fit(args):
    out = check_output_path(args.out, [args.data], "nnfit model", (".nnfit",), args.force)
    if out.exists() and not args.force:
        raise ValueError(f"--out {out} exists; choose another name, or add --force to replace "
                         "it")
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
    model = tabular_model(args, task, exclude)
    print(f"task: {task} of {args.target!r} ({len(frame)} rows); set --task to override")
    try:
        with threadpool_limits(limits=args.threads, user_api="blas"):
            model.fit(X, y)
    except ValueError as error:
        raise option_names(error) from None
    if model.estimator_.interrupted_ or model.early_stopped_estimator_.interrupted_:
        raise KeyboardInterrupt
    held_out = model.validation_index_
    print(outcome(model, len(frame)))
    if len(held_out):
        try:  # the report of the early-stopped fit, on rows it never saw
            report = scored(model.early_stopped_model(), X.loc[held_out], y.loc[held_out])
        except ValueError as error:
            report = error
    if args.id:
        model.id_column_ = args.id
    model.save(out)
    args.written.append(str(out))
    print(f"model written to {out}")
    if len(held_out):
        refit = model.estimator_ is not model.early_stopped_estimator_
        print(f"validation report ({len(held_out)} held-out rows, the fit stopped at epoch "
              f"{model.early_stopped_estimator_.best_epoch_}{', before the refit' * refit}):")
        if isinstance(report, Exception):
            raise ValueError(f"the validation report failed (the model was written): {report}")
        print("\n".join(format_report(report)))


def tabular_model(args, task, exclude):
    """The unfitted TabularClassifier/TabularRegressor that the options describe."""
    exclude = tuple(exclude)
    given = vars(args)
    params = {param: given[param] for _, param, _, _ in NETWORK_OPTIONS if param in given}
    if task == "regression":
        if params.pop("class_weight", None) is not None:
            raise ValueError("--class-weight is for classification; this is a regression")
    if params.get("validation_fraction") == 0 and "early_stopping" not in params:
        params["early_stopping"] = False  # the --validation help says why
    params["random_state"] = args.seed
    if not args.quiet:
        params["callbacks"] = [progress(params.get("epochs"), task)]
    if task == "classification":
        return TabularClassifier(MLPClassifier(**params), exclude=exclude, impute=args.impute,
                                 refit=args.refit)
    return TabularRegressor(MLPRegressor(**params), exclude=exclude, impute=args.impute,
                            refit=args.refit)


def progress(epochs, task):
    """A callback of the fit that prints one line per epoch (a function, not an object:
    ``clone`` copies a function as itself, and the refit's copy prints too)."""
    score = "accuracy" if task == "classification" else "R^2"
    seen = {"validated": False}

    def show(record):
        line = f"{record['epoch']:>4}"
        if "val_loss" in record:
            seen["validated"] = True
            line = (f"epoch {line}/{epochs}  training objective {record['train_objective']:.4f}"
                    f"  validation loss {record['val_loss']:.4f}  {score} "
                    f"{record['val_score']:.4f}")
        else:  # the refit on all rows, or a fit without held-out rows
            line = (f"{'refit epoch' if seen['validated'] else 'epoch'} {line}  training "
                    f"objective {record['train_objective']:.4f}")
        print(line, flush=True)
        return False

    return show


def outcome(model, n_rows):
    """What the fit did with the epochs and the rows, in one or two lines."""
    first, held_out = model.early_stopped_estimator_, len(model.validation_index_)
    if not held_out:
        params = first.get_params()
        why = ("--validation 0" if params["validation_fraction"] == 0 else
               "--early-stopping false" if params["early_stopping"] is False else
               f"--early-stopping auto holds rows out from {AUTO_EARLY_STOPPING:,} rows on; "
               "--early-stopping true to hold them out here")
        return f"no validation rows ({why}): {first.n_iter_} epoch(s) on all {n_rows} rows"
    best, last, epochs = first.best_epoch_, first.n_iter_, first.get_params()["epochs"]
    stopped = "stopped early" if last < epochs else f"used all {epochs} epochs"
    lowest = (f"best validation loss {first.history_['val_loss'][best - 1]:.4f} at epoch {best}"
              if best else "the validation loss was lowest at the start (epoch 0)")
    text = (f"{stopped}: {lowest}, whose weights were restored ({n_rows - held_out} training, "
            f"{held_out} validation rows)")
    if model.estimator_ is not first:
        text += f"\nrefit on all {n_rows} rows for {model.estimator_.n_iter_} epoch(s)"
    return text


def scored(model, frame, truth):
    """``evaluate``, with scikit-learn's warnings about classes absent from the rows scored
    (a few held-out rows may hold one class only) said once, in nnfit's words."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = evaluate(model, frame, truth)
    ours = [w for w in caught if "sklearn" not in w.filename]
    for w in ours:
        warnings.warn(w.message, w.category)
    absent = [c for c in report.get("classes", []) if c not in {str(t) for t in truth}]
    if len(ours) < len(caught) and absent:
        warnings.warn(f"the {len(truth)} row(s) scored hold no row of class(es) {names(absent)}: "
                      "the balanced accuracy is the mean recall of the classes present, and "
                      f"the recall and F1 of {names(absent)} are given as 0", UserWarning)
    elif len(ours) < len(caught):
        for w in caught:
            if w not in ours:
                warnings.warn(w.message, w.category)
    return report


def option_names(error):
    """A library ValueError with the command line's option names (``--epochs 0``, not
    ``epochs=0``)."""
    text = str(error)
    for param, option in PARAM_OPTIONS.items():
        text = text.replace(f"{param}=", f"{option} ")
    return ValueError(text)
