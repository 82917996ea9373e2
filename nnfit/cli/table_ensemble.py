"""Ensembles on the command line: ``nnfit fit --ensemble K`` fits K networks from different
seeds through ``nnfit.MLPEnsemble`` around the tabular model ``nnfit fit`` would fit, and
``nnfit predict`` writes the members' spread beside each averaged prediction.

The model is ``MLPEnsemble(TabularClassifier(network), n_estimators=K, bootstrap=...,
n_jobs=--jobs, random_state=--seed)`` (or ``TabularRegressor``): member k is the model of
``nnfit fit`` with the seed s_k, the k-th draw of the ensemble's generator (hold-out, early
stopping and refit as for one model, each with its own held-out rows), so Python's
``MLPEnsemble`` with the same arguments gives the same members whatever ``--jobs``.  The model
file is the ensemble's (``nnfit.estimators.ensemble_file``): every member with its preprocessing.

Averaged: the class probabilities p(x) = (1/K) sum_k p_k(x) (the class: the largest) or the
value f(x) = (1/K) sum_k f_k(x).  The spread at ``--spread-level`` L (default the library's
0.9) is [Q_{(1-L)/2}, Q_{(1+L)/2}] of the K members' predictions (``numpy.quantile``,
``MLPEnsemble.predict_proba_interval`` / ``predict_interval``): ``predict`` writes it as
``<column>_lower`` and ``<column>_upper`` beside each probability (``--proba``) or value.  It
shows how much the fit depends on its seed (and with ``--ensemble-bootstrap`` on the sample),
not where a new outcome falls: it is no prediction interval (``--interval`` is, for one model).

``nnfit evaluate`` scores the averaged prediction as for one network, then each member alone
on the same rows: the ensemble's Brier score, log-loss, AUC and accuracy (or MAE, RMSE, R^2)
beside the members' mean (one network's expected score), best and worst, and the spread there.

Refused, each with what to do instead: survival (``--time``/``--event``) and Poisson models
(``--loss poisson``, ``--exposure``), whose ensembles ``evaluate`` cannot score yet, and
``--interval`` (the conformal interval of one network).  ``nnfit report`` reports on the
average as on one network, with its members scored alone beside it (``course.report_parts``).
"""
import argparse

from ..estimators.ensemble import MLPEnsemble
from ..tabular.ensemble_scores import LEVEL, score_members, spread
from ..tabular.evaluation import is_poisson
from ..tabular.models import TabularClassifier, TabularRegressor
from ..tabular.survival import TabularSurvival
from .options import jobs_count
from .table_report import LABELS

LIBRARY = MLPEnsemble(None).get_params()


def members(text):
    """argparse type of --ensemble: a whole number of networks >= 2."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number: give the number of "
                                         "networks, e.g. --ensemble 5") from None
    if value < 2:
        raise argparse.ArgumentTypeError(
            f"{value} is invalid: an ensemble averages 2 networks or more, e.g. --ensemble 5 "
            + ("(for one network leave --ensemble out)" if value == 1 else ""))
    return value


def spread_level(text):
    """argparse type of predict's --spread-level: a share in (0, 1)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"{text} is invalid: give the share of the members' "
                                         f"spread as a number in (0, 1), e.g. {LEVEL}")
    return value


def add_ensemble_options(fit):
    fit.add_argument("--ensemble", type=members, metavar="K",
                     help="fit K networks (K >= 2) from seeds drawn with --seed, each the model "
                          "'nnfit fit' fits (nnfit.MLPEnsemble around it), and average their "
                          "probabilities or values; 'nnfit predict' writes the members' spread "
                          "as <column>_lower/<column>_upper; default: one network%(default).0s")
    fit.add_argument("--ensemble-bootstrap", action="store_true", default=LIBRARY["bootstrap"],
                     help="with --ensemble: fit each member on a bootstrap sample of the rows "
                          "(within each class for a classification) instead of all of them")
    fit.add_argument("--jobs", type=jobs_count, default=LIBRARY["n_jobs"], metavar="J",
                     help="with --ensemble: members fitted side by side in worker processes "
                          "(-1: one per core; None: one after the other); the members are the "
                          "same whatever J")


def check_ensemble_options(args):
    """Refuse what an ensemble cannot be combined with, before the table is read."""
    if args.ensemble is None:
        given = [option for option, value, default in (
            ("--ensemble-bootstrap", args.ensemble_bootstrap, LIBRARY["bootstrap"]),
            ("--jobs", args.jobs, LIBRARY["n_jobs"])) if value != default]
        if given:
            raise ValueError(f"{given[0]} sets up an ensemble: add --ensemble K, e.g. "
                             "--ensemble 5")
        return
    if vars(args).get("interval") is not None:
        raise ValueError("--ensemble with --interval: the conformal interval is calibrated for "
                         "one network, and the members' spread (nnfit predict's _lower/_upper "
                         "columns) is no prediction interval; leave one of them out")
    if args.time or args.event:
        raise ValueError("--ensemble with --time/--event: survival ensembles cannot be "
                         "evaluated from the command line yet; fit one network, or in Python "
                         "nnfit.MLPEnsemble(nnfit.TabularSurvival(...), n_estimators=K)")
    if vars(args).get("loss") == "poisson" or args.exposure:
        raise ValueError("--ensemble with --loss poisson/--exposure: ensembles of count models "
                         "cannot be evaluated from the command line yet; fit one network, or "
                         "in Python nnfit.MLPEnsemble(nnfit.TabularRegressor(...))")


def ensemble(args, model):
    """The unfitted MLPEnsemble around the tabular ``model`` that the options ask for."""
    return MLPEnsemble(model, n_estimators=args.ensemble, bootstrap=args.ensemble_bootstrap,
                       n_jobs=args.jobs, random_state=args.seed)


def describe(fitted, n_rows):
    """What ``nnfit fit`` says of the ensemble before its members."""
    return (f"ensemble of {len(fitted.estimators_)} networks (nnfit.MLPEnsemble), seeds "
            f"{', '.join(map(str, fitted.seeds_))} drawn with --seed, each fitted as one network "
            + ("on a bootstrap sample of the " if fitted.bootstrap else "on all ")
            + f"{n_rows} rows")


def is_ensemble(model):
    return isinstance(model, MLPEnsemble)


def mark(fitted, **columns):
    """Set ``id_column_``/``exposure_column_`` on every member (their files keep them) and on
    the ensemble."""
    for name, value in columns.items():
        for target in [*fitted.estimators_, fitted]:
            setattr(target, name, value)


def checked(model, path, command):
    """The loaded ensemble ``model`` if ``nnfit <command>`` can use it, else a ValueError."""
    K = len(model.estimators_)
    first = model.estimators_[0]
    if not isinstance(first, (TabularClassifier, TabularRegressor, TabularSurvival)):
        raise ValueError(f"{path} holds an ensemble of {K} {type(first).__name__}s saved from "
                         f"Python, without the table preprocessing that 'nnfit {command}' "
                         "needs; fit it with 'nnfit fit --ensemble K' (or save an "
                         "nnfit.MLPEnsemble of TabularClassifier/TabularRegressor models)")
    if isinstance(first, TabularSurvival) or is_poisson(first):
        raise ValueError(f"{path} holds an ensemble of {K} "
                         + ("survival" if isinstance(first, TabularSurvival) else "count")
                         + f" models, which 'nnfit {command}' cannot use yet; use its "
                         "predict_survival_function / predict in Python, or fit one network")
    return model


def spread_line(report, n_rows, rows="training rows"):
    return (f"members' spread on the {n_rows} {rows}: the {100 * report['level']:.4g}% "
            f"interval of the {report['kind']} (quantiles of the members') has median width "
            f"{report['median_width']:.4g}, largest {report['max_width']:.4g} (a spread of "
            "the fits, not a prediction interval)")


def evaluate_members(model, frame, truth, weight):
    """(JSON, lines) of ``nnfit evaluate``'s comparison: the ensemble's point scores beside its
    members' mean (one network's expected score), best and worst, each member scored alone on
    the same rows, and the members' spread there (``tabular.ensemble_scores``)."""
    table = score_members(model, frame, truth, weight)
    K = len(model.estimators_)
    lines = [f"the {K} members scored one by one on these rows (best and worst chosen on "
             "them):", f"{'':22s}{'ensemble':>10s}{'members mean':>14s}{'best':>10s}"
             f"{'worst':>10s}"]
    for key, row in table.items():
        lines.append(f"{LABELS[key]:22s}{row['ensemble']:>10.4f}{row['members_mean']:>14.4f}"
                     f"{row['best_member']:>10.4f}{row['worst_member']:>10.4f}")
    report = spread(model, frame)
    lines.append(spread_line(report, len(frame), "rows"))
    return {"members": table, "spread": report}, lines


def member_scores(report):
    """One member's held-out scores in a few words."""
    if report["task"] == "regression":
        return f"RMSE {report['rmse']:.4g}, R^2 {report['r2']:.4f}"
    auc = f", ROC AUC {report['roc_auc']:.4f}" if "roc_auc" in report else ""
    return (f"accuracy {report['accuracy']:.4f}, balanced accuracy "
            f"{report['balanced_accuracy']:.4f}{auc}")


def interval_columns(model, frame, output, target, proba, level):
    """Add each class's probability (``proba``) or the value with its members' spread to
    ``output``; returns the probabilities (None for a value)."""
    if hasattr(model, "classes_"):
        P, lower, upper = model.predict_proba_interval(frame, level=level)
        for j, label in enumerate(model.classes_ if proba else ()):
            name = f"proba_{label}"
            output[name], output[f"{name}_lower"], output[f"{name}_upper"] = \
                P[:, j], lower[:, j], upper[:, j]
        return P
    value, lower, upper = model.predict_interval(frame, level=level)
    name = f"predicted_{target}"
    output[name], output[f"{name}_lower"], output[f"{name}_upper"] = value, lower, upper
    return None
