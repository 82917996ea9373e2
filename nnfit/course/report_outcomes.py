"""The figures and tables of ``nnfit report`` for a binary classifier and for a regression
(numbers or counts): what ``report.model_report`` adds to the report after the scores.

A classifier: the calibration groups of the model (and the reference) by predicted risk
(``report_figures.calibration_groups``), the net benefit of each model and of treat-all at
``TABLE_THRESHOLDS`` (``nnfit.estimators.decision.net_benefit`` on dcurves's grid 0, 0.01, ...,
0.99, drawn up to the larger of 0.2 and 1.2 times the 99th percentile of the predicted risks,
rounded up to 0.05), and the four figures with their captions.  A regression: the outcome's
mean, sd and range, and the two figures.
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
            f"risk is at least the threshold p_t, from 0 to {shown:.2f}; treat all and treat "
            "none for comparison (Vickers and Elkin 2006). A model is useful at the "
            "thresholds where its curve lies above both."),
        _figure("risk_distribution", "Predicted risks by outcome",
                figures.risk_distribution_figure(events, risk, [f"{target} = {no}",
                                                                f"{target} = {yes}"]),
                "Histograms of the model's predicted risk for the rows with and without the "
                "event, each scaled to its own number of rows.")]


def regression_parts(report, truth, predictions):
    target = report["model"]["target"] or "y"
    residual = truth - predictions["model"]
    report["data"].update(mean=float(truth.mean()), sd=float(truth.std(ddof=1))
                          if len(truth) > 1 else float("nan"), min=float(truth.min()),
                          max=float(truth.max()))
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


def _figure(name, title, png, caption):
    return {"name": name, "title": title, "caption": caption, "png": png}


def _interval(score):
    if score is None or score["estimate"] is None:
        return "n/a"
    if score["low"] is None:
        return f"{score['estimate']:.3f}"
    return f"{score['estimate']:.3f} [{score['low']:.3f}, {score['high']:.3f}]"
