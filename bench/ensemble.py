"""A 5-member ensemble at defaults against its own members, logistic regression and scikit-learn's
MLP on held-out rows of small tables (issue 25).

    python bench/ensemble.py                  # 8 splits of Default (twice), breast_cancer, diabetes
    python bench/ensemble.py --splits 3 --tables default
    python bench/ensemble.py --quick          # 1 split, 2 small members: checks that it runs
    python bench/ensemble.py --paired --splits 20 --tables default500,default1000,hitters
                                             # ensemble - other, paired by split (below)
    python bench/ensemble.py --tables caravan --caravan Caravan.csv --jobs 2   # ISLP's file

Classes.  ``default`` is ISLR2's Default (10,000 rows, 3.3 % defaults; student, balance,
income): each split draws 2,000 training rows (stratified, seed = the split's number) and tests on
the other 8,000; ``default500`` draws 500 (about 16 defaults) and tests on the other 9,500.
``default1000`` 1,000 (about 33).  ``caravan`` is ISLR2's Caravan (5,822 rows, 6 % bought a
caravan policy, 85 numeric columns; the issue's imbalanced case), read from ISLP's
``Caravan.csv`` given with ``--caravan FILE`` (nnfit does not ship it), 25 % test rows.  ``hitters`` is ISLR2's Hitters (263 players with a salary):
is the salary above 425 (thousand dollars, the median of the 263), from the 19 other columns (3
categorical), 25 % test rows.  ``cancer`` is scikit-learn's breast_cancer (569 rows, 37 % malignant, 30 numeric columns), 25 %
test rows.  The systems, each fitted on the same training rows:

- ``members``: the 5 members of ``ens`` scored one by one: the mean of their scores is a single
  network's expected score, ``best`` the best member's score on the test rows (chosen in
  hindsight, so optimistic);
- ``ens``: ``nnfit.MLPEnsemble(MLPClassifier(), n_estimators=5)`` (``TabularClassifier`` around
  the network on Default), everything at its defaults, random_state = the split's number;
- ``ens-bal`` (Default): the same with ``class_weight="balanced"`` members, and its members;
- ``LR`` / ``LR-bal``: scikit-learn's ``LogisticRegression`` (its default ridge, C = 1), without
  and with ``class_weight="balanced"``;
- ``sk-MLP`` / ``sk-MLP-bal``: scikit-learn's ``MLPClassifier`` at its defaults, without and with
  balanced sample weights; the scikit-learn models see the numeric columns standardized and
  student one-hot encoded.

AUC and Brier score are of the predicted probability of the positive class (default, malignant);
balanced accuracy is of the labels at probability 0.5.  Each cell is the mean and standard
deviation over the splits.  ``spread`` is the width of the ensemble's 90 % member interval of
that probability (``predict_proba_interval``): its median over the test rows, then over the
splits.

``--paired`` fits, on each split, ``ens``, its members, ``ens-boot`` (the same ensemble with
``bootstrap=True``: each member on a stratified bootstrap sample) and the two logistic regressions
only, then prints for each of ``members``, ``best``, ``ens-boot``, ``LR`` and ``LR-bal`` the paired
difference ens - system in AUC and Brier score: its mean over the splits, its sd and the 95 %
t-interval of the mean (mean -/+ t_{S-1} sd / sqrt S); AUC > 0 and Brier < 0 favour ``ens``.
Nothing is chosen on the test rows: every system is at its defaults, unless ``--member
early_stopping=True`` (or another setting) changes the members of ``ens`` and ``ens-boot``.

Values.  ``diabetes`` (scikit-learn's, 442 rows, 25 % test rows): R^2 of the members (mean),
of ``nnfit.MLPEnsemble(MLPRegressor())`` and the share of test y inside its 90 % member interval
(``predict_interval``), which is not a prediction interval (``ConformalRegressor`` is), and the
interval's width (median over test rows, then over the splits).
"""
import argparse
import ast
import os
import sys
import time
import warnings

import numpy as np
import pandas as pd
from scipy import stats

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sklearn.compose import ColumnTransformer  # noqa: E402
from sklearn.datasets import load_breast_cancer, load_diabetes  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import (balanced_accuracy_score, brier_score_loss, r2_score,  # noqa: E402
                             roc_auc_score)
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.neural_network import MLPClassifier as SkMLPClassifier  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import OneHotEncoder, StandardScaler  # noqa: E402
from sklearn.utils.class_weight import compute_sample_weight  # noqa: E402

from nnfit.datasets import load_default, load_hitters  # noqa: E402
from nnfit.estimators.classifier import MLPClassifier  # noqa: E402
from nnfit.estimators.ensemble import MLPEnsemble  # noqa: E402
from nnfit.estimators.regressor import MLPRegressor  # noqa: E402
from nnfit.tabular.models import TabularClassifier  # noqa: E402

TABLES = ("default", "default500", "default1000", "hitters", "cancer", "caravan", "diabetes")
DEFAULT_TABLES = ("default", "default500", "cancer", "diabetes")


def load(name):
    """(X, y as 0/1 or values, whether X is a DataFrame)."""
    if name.startswith("default"):
        frame = load_default().frame
        return frame.drop(columns="default"), (frame["default"] == "Yes").to_numpy(int), True
    if name == "hitters":
        frame = load_hitters().frame
        return frame.drop(columns="Salary"), (frame["Salary"] > 425).to_numpy(int), True
    if name == "caravan":
        if not CARAVAN:
            raise SystemExit("caravan: give ISLP's Caravan.csv with --caravan FILE (module docstring)")
        frame = pd.read_csv(CARAVAN)
        return frame.drop(columns="Purchase"), (frame["Purchase"] == "Yes").to_numpy(int), True
    if name == "cancer":
        X, y = load_breast_cancer(return_X_y=True)
        return X, 1 - y, False  # 1 = malignant
    X, y = load_diabetes(return_X_y=True)
    return X, y, False


def split(name, X, y, seed):
    if name.startswith("default"):  # 2,000 (or 500) training rows, the others to test
        return train_test_split(X, y, train_size=int(name[7:] or 2000), stratify=y,
                                random_state=seed)
    return train_test_split(X, y, test_size=0.25, stratify=y if name != "diabetes" else None,
                            random_state=seed)


def network(frame, quick, **params):
    params = {**MEMBER, **params}
    inner = MLPClassifier((8,), epochs=20, **params) if quick else MLPClassifier(**params)
    return TabularClassifier(inner) if frame else inner


def sklearn_model(X, frame, model):
    if not frame:
        return make_pipeline(StandardScaler(), model)
    categorical = [c for c in X.columns if X[c].dtype == object]
    numeric = [c for c in X.columns if c not in categorical]
    columns = ColumnTransformer([("numeric", StandardScaler(), numeric),
                                 ("categorical", OneHotEncoder(drop="first"), categorical)])
    return make_pipeline(columns, model)


def scores(y, risk):
    return (roc_auc_score(y, risk), brier_score_loss(y, risk),
            balanced_accuracy_score(y, (risk > 0.5).astype(int)))


def classes_split(name, X, y, frame, seed, quick, n_estimators, jobs, paired=False):
    """{system: (AUC, Brier, balanced accuracy[, spread])} on one split."""
    X_train, X_test, y_train, y_test = split(name, X, y, seed)
    out = {}
    weights = [("", {}, False)] + ([("-bal", {"class_weight": "balanced"}, False)]
                                   if frame and not paired else []) \
        + ([("-boot", {}, True)] if paired else [])
    for suffix, params, bootstrap in weights:
        model = MLPEnsemble(network(frame, quick, **params), n_estimators=n_estimators,
                            bootstrap=bootstrap, n_jobs=jobs, random_state=seed
                            ).fit(X_train, y_train)
        risk, lower, upper = model.predict_proba_interval(X_test, level=0.9)
        out["ens" + suffix] = (*scores(y_test, risk[:, 1]), np.median(upper[:, 1] - lower[:, 1]))
        members = np.array([scores(y_test, m.predict_proba(X_test)[:, 1])
                            for m in model.estimators_])
        out["members" + suffix] = tuple(members.mean(axis=0))
        out["best" + suffix] = (members[:, 0].max(), members[:, 1].min(), members[:, 2].max())
    for suffix, weight in (("", None), ("-bal", "balanced")):
        lr = sklearn_model(X, frame, LogisticRegression(class_weight=weight, max_iter=1000))
        out["LR" + suffix] = scores(y_test, lr.fit(X_train, y_train).predict_proba(X_test)[:, 1])
        if paired:
            continue
        mlp = sklearn_model(X, frame, SkMLPClassifier(
            hidden_layer_sizes=(8,) if quick else (100,), max_iter=20 if quick else 200,
            random_state=seed))
        w = None if weight is None else compute_sample_weight("balanced", y_train)
        mlp.fit(X_train, y_train, mlpclassifier__sample_weight=w)
        out["sk-MLP" + suffix] = scores(y_test, mlp.predict_proba(X_test)[:, 1])
    return out


def values_split(X, y, seed, quick, n_estimators, jobs):
    X_train, X_test, y_train, y_test = split("diabetes", X, y, seed)
    inner = MLPRegressor((8,), epochs=20) if quick else MLPRegressor()
    model = MLPEnsemble(inner, n_estimators=n_estimators, n_jobs=jobs,
                        random_state=seed).fit(X_train, y_train)
    prediction, lower, upper = model.predict_interval(X_test, level=0.9)
    members = np.mean([r2_score(y_test, m.predict(X_test)) for m in model.estimators_])
    return {"members": (members,), "ens": (r2_score(y_test, prediction),
                                           np.mean((lower <= y_test) & (y_test <= upper)),
                                           np.median(upper - lower))}


CARAVAN = None  # --caravan FILE
MEMBER = {}  # --member settings of the nnfit networks
ORDER = ("members", "best", "ens", "members-boot", "best-boot", "ens-boot", "members-bal",
         "best-bal", "ens-bal", "LR", "LR-bal", "sk-MLP", "sk-MLP-bal")
PAIRED = ("members", "best", "ens-boot", "LR", "LR-bal")


def paired_lines(table, rows):
    """ens - system, AUC and Brier: mean, sd and 95 % t-interval over the splits."""
    lines = [f"{'':{len(table) + 2}s}ens - {'system':9s} {'AUC: mean (sd) [95% CI]':>33s} "
             f"{'Brier: mean (sd) [95% CI]':>35s}"]
    S = len(rows)
    t = stats.t.ppf(0.975, S - 1) if S > 1 else float("nan")
    for system in PAIRED:
        d = np.array([np.subtract(row["ens"][:2], row[system][:2]) for row in rows])
        mean, sd = d.mean(axis=0), d.std(axis=0, ddof=1) if S > 1 else np.zeros(2)
        half = t * sd / np.sqrt(S)
        cells = [f"{m:+.4f} ({s:.4f}) [{m - h:+.4f}, {m + h:+.4f}]"
                 for m, s, h in zip(mean, sd, half)]
        lines.append(f"{'':{len(table) + 2}s}ens - {system:9s} {cells[0]:>33s} {cells[1]:>35s}")
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--splits", type=int, default=8)
    parser.add_argument("--members", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=1, help="n_jobs of the ensembles")
    parser.add_argument("--tables", default=",".join(DEFAULT_TABLES),
                        help=f"some of {','.join(TABLES)}")
    parser.add_argument("--quick", action="store_true", help="1 split, 2 small members")
    parser.add_argument("--paired", action="store_true",
                        help="ens, ens-boot and the logistic regressions only, with the paired "
                             "differences ens - system (module docstring)")
    parser.add_argument("--member", action="append", default=[], metavar="NAME=VALUE",
                        help="a setting of the nnfit networks, e.g. early_stopping=True, "
                             "ridge=0.01 (a Python literal)")
    parser.add_argument("--caravan", metavar="FILE",
                        help="ISLP's Caravan.csv, for the table caravan (not bundled with nnfit)")
    args = parser.parse_args(argv)
    global CARAVAN
    CARAVAN = args.caravan
    MEMBER.clear()
    for setting in args.member:
        name, _, value = setting.partition("=")
        MEMBER[name] = ast.literal_eval(value)
    tables = args.tables.split(",")
    if set(tables) - set(TABLES):
        parser.error(f"unknown table(s) {sorted(set(tables) - set(TABLES))}; choose from {TABLES}")
    splits, members = (1 + args.paired, 2) if args.quick else (args.splits, args.members)
    print(f"{members}-member ensembles, {splits} held-out split(s); mean (sd) over the splits"
          + (f"; members with {MEMBER}" if MEMBER else ""))
    for table in tables:
        X, y, frame = load(table)
        start, rows = time.perf_counter(), []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ConvergenceWarnings of the fixed-epoch fits
            for seed in range(splits):
                rows.append(values_split(X, y, seed, args.quick, members, args.jobs)
                            if table == "diabetes" else
                            classes_split(table, X, y, frame, seed, args.quick, members,
                                          args.jobs, args.paired))
        seconds = time.perf_counter() - start
        if table == "diabetes":
            print(f"\n{table}: {'system':11s} {'R^2':>15s} {'90% cover':>15s} {'width':>8s}")
        else:
            print(f"\n{table}: {'system':11s} {'AUC':>15s} {'Brier':>15s} {'bal. acc.':>15s} "
                  f"{'spread':>8s}")
        for system in [s for s in ORDER if s in rows[0]]:
            values = np.array([row[system] for row in rows])
            cells = [f"{m:.4f} ({s:.4f})" for m, s in zip(values.mean(0), values.std(0))]
            if values.shape[1] == 4 or table == "diabetes" and system == "ens":
                cells[-1] = f"{np.median(values[:, -1]):8.4f}"
            print(f"{'':{len(table) + 2}s}{system:11s} " + " ".join(f"{c:>15s}" for c in cells))
        if args.paired and table != "diabetes":
            print("\n".join(paired_lines(table, rows)))
        print(f"{'':{len(table) + 2}s}{seconds:.0f} s", flush=True)


if __name__ == "__main__":
    main()
