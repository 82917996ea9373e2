"""The options ``nnfit fit`` and ``nnfit cv`` share, defined once: which columns of the table
to use (``add_table_options``; ``read_task_table`` reads the table they describe), the
network's settings (``add_network_options``), and the ``TabularClassifier`` /
``TabularRegressor`` they describe (``tabular_model``)."""
import argparse

from ..estimators.classifier import MLPClassifier
from ..estimators.regressor import MLPRegressor
from ..tabular.models import TabularClassifier, TabularRegressor
from ..tabular.preprocess import column_kinds, prepare
from .options import positive_int
from .table_fit import (MAX_CLASSES_AUTO, check_names, drop_missing, infer_task, read_table,
                        target_values)
from .table_options import fraction, hidden_sizes, nonnegative, positive, seed


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
    """--hidden, --activation, --dropout, --ridge, --lasso, --class-weight, --optimizer,
    --learning-rate, --batch-size, --epochs, --patience, --seed."""
    parser.add_argument("--hidden", default="100", type=hidden_sizes,
                        help="hidden layer widths, comma-separated; 'none' for no hidden layer "
                             "(multinomial logistic / linear regression)")
    parser.add_argument("--activation", default="relu", choices=["relu", "sigmoid", "tanh"],
                        help="activation g of the hidden units")
    parser.add_argument("--dropout", type=fraction, default=0.0,
                        help="dropout rate of each hidden layer")
    parser.add_argument("--ridge", type=nonnegative, default=0.0,
                        help="ridge penalty on the weights")
    parser.add_argument("--lasso", type=nonnegative, default=0.0,
                        help="lasso penalty on the weights")
    parser.add_argument("--class-weight", choices=["balanced"],
                        help="weight each class by n / (k n_class) in the fit (classification)")
    parser.add_argument("--optimizer", default="adam",
                        choices=["adam", "rmsprop", "sgd", "momentum", "nesterov", "gd"],
                        help="optimizer")
    parser.add_argument("--learning-rate", type=positive, default=1e-3, help="learning rate")
    parser.add_argument("--batch-size", type=positive_int, default=32,
                        help="minibatch size (the library's is 128: a table of a few hundred "
                             "rows would then get 2 or 3 steps per epoch)")
    parser.add_argument("--epochs", type=positive_int, default=200,
                        help="most epochs of the early-stopped fit")
    parser.add_argument("--patience", type=positive_int, default=10,
                        help="epochs without a better validation loss before stopping")
    parser.add_argument("--seed", type=seed, default=0,
                        help="random seed of the validation split and of the network (and, in "
                             "'nnfit cv', of the folds and the bootstrap; the library's "
                             "random_state is None: here a run repeats exactly)")


def tabular_model(args, task, exclude, **params):
    """The model the options describe; ``params`` set or override the network's (e.g. epochs,
    validation_fraction, early_stopping)."""
    params = {**dict(hidden_layer_sizes=args.hidden, activation=args.activation,
                     dropout=args.dropout, ridge=args.ridge, lasso=args.lasso,
                     optimizer=args.optimizer, learning_rate=args.learning_rate,
                     batch_size=args.batch_size, epochs=args.epochs, patience=args.patience,
                     random_state=args.seed), **params}
    if task == "classification":
        if args.class_weight:
            params["class_weight"] = args.class_weight
        return TabularClassifier(MLPClassifier(**params), exclude=exclude, impute=args.impute)
    if args.class_weight:
        raise ValueError("--class-weight is for classification; this is a regression")
    return TabularRegressor(MLPRegressor(**params), exclude=exclude, impute=args.impute)


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
