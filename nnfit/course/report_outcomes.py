"""The figures and tables of ``nnfit report`` for a binary classifier and for a regression
(numbers or counts): what ``report.model_report`` adds to the report after the scores.

A classifier: the calibration groups of the model (and the reference) by predicted risk
(``report_figures.calibration_groups``), the net benefit of each model and of treat-all at
``TABLE_THRESHOLDS`` (``nnfit.estimators.decision.net_benefit`` on dcurves's grid 0, 0.01, ...,
0.99, drawn up to the larger of 0.2 and 1.2 times the 99th percentile of the predicted risks,
rounded up to 0.05), and the four figures with their captions.  A regression: the outcome's
mean, sd and range (counts over an exposure: the counts', and the rate of all rows), and the
two figures.
"""
import numpy as np

from ..estimators.decision import DEFAULT_THRESHOLDS, net_benefit
from . import report_figures as figures

TABLE_THRESHOLDS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5)


def classification_parts(report, events, predictions):
    data, scored = report["data"], report["evaluation"]["scores"]
    risks = {name: P[:, 1] / P.sum(axis=1) for name, P in predictions.items()}
    risk = risks["model"]
    data.update(positive_class=str(report["model"]["classes"][1]), events=int(events.sum()),
                prevalence=float(events.mean()), mean_risk=float(risk.mean()))
    groups = figures.group_count(len(risk))
    report["calibration"] = {name: figures.calibration_groups(events, r, groups)
                             for name, r in risks.items()}
    curves = {name: net_benefit(events, r, DEFAULT_THRESHOLDS) for name, r in risks.items()}
    first = next(iter(curves.values()))
    rows = np.searchsorted(DEFAULT_THRESHOLDS, TABLE_THRESHOLDS)
    report["decision"] = [{"threshold": float(first["threshold"].iloc[i]),
                           **{name: float(c["net_benefit"].iloc[i]) for name, c in curves.items()},
                           "treat all": float(first["treat_all"].iloc[i])} for i in rows]
    shown = float(min(0.99, max(0.2, np.ceil(np.quantile(risk, 0.99) * 1.2 * 20) / 20)))
    auc = {name: scored["scores"][name]["roc_auc"] for name in risks}
    labels = {name: f"{name}: AUC {_interval(auc[name])}" for name in risks}
    no, yes = report["model"]["classes"]
    target = report["model"]["target"] or "y"
    report["figures"] = [
        _figure("calibration", "Calibration by risk group", figures.calibration_figure(
            report["calibration"], risks),
            f"The {len(risk)} rows ranked by predicted risk and cut into {groups} groups of "
            "equal size: each group's mean predicted risk against its observed share of "
            f"{target} = {yes!r} with the Wilson 95 % interval; dashed: ideal calibration. "
            "Ticks at the bottom: the model's predicted risks."),
        _figure("roc", "ROC curve", figures.roc_figure(events, risks, labels),
                "Sensitivity against 1 - specificity as the threshold on the predicted risk "
                "falls; the AUC with its bootstrap interval in the legend."),
        _figure("decision_curve", "Decision curve", figures.decision_figure(
            {name: c["net_benefit"].to_numpy() for name, c in curves.items()},
            first["treat_all"].to_numpy(), DEFAULT_THRESHOLDS, shown),
            "Net benefit = TP/n - FP/n x p_t/(1 - p_t) of treating the rows whose predicted "
            f"risk is at least the threshold p_t, drawn from 0 to {shown:.2f} (1.2 times the "
            "99th percentile of the predicted risks rounded up to 0.05, at least 0.2: beyond "
            "it almost no row is treated); treat all and treat none for comparison (Vickers "
            "and Elkin 2006). A model is useful at the thresholds where its curve lies above "
            "both. The table gives the net benefits at fixed thresholds."),
        _figure("risk_distribution", "Predicted risks by outcome",
                figures.risk_distribution_figure(events, risk, [f"{target} = {no}",
                                                                f"{target} = {yes}"]),
                "Histograms of the model's predicted risk for the rows with and without the "
                "event, each scaled to its own number of rows.")]


def regression_parts(report, truth, predictions):
    """The outcome's summary and the two figures.  A model of counts over an exposure
    (``report["data"]["exposure"]``, its values on the rows analysed in ``exposure_values``,
    taken out here) has the rates count / exposure as ``truth``: the counts rate x exposure
    are summarized, with the rate of all rows, sum of the counts / sum of the exposures (the
    exposure-weighted mean rate)."""
    target = report["model"]["target"] or "y"
    residual = truth - predictions["model"]
    data = report["data"]
    data.update(_summary(truth))
    exposure, values = data.get("exposure"), data.pop("exposure_values", None)
    if exposure and values is not None and len(values) == len(truth):
        data["counts"] = _summary(truth * values)
        data.update(exposure_total=float(values.sum()),
                    rate=float(np.sum(truth * values) / values.sum()))
        target = f"rate of {target} per {exposure}"
    report["calibration"], report["decision"] = None, None
    report["figures"] = [
        _figure("observed", "Observed against predicted",
                figures.observed_figure(truth, predictions, target),
                f"Each row's observed {target} against its prediction; dashed: observed = "
                "predicted."),
        _figure("residuals", "Residuals", figures.residual_figure(truth, predictions["model"],
                                                                  target),
                f"Residuals observed - predicted of the model (mean {residual.mean():.4g}, sd "
                f"{residual.std(ddof=1) if len(residual) > 1 else float('nan'):.4g}) against "
                "the prediction, and their histogram.")]


def counts_outcome(data, target):
    """The page's sentence on an outcome of counts over an exposure (``regression_parts``)."""
    counts, exposure = data["counts"], data["exposure"]
    return (f"Outcome {target!r}: counts per unit of {exposure!r} (the model's exposure): the "
            f"counts' mean {counts['mean']:.4g}, sd {counts['sd']:.4g}, range "
            f"{counts['min']:.4g} to {counts['max']:.4g} over a total exposure of "
            f"{data['exposure_total']:.6g}, a rate of {data['rate']:.6g} per unit of "
            f"{exposure!r} (all counts / all exposure: the exposure-weighted mean rate). The "
            f"model predicts the rate {target} / {exposure}; the scores below are of these "
            "rates.")


def rates_note(report):
    """What the scores of counts over an exposure are of, and so the mean baseline ('' for
    other outcomes)."""
    exposure = report["data"].get("exposure")
    if report["task"] != "counts" or not exposure:
        return ""
    weights = (report.get("cv") or {}).get("weights") or ""
    if "--weight" in weights:  # nnfit cv --weight: the fits and scores weigh both
        return (f" The scores are of the rates per unit of {exposure!r}, each row weighted by "
                f"{weights}, and so is the mean.")
    return (f" The scores are of the rates per unit of {exposure!r}, each row weighted by its "
            "exposure (the deviance of the counts), so the mean is the exposure-weighted mean "
            "rate" + ("" if report.get("cv") or "rate" not in report["data"] else
                      f", {report['data']['rate']:.6g}") + ".")


def _summary(values):
    """Mean, sd, min and max of ``values``."""
    return dict(mean=float(values.mean()), sd=float(values.std(ddof=1)) if len(values) > 1
                else float("nan"), min=float(values.min()), max=float(values.max()))


def _figure(name, title, png, caption):
    return {"name": name, "title": title, "caption": caption, "png": png}


def _interval(score):
    if score is None or score["estimate"] is None:
        return "n/a"
    if score["low"] is None:
        return f"{score['estimate']:.3f}"
    return f"{score['estimate']:.3f} [{score['low']:.3f}, {score['high']:.3f}]"
