"""The reports of ``nnfit evaluate`` and of ``nnfit fit``'s validation rows (scikit-learn's metrics).

Classification: accuracy, balanced accuracy (the mean of the per-class recalls, so that 4 of
16 cases found among 400 rows shows as it is), per-class precision, recall, F1 and support,
the confusion matrix and, for two classes, the ROC AUC of the second class's probability.
Regression: MAE, RMSE and R^2.
"""
import numpy as np
import pandas as pd
from sklearn.metrics import (balanced_accuracy_score, confusion_matrix, mean_absolute_error,
                             precision_recall_fscore_support, r2_score, roc_auc_score,
                             root_mean_squared_error)

from ..tabular.preprocess import names


def evaluate(model, frame, truth):
    """The report dict of ``model`` on the rows of ``frame`` with true targets ``truth``."""
    if not hasattr(model, "classes_"):
        truth = pd.to_numeric(pd.Series(np.asarray(truth)), errors="coerce").to_numpy(np.float64)
        if not np.isfinite(truth).all():
            raise ValueError("the target column has missing, non-numeric or infinite values; "
                             "drop those rows")
        predicted = model.predict(frame)
        return {"task": "regression", "n": len(truth),
                "mae": float(mean_absolute_error(truth, predicted)),
                "rmse": float(root_mean_squared_error(truth, predicted)),
                "r2": float(r2_score(truth, predicted)) if len(truth) > 1 else float("nan")}
    classes = model.classes_
    truth = _as_labels(np.asarray(truth), classes)
    P = model.predict_proba(frame)
    predicted = classes[P.argmax(axis=1)]
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, labels=classes, zero_division=0)
    report = {"task": "classification", "n": len(truth),
              "accuracy": float(np.mean(truth == predicted)),
              "balanced_accuracy": float(balanced_accuracy_score(truth, predicted)),
              "classes": [str(c) for c in classes],
              "per_class": [{"class": str(c), "precision": float(p), "recall": float(r),
                             "f1": float(f), "support": int(s)}
                            for c, p, r, f, s in zip(classes, precision, recall, f1, support)],
              "confusion_matrix": confusion_matrix(truth, predicted, labels=classes).tolist()}
    if len(classes) == 2 and len(set(truth.tolist())) == 2:
        report["roc_auc"] = float(roc_auc_score(truth == classes[1], P[:, 1]))
    return report


def _as_labels(truth, classes):
    """True labels with the classes' type (a CSV may read 1/0 labels where bools were trained)."""
    if classes.dtype == object:
        truth = truth.astype(str).astype(object)
    elif classes.dtype == bool and truth.dtype != bool:
        mapping = {"true": True, "false": False, "1": True, "0": False, "1.0": True, "0.0": False}
        truth = np.array([mapping.get(str(t).lower(), t) for t in truth], dtype=object)
    unseen = sorted({str(t) for t in truth} - {str(c) for c in classes})
    if unseen:
        raise ValueError(f"the target has labels the model never saw: {names(unseen)} "
                         f"(known: {names(classes)})")
    return truth.astype(classes.dtype) if classes.dtype != object else truth


def format_report(report):
    """The report as lines of text."""
    if report["task"] == "regression":
        return [f"MAE {report['mae']:.4g}  RMSE {report['rmse']:.4g}  R^2 {report['r2']:.4f} "
                f"on {report['n']} rows"]
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
    return lines
