"""The figures of ``nnfit report`` (matplotlib, each returned as the bytes of a PNG image).

A binary classifier (risk r_i = predicted probability of the positive class, y_i in {0, 1}):

- calibration: the rows ranked by r and cut into G groups of (nearly) equal size
  (``calibration_groups``); each group's mean r against its observed share of events with the
  Wilson 95 % interval, the ideal line observed = predicted, the risks of the rows as a rug;
- ROC: sensitivity against 1 - specificity (``sklearn.metrics.roc_curve``), the chance line;
- decision curve: net benefit against the threshold probability p_t
  (``nnfit.estimators.decision.net_benefit``) of each model, of treat-all and treat-none;
- predicted risks by outcome: histograms of r for the rows with and without the event, each
  scaled to its own total (a density), so that a rare outcome's rows show.

A regression: observed against predicted with the ideal line; residuals y - prediction against
the prediction, and their histogram.
"""
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.metrics import roc_curve  # noqa: E402

DPI = 100
SIZE = (6.4, 4.4)
COLOURS = {"model": "#1f5fa8", "reference": "#d9730d", "treat all": "#6b6b6b",
           "treat none": "#000000", "events": "#c0392b", "non-events": "#1f5fa8"}
Z95 = 1.959963984540054  # the 97.5 % point of the standard normal distribution


def wilson(events, n, z=Z95):
    """Wilson score interval (low, high) of the share events / n (arrays)."""
    events, n = np.asarray(events, dtype=np.float64), np.asarray(n, dtype=np.float64)
    p = events / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


def group_count(n):
    """G, the number of calibration groups of n rows: 10, fewer below 200 rows (about 20 rows
    a group, at least 2)."""
    return int(min(10, max(2, n // 20)))


def calibration_groups(y, risk, groups=None):
    """One dict per risk group (1 = lowest risk): rows, mean predicted risk, events, observed
    share and its Wilson 95 % interval; rows ranked by risk (ties in row order)."""
    y, risk = np.asarray(y, dtype=np.float64), np.asarray(risk, dtype=np.float64)
    order = np.argsort(risk, kind="stable")
    table = []
    for g, rows in enumerate(np.array_split(order, groups or group_count(len(y))), 1):
        events = float(y[rows].sum())
        low, high = wilson(events, len(rows))
        table.append({"group": g, "n": int(len(rows)), "predicted": float(risk[rows].mean()),
                      "events": int(round(events)), "observed": events / len(rows),
                      "low": float(low), "high": float(high)})
    return table


def png(fig):
    """The figure as PNG bytes (and closed)."""
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png", dpi=DPI)
    plt.close(fig)
    return buffer.getvalue()


def calibration_figure(tables, risks):
    """``tables``: name -> ``calibration_groups``; ``risks``: name -> risks (for the rug)."""
    fig, ax = plt.subplots(figsize=SIZE)
    top = 0.0
    for (name, table), colour, marker in zip(tables.items(), _colours(tables), "os"):
        x = np.array([row["predicted"] for row in table])
        y = np.array([row["observed"] for row in table])
        error = np.clip([[row["observed"] - row["low"], row["high"] - row["observed"]]
                         for row in table], 0, None).T  # rounding may leave -1e-17
        ax.errorbar(x, y, yerr=error, fmt=marker + "-", color=colour, capsize=3, lw=1.2,
                    ms=5, label=f"{name}: observed share of events [Wilson 95 %]")
        top = max(top, x.max(), max(row["high"] for row in table))
    limit = min(1.0, np.ceil(1.1 * top * 20) / 20) or 1.0
    ax.plot([0, limit], [0, limit], ls="--", color="#888888", lw=1, label="ideal: observed = "
            "predicted")
    first = next(iter(risks.values()))
    ax.plot(first, np.full(len(first), -0.045 * limit), "|", color=COLOURS["model"], alpha=0.3,
            ms=6)
    ax.axhline(-0.02 * limit, color="#cccccc", lw=0.6)
    ax.set(xlim=(0, limit), ylim=(-0.07 * limit, limit), xlabel="mean predicted risk in group",
           ylabel="observed share with the event", title="Calibration by risk group")
    ax.legend(fontsize=8, loc="upper left")
    return png(fig)


def roc_figure(y, risks, labels):
    """``risks``: name -> risks; ``labels``: name -> legend text (with the AUC)."""
    fig, ax = plt.subplots(figsize=(5.2, 4.8))
    for (name, risk), colour in zip(risks.items(), _colours(risks)):
        fpr, tpr, _ = roc_curve(y, risk)
        ax.plot(fpr, tpr, color=colour, lw=1.6, label=labels[name], drawstyle="steps-post")
    ax.plot([0, 1], [0, 1], ls="--", color="#888888", lw=1, label="chance (AUC 0.5)")
    ax.set(xlim=(0, 1), ylim=(0, 1.01), xlabel="1 - specificity (false-positive rate)",
           ylabel="sensitivity (true-positive rate)", title="ROC curve", aspect="equal")
    ax.legend(fontsize=8, loc="lower right")
    return png(fig)


def decision_figure(curves, treat_all, thresholds, shown):
    """``curves``: name -> net benefit at ``thresholds``; ``shown``: the largest threshold
    drawn."""
    keep = thresholds <= shown
    t = thresholds[keep]
    fig, ax = plt.subplots(figsize=SIZE)
    top = max([treat_all[0]] + [float(np.max(nb[keep])) for nb in curves.values()])
    for (name, nb), colour in zip(curves.items(), _colours(curves)):
        ax.plot(t, nb[keep], color=colour, lw=1.8, label=name)
    ax.plot(t, treat_all[keep], color=COLOURS["treat all"], lw=1.2, label="treat all")
    ax.plot(t, np.zeros_like(t), color=COLOURS["treat none"], lw=1, ls=":", label="treat none")
    top = top if top > 0 else 0.01
    ax.set(xlim=(0, shown), ylim=(-0.15 * top, 1.15 * top), xlabel="threshold probability",
           ylabel="net benefit", title="Decision curve")
    ax.legend(fontsize=8, loc="best")
    return png(fig)


def risk_distribution_figure(y, risk, labels):
    """Histograms of the predicted risk of the rows with (``labels[1]``) and without the event."""
    y, risk = np.asarray(y, dtype=bool), np.asarray(risk, dtype=np.float64)
    fig, ax = plt.subplots(figsize=SIZE)
    bins = np.linspace(0, 1, 41)
    for rows, label, colour in ((~y, labels[0], COLOURS["non-events"]),
                                (y, labels[1], COLOURS["events"])):
        if rows.any():
            ax.hist(risk[rows], bins=bins, density=True, histtype="stepfilled", alpha=0.35,
                    color=colour, edgecolor=colour, lw=1.2, label=f"{label} ({rows.sum()} rows)")
    ax.set(xlim=(0, 1), xlabel="predicted risk", ylabel="density (each outcome sums to 1)",
           title="Predicted risks by outcome")
    ax.legend(fontsize=8, loc="upper center")
    return png(fig)


def observed_figure(y, predictions, target):
    """Observed against predicted (``predictions``: name -> numbers), with the ideal line."""
    fig, ax = plt.subplots(figsize=(5.6, 5.0))
    values = [np.asarray(y, dtype=np.float64)] + [np.asarray(p) for p in predictions.values()]
    low, high = min(v.min() for v in values), max(v.max() for v in values)
    pad = 0.03 * (high - low or 1.0)
    for (name, predicted), colour, marker in zip(predictions.items(), _colours(predictions),
                                                 "os"):
        ax.scatter(predicted, y, s=14, alpha=0.6, color=colour, marker=marker, label=name)
    ax.plot([low - pad, high + pad], [low - pad, high + pad], ls="--", color="#888888", lw=1,
            label="ideal: observed = predicted")
    ax.set(xlim=(low - pad, high + pad), ylim=(low - pad, high + pad),
           xlabel=f"predicted {target}", ylabel=f"observed {target}",
           title="Observed against predicted", aspect="equal")
    ax.legend(fontsize=8, loc="upper left")
    return png(fig)


def residual_figure(y, predicted, target):
    """Residuals y - prediction against the prediction (with 0), and their histogram."""
    residual = np.asarray(y, dtype=np.float64) - np.asarray(predicted, dtype=np.float64)
    fig, (left, right) = plt.subplots(1, 2, figsize=(9.6, 4.0),
                                      gridspec_kw={"width_ratios": [3, 2]})
    left.scatter(predicted, residual, s=14, alpha=0.6, color=COLOURS["model"])
    left.axhline(0, color="#888888", ls="--", lw=1)
    left.set(xlabel=f"predicted {target}", ylabel="residual (observed - predicted)",
             title="Residuals against predicted")
    right.hist(residual, bins=min(40, max(10, len(residual) // 10)), color=COLOURS["model"],
               alpha=0.7)
    right.axvline(0, color="#888888", ls="--", lw=1)
    right.set(xlabel="residual", ylabel="rows", title="Distribution of the residuals")
    return png(fig)


def _colours(named):
    return [COLOURS["model"] if i == 0 else COLOURS["reference"] for i in range(len(named))]
