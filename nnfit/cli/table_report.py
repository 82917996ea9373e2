"""The reports of ``nnfit evaluate``, ``nnfit cv`` and of ``nnfit fit``'s validation rows for a
classification or regression, as text (``outcome_report`` adds survival and counts): the
library computes them (``nnfit.tabular.evaluation``, ``nnfit.estimators.metrics``).

Classification: accuracy, balanced accuracy, per-class precision, recall, F1 and support, the
confusion matrix, ROC AUC (two classes); then a table of Brier score, log-loss, ROC AUC,
accuracy and calibration intercept and slope, each with its bootstrap interval, beside the
prevalence baseline.  Regression: MAE, RMSE and R^2, then the same table beside the mean
baseline.
"""
import math

from ..tabular.evaluation import evaluate_table
from ..tabular.survival import TabularSurvival
from ..tabular.survival_scores import evaluate_survival

LABELS = {"brier": "Brier score", "log_loss": "log-loss", "roc_auc": "ROC AUC",
          "accuracy": "accuracy", "calibration_intercept": "calibration intercept",
          "calibration_slope": "calibration slope", "mae": "MAE", "rmse": "RMSE", "r2": "R^2",
          "poisson_deviance": "Poisson deviance", "d2": "D^2"}
BASELINES = {"prevalence": "prevalence baseline", "mean": "mean baseline"}
CALIBRATION_NOTE = ["calibration intercept a: logit P(y) = a + logit p (0: right on average, "
                    "> 0: p too low)",
                    "calibration slope b: logit P(y) = a' + b logit p (1: right, < 1: p too "
                    "extreme, > 1: too timid)"]
SUMMARY = {"prevalence": ("brier", "log_loss", "accuracy"), "mean": ("mae", "rmse", "r2"),
           "counts": ("poisson_deviance", "d2", "mae")}


def evaluate(model, frame, truth, n_bootstrap=0, seed=0, sample_weight=None):
    """The report dict of ``model`` on the rows of ``frame`` with true targets ``truth``
    (``nnfit.tabular.evaluation.evaluate_table``, or ``survival_scores.evaluate_survival``;
    no intervals unless ``n_bootstrap``; ``sample_weight``: a Poisson model's exposures)."""
    if isinstance(model, TabularSurvival):
        return evaluate_survival(model, frame, truth, n_bootstrap=n_bootstrap, random_state=seed)
    return evaluate_table(model, frame, truth, sample_weight=sample_weight,
                          n_bootstrap=n_bootstrap, random_state=seed)


def format_report(report):
    """The report as lines of text."""
    if report["task"] == "regression":
        return [f"MAE {report['mae']:.4g}  RMSE {report['rmse']:.4g}  R^2 {report['r2']:.4f} "
                f"on {report['n']} rows"] + score_lines(report)
    lines = [f"accuracy {report['accuracy']:.4f}  balanced accuracy "
             f"{report['balanced_accuracy']:.4f}"
             + (f"  ROC AUC {report['roc_auc']:.4f}" if "roc_auc" in report else "")
             + f" on {report['n']} rows"]
    classes = report["classes"]
    width = max(10, *(len(c) + 2 for c in classes))
    lines.append(f"{'class':>{width}}{'precision':>11}{'recall':>9}{'F1':>9}{'support':>9}")
    for row in report["per_class"]:
        lines.append(f"{row['class']:>{width}}{row['precision']:>11.4f}{row['recall']:>9.4f}"
                     f"{row['f1']:>9.4f}{row['support']:>9}")
    lines.append("confusion matrix (rows: true class, columns: predicted)")
    lines.append(" " * width + "".join(f"{c:>{width}}" for c in classes))
    for label, row in zip(classes, report["confusion_matrix"]):
        lines.append(f"{label:>{width}}" + "".join(f"{n:>{width}}" for n in row))
    return lines + score_lines(report)


def score_lines(report, columns=None):
    """The table of scores with intervals: one row per score, one column per prediction
    (``columns``: (title, name) pairs, a name of ``scores`` or of ``differences``; default:
    the model and the baseline), then the baseline, calibration and notes."""
    scored = report.get("scores")
    if not scored:
        return []
    kind = report["baseline"]["kind"]
    names = list(scored["scores"])
    columns = columns or [(names[0], names[0]), (BASELINES[kind], kind)]
    tables = {**scored["scores"], **scored["differences"]}
    classes = report["task"] == "classification"
    lines = [_heading(report, scored)]
    multiclass = classes and len(report["classes"]) > 2
    label_width = max(14, 2 + max(len(LABELS[key]) for key in scored["scores"][names[0]]
                                  if key in LABELS) + (19 if multiclass else 0))
    first = tables[columns[0][1]]
    width = max(len(title) for title, _ in columns) + 2
    cells = {key: [_cell(tables[name].get(key), key) for _, name in columns] for key in first
             if not isinstance(first[key], list)}
    width = max(width, *(len(c) + 2 for row in cells.values() for c in row))
    lines.append(" " * label_width + "".join(f"{title:<{width}}" for title, _ in columns))
    for key, row in cells.items():
        label = LABELS[key] + (" (one-vs-rest mean)" if key == "roc_auc" and multiclass else "")
        lines.append(f"{label:<{label_width}}" + "".join(f"{c:<{width}}" for c in row))
    if "calibration" in first:  # more than two classes: each class against the rest
        lines.append(f"calibration of {columns[0][0]}, each class against the rest:")
        lines.append(f"{'class':<{label_width}}{'intercept':<{width}}{'slope':<{width}}")
        for row in first["calibration"]:
            lines.append(f"{str(row['class']):<{label_width}}"
                         f"{_cell(row['intercept'], 'calibration'):<{width}}"
                         f"{_cell(row['slope'], 'calibration')}")
    if kind in [name for _, name in columns]:
        lines.append(f"{BASELINES[kind]}: {_baseline_line(report)}")
    else:  # the baseline's scores on one line
        lines.append(f"{BASELINES[kind]}: " + "; ".join(
            f"{LABELS[key]} {_cell(scored['scores'][kind][key], key)}"
            for key in SUMMARY.get(report["task"], SUMMARY[kind])))
        lines.append(f"  ({_baseline_line(report)})")
    if classes:
        lines.extend(CALIBRATION_NOTE)
    lines.extend(f"note: {note}" for note in scored["notes"])
    return [line.rstrip() for line in lines]


def _heading(report, scored):
    what = (f"scores of P({report.get('target') or 'y'} = {scored['positive_class']!r})"
            if "positive_class" in scored else "scores")
    if not scored["n_bootstrap"]:
        return f"{what} on {scored['n']} rows (no bootstrap intervals):"
    return (f"{what} on {scored['n']} rows, {scored['confidence']:.0%} bootstrap intervals in "
            f"brackets ({scored['n_bootstrap']} resamples of the rows, seed "
            f"{scored['random_state']}):")


def _baseline_line(report):
    baseline = report["baseline"]
    if baseline["kind"] == "prevalence":
        if "shares" in baseline:
            shares = ", ".join(f"{c} {s:.4f}" for c, s in baseline["shares"].items())
            return f"every row gets the class shares of these rows, {shares}"
        return "every row gets the class shares of its training folds"
    weights = report.get("weights") or ("the exposure" if report.get("exposure") else None)
    what = ("mean rate" if report.get("exposure") else "mean") + (
        f" (weighted by {weights})" if weights and report["task"] == "counts" else "")
    if "mean" in baseline:
        return f"every row gets the {what} of these rows, {baseline['mean']:.6g}"
    return f"every row gets the {what} of its training folds"


def _cell(score, key):
    """'0.0213 [0.0194, 0.0233]', '0.0213' without an interval, 'n/a' when undefined.  Scores
    in the target's units (MAE, RMSE) get 4 significant digits of the estimate, others 4
    decimals."""
    if score is None or score["estimate"] is None:
        return "n/a"
    estimate = score["estimate"]
    decimals = 4
    if key in ("mae", "rmse") and estimate != 0:
        decimals = min(8, max(0, 3 - math.floor(math.log10(abs(estimate)))))
    text = _number(estimate, decimals)
    if score["low"] is None:
        return text
    return f"{text} [{_number(score['low'], decimals)}, {_number(score['high'], decimals)}]"


def _number(value, decimals):
    text = f"{value:.{decimals}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text  # no "-0.0000"


def json_ready(value):
    """``value`` with NaN and infinities as None, so that the JSON file is standard JSON."""
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def weigh_counts(report, weight=None, exposure=None):
    """Record in a Poisson model's ``report`` what weighted its scores: the exposure (its rates
    count / exposure), a ``--weight`` column, or both (their product), as ``weights``, read by
    the baseline line and ``outcome_report.counts_head``; ``exposure`` True only for an exposure."""
    if report.get("task") != "counts":
        return report
    report["exposure"] = bool(exposure)
    report["weights"] = " times ".join((["the exposure"] if exposure else [])
                                       + ([f"--weight {weight}"] if weight else [])) or None
    return report


def loss_units(network):
    """What a regression's validation loss is (it is in the network's units, not the report's):
    half the squared error, or half the Poisson deviance, of the target divided by its
    training scale (the sd about the mean; the mean of the rates), when it is standardized."""
    params = network.get_params()
    if "standardize_target" not in params:
        return ""
    scaled = " of the target standardized by its training sd" if params["loss"] != "poisson" \
        else " of the rates divided by their training mean"
    what = "half the mean Poisson deviance" if params["loss"] == "poisson" else \
        "half the mean squared error"
    return f" ({what}{scaled if network.standardize_target else ''})"
