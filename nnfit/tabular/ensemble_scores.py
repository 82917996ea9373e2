"""An ensemble's members scored one by one, and their spread, on labelled rows: what ``nnfit
evaluate`` and ``nnfit report`` show beside the averaged prediction of ``nnfit.MLPEnsemble``.

For a score s (Brier, log-loss, AUC, accuracy; MAE, RMSE, R²) of the ensemble's prediction
p(x) = (1/K) sum_k p_k(x) and of each member's p_k(x) on the same rows: the members' mean (one
network's expected score), best and worst (chosen on these rows, so the best is optimistic).
For a proper score such as the Brier score, Jensen's inequality gives s(p) <= mean_k s(p_k):
the average is never worse than the members' mean, and the gap is the members' disagreement.

The spread at ``level`` L is the width of [Q_{(1-L)/2}, Q_{(1+L)/2}] of the K members'
predictions (``MLPEnsemble.predict_proba_interval`` / ``predict_interval``): its median and
largest value over the rows, of the risk of the second class (two classes), of every class's
probability (more) or of the value.
"""
import inspect

import numpy as np

from ..estimators.ensemble import MLPEnsemble
from .evaluation import evaluate_table

HIGHER = {"roc_auc", "accuracy", "r2"}  # larger is better; for the other scores smaller
SCORES = ("brier", "log_loss", "roc_auc", "accuracy", "mae", "rmse", "r2")
LEVEL = inspect.signature(MLPEnsemble.predict_interval).parameters["level"].default


def score_members(model, X, y, sample_weight=None):
    """{score: {"ensemble", "members_mean", "best_member", "worst_member", "members"}} of the
    fitted ensemble ``model`` and each of its members on the rows (X, y) (module docstring)."""
    scores = [evaluate_table(m, X, y, sample_weight=sample_weight,
                             n_bootstrap=0)["scores"]["scores"]["model"]
              for m in [model, *model.estimators_]]
    keys = [k for k in SCORES if k in scores[0] and scores[0][k]["estimate"] is not None]
    table = {}
    for key in keys:
        values = np.array([s[key]["estimate"] for s in scores[1:]])
        best, worst = (values.max(), values.min()) if key in HIGHER else \
            (values.min(), values.max())
        table[key] = {"ensemble": scores[0][key]["estimate"], "members_mean": values.mean(),
                      "best_member": best, "worst_member": worst, "members": values.tolist()}
    return table


def spread(fitted, X, level=LEVEL):
    """{"level", "kind", "median_width", "max_width"} of the members' spread on the rows X
    (module docstring)."""
    if hasattr(fitted, "classes_"):
        _, lower, upper = fitted.predict_proba_interval(X, level=level)
        width = upper - lower
        if width.shape[1] == 2:
            width, kind = width[:, 1], f"risk of {fitted.classes_[1]!r}"
        else:
            kind = "class probabilities (every class)"
    else:
        _, lower, upper = fitted.predict_interval(X, level=level)
        width, kind = upper - lower, "predicted value"
    return {"level": level, "kind": kind, "median_width": float(np.median(width)),
            "max_width": float(np.max(width))}
