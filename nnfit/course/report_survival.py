"""The survival part of ``nnfit report``: a ``TabularSurvival`` (Cox network) on test rows with
(event, time) outcomes.

Scores: those of ``nnfit.tabular.survival_scores.evaluate_survival`` (Harrell's and Uno's C,
time-dependent AUC and Brier score at the horizons, the integrated Brier score, calibration at
the middle horizon, with bootstrap intervals), computed by the same calls so that the numbers
are the same for the same seed, beside the Kaplan-Meier baseline of these rows and, given
training rows, beside the linear Cox model in the model's preprocessing
(``survival_scores.linear_cox`` and ``fit_linear_cox``, as ``nnfit cv`` fits it), with paired
differences.  S(t | x) is read on the test rows' distinct times (``survival_on_grid``).

Figures: the calibration at the horizon h (each risk group's mean predicted S(h | x) against
its Kaplan-Meier S(h) with the log-log 95 % interval, the ideal line), and the Kaplan-Meier
curves of three risk groups (thirds of the predicted risk score, tied scores in one group as
in the calibration table, ``risk_groups``, so that the figure does not depend on the order of
the rows) beside each group's mean predicted S(t | x), which shows discrimination (the groups
apart) and calibration over time (each dashed curve on its solid one).
"""
import numpy as np

from ..estimators.survival_calibration import risk_groups
from ..estimators.survival_metrics import score_survival
from ..tabular.preprocess import check_columns
from ..tabular.survival import labelled_outcome
from ..tabular.survival_scores import (calibration_groups, fit_linear_cox, kaplan_meier,
                                       linear_cox, surv, survival_on_grid)
from . import report_figures as figures

plt = figures.plt
THIRDS = ("lowest", "middle", "highest")


def survival_parts(report, model, X, y, train, options):
    """Fill ``report`` (of ``report.model_report``) with the survival scores, data, figures."""
    event, time = labelled_outcome(y, X)
    grid, n = np.unique(time), len(time)
    risk = {"model": np.asarray(model.predict(X), dtype=np.float64)}
    survival = {"model": survival_on_grid(model, X, grid)}
    if train is not None:
        used = list(model.numeric_columns_) + list(model.categorical_columns_)
        check_columns(train[0], used, "the reference is fitted on the model's columns")
        reference = linear_cox(model).set_params(exclude=(), impute=model.impute_)
        fitted, note = fit_linear_cox(reference, train[0][used], train[1])
        risk["linear Cox"] = np.asarray(fitted.predict(X), dtype=np.float64)
        survival["linear Cox"] = survival_on_grid(fitted, X, grid)
        report["reference"] = {"name": "linear Cox", "notes": [note] if note else [],
                               "description": "the linear Cox model (maximum partial "
                               "likelihood, MLPSurvival with no hidden layer and no penalty, "
                               f"by L-BFGS) in the model's preprocessing, on {len(train[0])} "
                               "training rows"}
    risk["Kaplan-Meier"] = np.zeros(n)
    survival["Kaplan-Meier"] = np.tile(kaplan_meier(event, time, grid), (n, 1))
    survival_scored(report, y, risk, survival, grid, options)


def survival_scored(report, y, risk, survival, grid, options, horizons=None,
                    source="these rows"):
    """Score the risk scores and S(t | x) on ``grid`` (by name: "model" first, "Kaplan-Meier"
    last) of the outcomes ``y`` into ``report``: evaluation, data, calibration, figures."""
    names = np.asarray(y).dtype.names
    event, time = np.asarray(y[names[0]], bool), np.asarray(y[names[1]], np.float64)
    rows, n = surv(event, time), len(time)
    scores = score_survival(rows, rows, risk, survival, {name: grid for name in risk},
                            horizons=horizons, groups=min(n, calibration_groups(n)), **options)
    report["evaluation"] = {"task": "survival", "n": n, "events": int(event.sum()),
                            "event": names[0], "time": names[1], "scores": scores,
                            "baseline": {"kind": "Kaplan-Meier", "source": source}}
    report["data"].update(events=int(event.sum()), n_scored=n, event_name=names[0],
                          time_name=names[1], median_time=float(np.median(time)),
                          max_time=float(time.max()), horizons=scores["horizons"])
    horizon = scores["calibration_horizon"]
    report["calibration"], report["decision"] = scores["calibration"], None
    report["figures"] = [
        {"name": "calibration", "title": f"Calibration at time {horizon:g}",
         "png": calibration_figure(scores["calibration"], horizon),
         "caption": f"The {n} rows ranked by predicted risk at {horizon:g} and cut into "
                    f"{len(scores['calibration']['model'])} groups (rows with the same prediction "
                    "in one group): each group's mean predicted "
                    f"S({horizon:g} | x) against its Kaplan-Meier S({horizon:g}) with the "
                    "log-log 95 % interval; dashed: ideal calibration."},
        {"name": "risk_groups", "title": "Kaplan-Meier curves by risk group",
         "png": risk_group_figure(event, time, risk["model"], survival["model"], grid),
         "caption": "The rows cut into thirds by the model's risk score (tied scores in "
                    "one third): each third's Kaplan-Meier curve (solid) and the mean of its "
                    "predicted S(t | x) (dashed, the same colour)."}]


def calibration_figure(tables, horizon):
    fig, ax = plt.subplots(figsize=figures.SIZE)
    for (name, table), colour, marker in zip(tables.items(), ["#1f5fa8", "#d9730d"], "os"):
        kept = [row for row in table if row["observed"] is not None]
        if name == "Kaplan-Meier" or not kept:
            continue
        x = np.array([row["predicted"] for row in kept])
        y = np.array([row["observed"] for row in kept])
        error = np.clip([[row["observed"] - row["observed_low"],
                          row["observed_high"] - row["observed"]] for row in kept], 0, None).T
        ax.errorbar(x, y, yerr=error, fmt=marker + "-", color=colour, capsize=3, ms=5, lw=1.2,
                    label=f"{name}: Kaplan-Meier S({horizon:g}) [95 %]")
    ax.plot([0, 1], [0, 1], ls="--", color="#888888", lw=1, label="ideal: observed = predicted")
    ax.set(xlim=(0, 1), ylim=(0, 1.02), xlabel=f"mean predicted S({horizon:g} | x) in group",
           ylabel=f"observed S({horizon:g}) (Kaplan-Meier)",
           title=f"Calibration at time {horizon:g}")
    ax.legend(fontsize=8, loc="upper left")
    return figures.png(fig)


def risk_group_figure(event, time, risk, survival, grid):
    fig, ax = plt.subplots(figsize=figures.SIZE)
    group = risk_groups(-np.asarray(risk, dtype=np.float64), 3)  # 0: the lowest risk
    count = group.max() + 1
    names = THIRDS if count == 3 else [f"risk group {g + 1} of {count}" for g in range(count)]
    for g, (third, colour) in enumerate(zip(names, ["#1f5fa8", "#6b6b6b", "#c0392b"])):
        rows = np.flatnonzero(group == g)
        km = kaplan_meier(event[rows], time[rows], grid)
        what = f"{third} third of risk" if count == 3 else third
        ax.step(grid, km, where="post", color=colour, lw=1.6,
                label=f"{what} ({len(rows)} rows, {int(event[rows].sum())} events)")
        ax.step(grid, survival[rows].mean(axis=0), where="post", color=colour, ls="--", lw=1.2)
    ax.set(xlim=(0, grid.max()), ylim=(0, 1.02), xlabel="time", ylabel="survival S(t)",
           title="Kaplan-Meier curves (solid) and predicted (dashed) by risk group")
    ax.legend(fontsize=8, loc="lower left")
    return figures.png(fig)


def _interval(score):
    if score["low"] is None:
        return f"{score['estimate']:.4f}"
    return f"{score['estimate']:.4f} [{score['low']:.4f}, {score['high']:.4f}]"
