"""nnfit at its defaults against scikit-learn's MLP, a logistic/linear model and gradient boosting.

    python bench/defaults.py                   # every table, 5-fold CV (some minutes on 2 cores)
    python bench/defaults.py --quick           # small tables, 2 folds, few epochs: checks that it runs
    python bench/defaults.py --tables hitters,khan --seeds 3
    python bench/defaults.py --params optimizer=lbfgs   # nnfit with other settings than its defaults

Each table is cross-validated with the same folds (stratified for a classification) for four
models, all at their defaults, each fitted on the training folds and scored on the held-out fold:

- ``nnfit``: ``nnfit.MLPClassifier()`` / ``MLPRegressor()`` (they standardize their inputs);
- ``sk-MLP``: scikit-learn's ``MLPClassifier`` / ``MLPRegressor`` after a ``StandardScaler``;
- ``linear``: ``LogisticRegression`` after a ``StandardScaler`` / ``LinearRegression``;
- ``HGB``: ``HistGradientBoostingClassifier`` / ``Regressor``.

The score is the accuracy of a classification, the R^2 of a regression, and, for the ``rare``
table (4,000 synthetic rows with 4 % positives, scikit-learn's ``make_classification``), the
balanced accuracy with every model weighting the classes "balanced" (nnfit and the logistic model
and gradient boosting by ``class_weight``, scikit-learn's MLP, which has none, by the equivalent
``sample_weight``).  The table prints the mean over folds (and seeds), nnfit / sk-MLP (nan when a score is below 0)
and the seconds of all of nnfit's and of sk-MLP's fits.
Tables: ``hitters`` (ISLR2 Hitters, Salary, 263 rows), ``default`` (ISLR2 Default, 10,000 rows,
3.3 % defaults), ``khan`` (ISLR2 Khan, training and test rows together: 83 rows, 2,308 genes,
4 classes), and scikit-learn's bundled ``diabetes``, ``breast_cancer`` and ``wine``.
"""
import argparse
import os
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sklearn import datasets as sk_datasets  # noqa: E402
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor  # noqa: E402
from sklearn.linear_model import LinearRegression, LogisticRegression  # noqa: E402
from sklearn.metrics import accuracy_score, balanced_accuracy_score, r2_score  # noqa: E402
from sklearn.model_selection import KFold, StratifiedKFold  # noqa: E402
from sklearn.neural_network import MLPClassifier as SkMLPClassifier  # noqa: E402
from sklearn.neural_network import MLPRegressor as SkMLPRegressor  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils.class_weight import compute_sample_weight  # noqa: E402

import nnfit  # noqa: E402
from nnfit.datasets import load_default, load_hitters, load_khan  # noqa: E402

MODELS = ("nnfit", "sk-MLP", "linear", "HGB")


def load(name):
    """(X, y, kind) of a table: kind is "classification", "regression" or "rare"."""
    if name == "hitters":
        bunch = load_hitters()
        return bunch.data.to_numpy(float), bunch.target.to_numpy(float), "regression"
    if name == "default":
        bunch = load_default()
        return bunch.data.to_numpy(float), bunch.target.to_numpy(), "classification"
    if name == "khan":
        khan = load_khan()
        return (np.vstack([khan.X_train, khan.X_test]), np.concatenate([khan.y_train, khan.y_test]),
                "classification")
    if name == "rare":
        X, y = sk_datasets.make_classification(
            n_samples=4000, n_features=20, n_informative=5, weights=[0.96], flip_y=0.01,
            class_sep=0.8, random_state=0)
        return X, y, "rare"
    loader = {"diabetes": sk_datasets.load_diabetes, "breast_cancer": sk_datasets.load_breast_cancer,
              "wine": sk_datasets.load_wine}[name]
    X, y = loader(return_X_y=True)
    return X, y, "regression" if name == "diabetes" else "classification"


def models(kind, seed, quick, params):
    """The four models for a kind of table; with ``quick`` few epochs / iterations."""
    few = {"epochs": 20} if quick else {}
    few_sk = {"max_iter": 20} if quick else {}
    few_hgb = {"max_iter": 10} if quick else {}
    if kind == "regression":
        return {"nnfit": nnfit.MLPRegressor(random_state=seed, **{**few, **params}),
                "sk-MLP": make_pipeline(StandardScaler(), SkMLPRegressor(random_state=seed, **few_sk)),
                "linear": LinearRegression(),
                "HGB": HistGradientBoostingRegressor(random_state=seed, **few_hgb)}
    weights = {"class_weight": "balanced"} if kind == "rare" else {}
    return {"nnfit": nnfit.MLPClassifier(random_state=seed, **{**few, **weights, **params}),
            "sk-MLP": make_pipeline(StandardScaler(), SkMLPClassifier(random_state=seed, **few_sk)),
            "linear": make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000, **weights)),
            "HGB": HistGradientBoostingClassifier(random_state=seed, **{**few_hgb, **weights})}


def score(kind, y_true, y_pred):
    if kind == "regression":
        return r2_score(y_true, y_pred)
    return (balanced_accuracy_score if kind == "rare" else accuracy_score)(y_true, y_pred)


def cross_validate(name, folds, seeds, quick, params, chosen=MODELS):
    """Mean held-out score of each model over the folds and seeds; and the seconds it took."""
    X, y, kind = load(name)
    if quick:  # a taste of the table: at most 150 rows and 200 columns
        rows = np.random.default_rng(0).permutation(len(y))[:150]
        X, y = X[rows][:, :200], y[rows]
    scores = {model: [] for model in chosen}
    seconds = dict.fromkeys(chosen, 0.0)
    for seed in range(seeds):
        splitter = (KFold if kind == "regression" else StratifiedKFold)(
            folds, shuffle=True, random_state=seed)
        for train, test in splitter.split(X, y):
            for model_name, model in models(kind, seed, quick, params).items():
                if model_name not in chosen:
                    continue
                fit_params = {}
                if kind == "rare" and model_name == "sk-MLP":
                    fit_params["mlpclassifier__sample_weight"] = compute_sample_weight(
                        "balanced", y[train])
                started = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # convergence warnings of short fits
                    model.fit(X[train], y[train], **fit_params)
                    scores[model_name].append(score(kind, y[test], model.predict(X[test])))
                seconds[model_name] += time.perf_counter() - started
    metric = {"regression": "R^2", "classification": "accuracy", "rare": "bal.acc."}[kind]
    return X.shape, metric, {m: float(np.mean(s)) for m, s in scores.items()}, seconds


def parse_params(text):
    """``key=value,key=value`` as a dict, the values read as Python literals where they are."""
    import ast
    params = {}
    for item in filter(None, (text or "").split(",")):
        key, _, value = item.partition("=")
        try:
            params[key.strip()] = ast.literal_eval(value.strip())
        except (ValueError, SyntaxError):
            params[key.strip()] = value.strip()
    return params


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="2 folds of 150 rows of three tables, 20 epochs: checks that it runs")
    parser.add_argument("--tables", default=None,
                        help="comma-separated: hitters,default,khan,rare,diabetes,breast_cancer,wine")
    parser.add_argument("--folds", type=int, default=None, help="CV folds (default 5; --quick 2)")
    parser.add_argument("--seeds", type=int, default=1, help="repeat the CV with this many seeds")
    parser.add_argument("--models", default=",".join(MODELS),
                        help="comma-separated subset of " + ",".join(MODELS))
    parser.add_argument("--params", default="",
                        help="nnfit settings other than its defaults, e.g. optimizer=lbfgs")
    args = parser.parse_args(argv)
    tables = (args.tables.split(",") if args.tables else
              ["hitters", "khan", "wine"] if args.quick else
              ["hitters", "diabetes", "default", "khan", "breast_cancer", "wine", "rare"])
    folds = args.folds or (2 if args.quick else 5)
    params = parse_params(args.params)
    chosen = [m for m in MODELS if m in args.models.split(",")]
    print(f"{folds}-fold CV, {args.seeds} seed(s); nnfit {nnfit.__version__}"
          + (f" with {params}" if params else " at its defaults") + (" (quick)" if args.quick else ""))
    print(f"{'table':<14}{'rows':>6}{'cols':>6}  {'score':<9}"
          + "".join(f"{m:>8}" for m in chosen) + f"{'nnfit/MLP':>11}{'s nnfit':>9}{'s MLP':>7}")
    for name in tables:
        shape, metric, means, seconds = cross_validate(name, folds, args.seeds, args.quick, params,
                                                       chosen)
        nn, mlp = means.get("nnfit", np.nan), means.get("sk-MLP", np.nan)
        # a ratio of scores means something when both are above 0 (an R^2 can be negative)
        ratio = nn / mlp if min(nn, mlp) > 0 else float("nan")
        print(f"{name:<14}{shape[0]:>6}{shape[1]:>6}  {metric:<9}"
              + "".join(f"{means[m]:>8.3f}" for m in chosen)
              + f"{ratio:>11.3f}{seconds.get('nnfit', np.nan):>9.1f}"
              + f"{seconds.get('sk-MLP', np.nan):>7.1f}", flush=True)

if __name__ == "__main__":
    main()
