"""Survival models side by side: Harrell's C and the integrated Brier score by cross-validation.

    python bench/survival.py                        # nine tables, 5 folds x 2 repeats
    python bench/survival.py --models cox,pycox --jobs 2 --out survival.csv
    python bench/survival.py --tables rossi,gbsg2 --nnfit-params '{"hidden_layer_sizes": [32]}'
    python bench/survival.py --quick                # 3 small tables, 2 folds, short fits

The tables are ``bench/survival_tables.py``'s (88 to 7,874 rows).  Each is split by
``RepeatedStratifiedKFold(n_splits=5, n_repeats=2, random_state=0)``, stratified by the event
indicator so that every test fold holds events; in each fold the preprocessing (median /
most-frequent imputation, standardization, one-hot) is fitted on the training part, every model
is fitted on it and scored on the test part: Harrell's C of its risk score
(``concordance_index_censored``, higher = earlier event) and the integrated Brier score of its
survival function (``integrated_brier_score``, Kaplan-Meier censoring weights from the training
part, 20 times from the 10th to the 80th percentile of the test times; ``ibs_grid`` states the
rule).  Higher C and lower IBS are better; ``km`` (the training part's Kaplan-Meier curve for
everyone, C = 0.5) is the IBS of knowing nothing about the predictors.  Models (``MODELS``):

- ``cox``: ``CoxPHSurvivalAnalysis(ties="efron")``; where Newton's method fails (an exception,
  a convergence or ill-conditioning warning, an overflow, or a coefficient above 10 in absolute
  value, i.e. a likelihood maximized at infinity) it is refitted with the next ridge penalty of
  ``COX_ALPHAS`` (0, 1e-4, 1e-2, 1), and the notes count the folds that needed one;
- ``nnfit``: ``nnfit.MLPSurvival(random_state=fold, **--nnfit-params)``, skipped if absent;
- ``pycox``: pycox's ``CoxPH`` (DeepSurv) as its documented example sets it up: ``MLPVanilla``
  [32, 32] with batch norm and dropout 0.1, Adam at learning rate 0.01, batches of 256, up to
  512 epochs, early stopping (patience 10) on 20 % of the training part held out at random,
  Breslow's baseline hazard on the whole training part; skipped when pycox is not installed;
- ``deepsurv``: the same network and fit in plain PyTorch, a reimplementation in this file
  (pycox's loss: the partial likelihood with risk sets within the minibatch), for where pycox
  does not install.  Minibatches without an event are skipped (pycox divides by zero there).
"""
import argparse
import importlib
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.survival_tables import (  # noqa: E402
    TABLES, KaplanMeier, LinearCox, fold_scores, load_tables, preprocessor)

MODELS = ("km", "cox", "nnfit", "pycox", "deepsurv")


class DeepSurv:
    """pycox's CoxPH example network, in pycox (``use_pycox``) or in plain PyTorch."""

    def __init__(self, seed, use_pycox, quick=False):
        self.seed, self.use_pycox, self.epochs = seed, use_pycox, 20 if quick else 512

    def fit(self, X, y):
        import torch
        torch.manual_seed(self.seed)
        X = np.asarray(X, np.float32)
        t, e = y["time"].astype(np.float32), y["event"].astype(np.float32)
        val = np.random.default_rng(self.seed).permutation(len(X))[:round(0.2 * len(X))]
        fit = np.setdiff1d(np.arange(len(X)), val)
        if self.use_pycox:
            self._fit_pycox(X, t, e, fit, val)
        else:
            self._fit_torch(X, t, e, fit, val)
        from sksurv.linear_model.coxph import BreslowEstimator
        self.breslow_ = BreslowEstimator().fit(self.predict(X), y["event"], y["time"])
        return self

    def _fit_pycox(self, X, t, e, fit, val):
        import torchtuples as tt
        from pycox.models import CoxPH
        net = tt.practical.MLPVanilla(X.shape[1], [32, 32], 1, True, 0.1, output_bias=False)
        self.pycox_ = CoxPH(net, tt.optim.Adam)
        self.pycox_.optimizer.set_lr(0.01)
        self.pycox_.fit(X[fit], (t[fit], e[fit]), 256, self.epochs, [tt.callbacks.EarlyStopping()],
                        False, val_data=(X[val], (t[val], e[val])), val_batch_size=256)
        self.net_ = net

    def _fit_torch(self, X, t, e, fit, val):
        import torch
        from torch import nn
        layers, width = [], X.shape[1]
        for _ in range(2):  # pycox's DenseVanillaBlock: Linear, ReLU, BatchNorm, Dropout
            linear = nn.Linear(width, 32)
            nn.init.kaiming_normal_(linear.weight, nonlinearity="relu")
            layers += [linear, nn.ReLU(), nn.BatchNorm1d(32), nn.Dropout(0.1)]
            width = 32
        self.net_ = net = nn.Sequential(*layers, nn.Linear(32, 1, bias=False))
        opt = torch.optim.Adam(net.parameters(), lr=0.01)
        X, t, e = torch.from_numpy(X), torch.from_numpy(t), torch.from_numpy(e)
        best, best_state, since = np.inf, None, 0
        for _ in range(self.epochs):
            net.train()
            for rows in torch.randperm(len(fit)).split(256):
                rows = torch.from_numpy(fit)[rows]
                if len(rows) < 2 or e[rows].sum() == 0:  # batch norm: 2 rows; loss: an event
                    continue
                opt.zero_grad()
                cox_loss(net(X[rows]), t[rows], e[rows]).backward()
                opt.step()
            net.eval()
            with torch.no_grad():
                losses = [cox_loss(net(X[b]), t[b], e[b]).item()
                          for b in torch.from_numpy(val).split(256) if e[b].sum() > 0]
            score = np.mean(losses) if losses else np.inf
            if score < best:
                best, since = score, 0
                best_state = {k: v.clone() for k, v in net.state_dict().items()}
            else:
                since += 1
                if since >= 10:
                    break
        if best_state is not None:
            net.load_state_dict(best_state)

    def predict(self, X):
        import torch
        self.net_.eval()
        with torch.no_grad():
            log_h = self.net_(torch.from_numpy(np.asarray(X, np.float32)))
        return log_h.numpy().ravel().astype(float)

    def predict_survival_function(self, X):
        return self.breslow_.get_survival_function(self.predict(X))


def cox_loss(log_h, durations, events, eps=1e-7):
    """pycox's ``cox_ph_loss``: minus the mean over events of log h_i / sum_{j: t_j >= t_i} h_j."""
    import torch
    order = torch.argsort(durations, descending=True)
    log_h, events = log_h.view(-1)[order], events[order]
    gamma = log_h.max()
    log_cumsum = torch.log(torch.cumsum(torch.exp(log_h - gamma), 0) + eps) + gamma
    return -((log_h - log_cumsum) * events).sum() / events.sum()


def warm_torch():
    """One optimizer step: torch's first in a process imports sympy and more (3-5 s), untimed."""
    import torch
    weight = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.Adam([weight])
    weight.sum().backward()
    optimizer.step()


def model_factory(name, seed, quick, nnfit_params):
    """A fresh unfitted model; raises ImportError where its package is missing."""
    if name == "km":
        return KaplanMeier()
    if name == "cox":
        return LinearCox()
    if name in ("pycox", "deepsurv"):
        if name == "pycox":
            importlib.import_module("pycox.models")
        warm_torch()
        return DeepSurv(seed, use_pycox=name == "pycox", quick=quick)
    if name == "nnfit":
        from nnfit import MLPSurvival
        params = dict(nnfit_params)
        if quick and "epochs" in MLPSurvival().get_params():
            params.setdefault("epochs", 20)
        return MLPSurvival(**{"random_state": seed, **params})
    raise ValueError(f"unknown model {name!r}; the models are {', '.join(MODELS)}")


def run_fold(table, X, y, split, train, test, models, quick, nnfit_params, threads):
    """One fold's rows: table, split, model, C, IBS, seconds, alpha (cox), error."""
    from threadpoolctl import threadpool_limits
    rows = []
    with threadpool_limits(threads), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if threads:
            import torch
            torch.set_num_threads(threads)
        pre = preprocessor(X).fit(X.iloc[train])
        X_train, X_test = pre.transform(X.iloc[train]), pre.transform(X.iloc[test])
        for name in models:
            row = dict(table=table, split=split, model=name, c=np.nan, ibs=np.nan, alpha=np.nan,
                       error="")
            started = time.perf_counter()
            try:
                model = model_factory(name, split, quick, nnfit_params)  # imports not timed
                started = time.perf_counter()
                model.fit(X_train, y[train])
                row["c"], row["ibs"] = fold_scores(model, X_test, y[train], y[test])
                row["alpha"] = getattr(model, "alpha_", np.nan)
            except Exception as error:  # noqa: BLE001 - a failed fit is a result, reported below
                row["error"] = f"{type(error).__name__}: {error}"[:200]
            row["seconds"] = time.perf_counter() - started
            rows.append(row)
    return rows


def available(models):
    """The models whose package imports; prints why the others are skipped."""
    kept = []
    for name in models:
        try:
            model_factory(name, 0, True, {})
            kept.append(name)
        except Exception as error:  # noqa: BLE001 - ImportError, or a package that breaks on import
            print(f"skipped {name}: {type(error).__name__}: {error}")
    return kept


def summarize(results, models):
    """The per-table means printed as a table, and the summary of each network against cox."""
    means = results.groupby(["table", "model"], sort=False)[["c", "ibs", "seconds"]].agg(
        {"c": "mean", "ibs": "mean", "seconds": "sum"}).unstack("model")
    tables = list(dict.fromkeys(results["table"]))
    head = f"{'table':<14}" + "".join(f"{'C ' + m:>11}" for m in models) \
        + "".join(f"{'IBS ' + m:>13}" for m in models) + "".join(f"{'s ' + m:>12}" for m in models)
    print("\n" + head)
    for t in tables:
        print(f"{t:<14}" + "".join(f"{means.loc[t, ('c', m)]:>11.3f}" for m in models)
              + "".join(f"{means.loc[t, ('ibs', m)]:>13.4f}" for m in models)
              + "".join(f"{means.loc[t, ('seconds', m)]:>12.1f}" for m in models))
    print(f"{'mean':<14}" + "".join(f"{means[('c', m)].mean():>11.3f}" for m in models)
          + "".join(f"{means[('ibs', m)].mean():>13.4f}" for m in models)
          + "".join(f"{means[('seconds', m)].sum():>12.1f}" for m in models))
    for m in (m for m in models if m not in ("cox", "km") and "cox" in models):
        dc = means[("c", m)] - means[("c", "cox")]
        dibs = means[("ibs", m)] - means[("ibs", "cox")]
        ratio = means[("c", m)] / means[("c", "cox")]
        print(f"\n{m} - cox, per table (C: higher is better; IBS: lower is better)")
        for t in tables:
            print(f"  {t:<14} dC {dc[t]:+.3f}  C ratio {ratio[t]:.3f}  dIBS {dibs[t]:+.4f}")
        worst = f"{dc.idxmin()} ({dc.min():+.3f})" if dc.notna().any() else "none"
        print(f"  mean dC {dc.mean():+.3f} (C ratio {ratio.mean():.3f}), "
              f"mean dIBS {dibs.mean():+.4f}; worst table by C: {worst}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", default=None,
                        help="comma-separated subset of " + ",".join(TABLES))
    parser.add_argument("--models", default="km,cox,nnfit,pycox",
                        help="comma-separated subset of " + ",".join(MODELS))
    parser.add_argument("--folds", type=int, default=None, help="CV folds (default 5; --quick 2)")
    parser.add_argument("--repeats", type=int, default=None,
                        help="CV repeats (default 2; --quick 1)")
    parser.add_argument("--quick", action="store_true",
                        help="3 small tables, 2 folds, 1 repeat, 20 epochs: checks that it runs")
    parser.add_argument("--jobs", type=int, default=1, help="folds fitted in parallel (joblib)")
    parser.add_argument("--nnfit-params", default="{}",
                        help="JSON keyword arguments of MLPSurvival, e.g. '{\"epochs\": 100}'")
    parser.add_argument("--out", default=None, help="write the per-fold results to this CSV")
    args = parser.parse_args(argv)
    from joblib import Parallel, delayed
    from sklearn.model_selection import RepeatedStratifiedKFold

    nnfit_params = json.loads(args.nnfit_params)
    names = args.tables.split(",") if args.tables else (
        ["brain_cancer", "veterans", "rossi"] if args.quick else list(TABLES))
    folds = args.folds or (2 if args.quick else 5)
    repeats = args.repeats or (1 if args.quick else 2)
    chosen = [m for m in args.models.split(",") if m]
    if set(chosen) - set(MODELS):
        parser.error(f"unknown model(s) {', '.join(sorted(set(chosen) - set(MODELS)))}")
    models = available(chosen)
    print(f"{folds}-fold CV x {repeats} repeat(s), stratified by event; models {', '.join(models)}"
          + (f"; nnfit params {nnfit_params}" if nnfit_params else "")
          + (" (quick)" if args.quick else ""))
    if "deepsurv" in models:
        print("deepsurv is this file's plain-PyTorch reimplementation of pycox's CoxPH, not pycox")
    threads = 1 if args.jobs != 1 else None
    results = []
    for name, (X, y) in load_tables(names).items():
        splitter = RepeatedStratifiedKFold(n_splits=folds, n_repeats=repeats, random_state=0)
        rows = Parallel(n_jobs=args.jobs)(
            delayed(run_fold)(name, X, y, split, train, test, models, args.quick, nnfit_params,
                              threads)
            for split, (train, test) in enumerate(splitter.split(X, y["event"])))
        frame = pd.DataFrame([r for fold in rows for r in fold])
        results.append(frame)
        means = frame.groupby("model", sort=False)[["c", "ibs"]].mean()
        print(f"{name:<14}{len(y):>5} rows {y['event'].mean():>4.0%} events "
              f"{X.shape[1]:>3} columns  C/IBS " + "  ".join(
                  f"{m} {means.loc[m, 'c']:.3f}/{means.loc[m, 'ibs']:.4f}" for m in models),
              flush=True)
    results = pd.concat(results, ignore_index=True)
    summarize(results, models)
    print("\nnotes:")
    cox = results[(results.model == "cox") & (results.alpha > 0)]
    for (table, alpha), n in cox.groupby(["table", "alpha"]).size().items():
        print(f"  cox on {table}: {n} of {results.split[results.table == table].nunique()} folds "
              f"needed ridge alpha {alpha:g} (alpha 0 did not fit cleanly)")
    for (table, model), errors in results[results.error != ""].groupby(["table", "model"]).error:
        print(f"  {model} on {table}: {len(errors)} failed fold(s), e.g. {errors.iloc[0]}")
    if args.out:
        results.to_csv(args.out, index=False)
        print(f"  per-fold results: {args.out}")


if __name__ == "__main__":
    main()
