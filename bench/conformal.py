"""Coverage and width of nnfit's conformal intervals over many random splits (issue 25).

    python bench/conformal.py                   # 100 splits of diabetes and Hitters (some minutes)
    python bench/conformal.py --splits 20 --tables diabetes --level 0.8
    python bench/conformal.py --quick           # 3 splits, small networks: checks that it runs

Each split puts 25 % of a table's rows aside as test rows (``train_test_split``, seed = the
split's number); the other rows fit and calibrate each system, which is then judged on the test
rows: coverage = share of test y inside its interval, width = median of upper - lower.

- ``nnfit split``: ``nnfit.ConformalRegressor(model, level, method="split")``: 25 % of the
  training rows calibrate, the rest fit the model;
- ``nnfit cross``: the same with ``method="cross"`` (CV+, 5 folds, all training rows);
- ``sk-MLP split``: MAPIE's ``SplitConformalRegressor(prefit=False)`` around scikit-learn's
  ``MLPRegressor`` (its defaults) after a ``StandardScaler`` of the inputs and of the target
  (as nnfit standardizes both), on the same fitting and calibration rows as ``nnfit split``.

The model is ``MLPRegressor()`` on ``diabetes`` (scikit-learn's bundled table, 442 rows, 10
numeric columns) and ``TabularRegressor()`` on ``hitters`` (ISLR2 Hitters, Salary, 263 rows, with
its three categorical columns as read; scikit-learn's pipeline one-hot encodes them and scales
the numeric ones).  The table prints, over the splits, the mean coverage with its smallest and
largest value, the median of the median widths, the mean test R^2 of the points, and seconds.
"""
import argparse
import os
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from mapie.regression import SplitConformalRegressor  # noqa: E402
from sklearn.compose import ColumnTransformer, TransformedTargetRegressor  # noqa: E402
from sklearn.datasets import load_diabetes  # noqa: E402
from sklearn.metrics import r2_score  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.neural_network import MLPRegressor as SkMLPRegressor  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import OneHotEncoder, StandardScaler  # noqa: E402

import nnfit  # noqa: E402
from nnfit.datasets import load_hitters  # noqa: E402
from nnfit.estimators.conformal import ConformalRegressor  # noqa: E402

SYSTEMS = ("nnfit split", "nnfit cross", "sk-MLP split")
CALIBRATION = 0.25


def load(name):
    """(X, y, categorical columns) of a table: an array, or a DataFrame as read."""
    if name == "diabetes":
        X, y = load_diabetes(return_X_y=True)
        return X, y, None
    frame = load_hitters().frame
    return frame.drop(columns="Salary"), frame["Salary"].to_numpy(float), \
        ["League", "Division", "NewLeague"]


def nnfit_model(categorical, seed, quick):
    inner = nnfit.MLPRegressor((16,), epochs=30, random_state=seed) if quick else \
        nnfit.MLPRegressor(random_state=seed)
    return inner if categorical is None else nnfit.TabularRegressor(inner)


def sklearn_model(X, categorical, seed, quick):
    mlp = TransformedTargetRegressor(
        SkMLPRegressor(hidden_layer_sizes=(16,) if quick else (100,), max_iter=30 if quick else 200,
                       random_state=seed), transformer=StandardScaler())
    if categorical is None:
        return make_pipeline(StandardScaler(), mlp)
    numeric = [c for c in X.columns if c not in categorical]
    columns = ColumnTransformer([("numeric", StandardScaler(), numeric),
                                 ("categorical", OneHotEncoder(drop="first"), categorical)])
    return make_pipeline(columns, mlp)  # MAPIE probes a Pipeline's last step with an array


def one_split(system, X, y, categorical, seed, level, quick):
    """(covered share, median width, R^2 of the points) of one system on one split."""
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=seed)
    if system == "sk-MLP split":
        X_fit, X_cal, y_fit, y_cal = train_test_split(X_train, y_train, test_size=CALIBRATION,
                                                      random_state=seed)
        mapie = SplitConformalRegressor(sklearn_model(X, categorical, seed, quick),
                                        confidence_level=level, prefit=False)
        mapie.fit(X_fit, y_fit).conformalize(X_cal, y_cal)
        points, intervals = mapie.predict_interval(X_test)
        lower, upper = intervals[:, 0, 0], intervals[:, 1, 0]
    else:
        model = ConformalRegressor(nnfit_model(categorical, seed, quick), level=level,
                                   method=system.split()[1], calibration_size=CALIBRATION,
                                   random_state=seed).fit(X_train, y_train)
        points, lower, upper = model.predict_interval(X_test)
    covered = np.mean((lower <= y_test) & (y_test <= upper))
    return covered, float(np.median(upper - lower)), r2_score(y_test, points)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--splits", type=int, default=100)
    parser.add_argument("--level", type=float, default=0.9)
    parser.add_argument("--tables", default="diabetes,hitters")
    parser.add_argument("--systems", default=",".join(SYSTEMS))
    parser.add_argument("--quick", action="store_true",
                        help="3 splits and small networks: checks that it runs")
    args = parser.parse_args(argv)
    splits = 3 if args.quick else args.splits
    systems = args.systems.split(",")
    unknown = sorted(set(systems) - set(SYSTEMS)) + sorted(
        set(args.tables.split(",")) - {"diabetes", "hitters"})
    if unknown:
        parser.error(f"unknown system or table {unknown}; systems: {', '.join(SYSTEMS)}")
    print(f"{args.level:g} intervals, {splits} random splits (25 % test rows each)")
    print(f"{'table':9s} {'system':13s} {'coverage':>8s} {'min':>6s} {'max':>6s} "
          f"{'width':>9s} {'R^2':>6s} {'seconds':>8s}")
    for table in args.tables.split(","):
        X, y, categorical = load(table)
        for system in systems:
            start, rows = time.perf_counter(), []
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # scikit-learn's ConvergenceWarning at 200 epochs
                for seed in range(splits):
                    rows.append(one_split(system, X, y, categorical, seed, args.level, args.quick))
            covered, width, r2 = np.array(rows).T
            print(f"{table:9s} {system:13s} {covered.mean():8.4f} {covered.min():6.3f} "
                  f"{covered.max():6.3f} {np.median(width):9.2f} {r2.mean():6.3f} "
                  f"{time.perf_counter() - start:8.1f}", flush=True)


if __name__ == "__main__":
    main()
