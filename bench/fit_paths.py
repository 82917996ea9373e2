"""The same table through ``nnfit fit`` and through ``TabularRegressor()``: test MAE by fold.

    python bench/fit_paths.py            # 400 rows, 3 folds (about 1 minute on 2 cores)
    python bench/fit_paths.py --rows 1000 --folds 5

Issue 18's example: a table the project never saw (400 rows, numeric and categorical columns,
3 folds), where ``nnfit fit`` once gave a test MAE of 72.9 and ``TabularRegressor()`` 33.2 on the
same rows.  That table is not in the repository; this script generates one of the same shape
(4 numeric columns, 2 categorical ones, a nonlinear target with noise of sd 20), writes each
fold's training rows to a CSV in a temporary folder, runs ``nnfit fit`` on it with its defaults
(``--seed 0``) and ``TabularRegressor(MLPRegressor(random_state=0))`` on the same rows, and
prints both test MAEs per fold.  One fitting workflow gives one answer: the two columns agree.
"""
import argparse
import contextlib
import io
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import KFold


def make_table(n, seed=0):
    """n rows: 4 numeric and 2 categorical predictors, a numeric target ``y``."""
    rng = np.random.default_rng(seed)
    age, dose = rng.normal(50, 12, n), rng.gamma(2.0, 5.0, n)
    bmi, score = rng.normal(27, 4, n), rng.integers(0, 20, n)
    site = rng.choice(["north", "south", "east", "west"], n)
    arm = rng.choice(["placebo", "low", "high"], n)
    effect = {"placebo": 0.0, "low": 25.0, "high": 60.0}
    y = (200 + 2.5 * (age - 50) + 0.08 * (dose - 10) ** 2 + 6 * np.sin(bmi / 3) + 3 * score
         + np.array([effect[a] for a in arm]) * (1 + dose / 20)
         + np.where(site == "east", 30, 0) + rng.normal(0, 20, n))
    return pd.DataFrame({"age": age, "dose": dose, "bmi": bmi, "score": score, "site": site,
                         "arm": arm, "y": y})


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=400)
    parser.add_argument("--folds", type=int, default=3)
    args = parser.parse_args()
    from nnfit import MLPRegressor, TabularRegressor, load
    from nnfit.cli import main as nnfit_main

    frame = make_table(args.rows)
    X, y = frame.drop(columns="y"), frame["y"]
    print(f"{args.rows} rows, {args.folds} folds: test MAE")
    print(f"{'fold':>4}{'nnfit fit':>12}{'TabularRegressor()':>20}{'seconds (cli, py)':>20}")
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for k, (train, test) in enumerate(KFold(args.folds, shuffle=True, random_state=0)
                                          .split(frame), start=1):
            data, model_path = Path(folder) / "train.csv", Path(folder) / f"m{k}.nnfit"
            frame.iloc[train].to_csv(data, index=False)
            start = time.perf_counter()
            with contextlib.redirect_stdout(io.StringIO()), \
                    contextlib.redirect_stderr(io.StringIO()):
                code = nnfit_main(["fit", str(data), "--target", "y", "--out", str(model_path),
                                   "--quiet"])
            cli_seconds = time.perf_counter() - start
            if code != 0:
                raise SystemExit(f"nnfit fit failed on fold {k} (exit status {code})")
            cli = np.mean(np.abs(load(model_path).predict(X.iloc[test]) - y.iloc[test]))
            start = time.perf_counter()
            python = TabularRegressor(MLPRegressor(random_state=0)).fit(X.iloc[train],
                                                                         y.iloc[train])
            py_seconds = time.perf_counter() - start
            ours = np.mean(np.abs(python.predict(X.iloc[test]) - y.iloc[test]))
            results.append((cli, ours))
            print(f"{k:>4}{cli:>12.1f}{ours:>20.1f}{cli_seconds:>12.1f}{py_seconds:>8.1f}")
    cli, ours = np.mean(results, axis=0)
    print(f"{'mean':>4}{cli:>12.1f}{ours:>20.1f}")


if __name__ == "__main__":
    main()
