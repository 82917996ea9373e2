"""``--threshold`` of ``nnfit predict`` and ``nnfit evaluate``: labels of a model of two classes
from a risk threshold, and the net benefit of labelling by it (``nnfit.net_benefit``).

The rule is the decision curve's: a row gets the second class (``classes_[1]``, the one whose
probability ``predict_proba(X)[:, 1]`` gives: 'Yes' of No/Yes, True of False/True) when its
probability is at least the threshold p_t, else the first.  ``--threshold 0.2`` gives p_t;
``--threshold best:0.05-0.5`` asks ``nnfit.best_threshold`` for the p_t of largest net benefit
in that range on the rows at hand, which needs their outcomes: ``evaluate`` only (``predict``
refuses it and says where to choose the number).  ``evaluate`` then prints the rows labelled,
sensitivity and specificity, and the net benefit at p_t beside treating all and none.
"""
import argparse
import inspect
from types import SimpleNamespace

import numpy as np

from ..estimators.decision import best_threshold, net_benefit
from ..tabular.evaluation import as_labels
from .table_options import finite

SEARCH = {name: parameter.default for name, parameter in
          inspect.signature(best_threshold).parameters.items() if name in ("low", "high", "step")}
EXAMPLE = "e.g. --threshold 0.2 or --threshold best:0.05-0.5"


def threshold(text):
    """argparse type of --threshold: p_t in (0, 1), or best[:LOW-HIGH] with 0 <= LOW <= HIGH < 1
    (best alone: the library's range)."""
    word = text.strip().lower()
    if word == "best":
        return SimpleNamespace(best=True, low=SEARCH["low"], high=SEARCH["high"])
    if word.startswith("best:"):
        ends = word[5:].split("-")
        if len(ends) != 2:
            raise argparse.ArgumentTypeError(f"{text!r} is invalid: give the range searched as "
                                             "best:LOW-HIGH, e.g. best:0.05-0.5")
        low, high = (finite(end) for end in ends)
        if not 0 <= low <= high < 1:
            raise argparse.ArgumentTypeError(f"{text!r} is invalid: give 0 <= LOW <= HIGH < 1, "
                                             "e.g. best:0.05-0.5")
        return SimpleNamespace(best=True, low=low, high=high)
    try:
        value = finite(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a probability or best:LOW-HIGH "
                                         f"({EXAMPLE})") from None
    if not 0 < value < 1:
        example = f"{value / 100:g} for {value:g} %" if 1 <= value < 100 else "0.2"
        raise argparse.ArgumentTypeError(f"{value:g} is invalid: give a probability in (0, 1), "
                                         f"e.g. {example}")
    return SimpleNamespace(best=False, value=value)


def help_text(command):
    rule = ("two classes: a row is labelled with the second class (e.g. 'Yes' of No/Yes, True of "
            "False/True) when its probability is at least this threshold in (0, 1)")
    if command == "predict":
        return (rule + ", instead of by the larger probability; choose one with 'nnfit evaluate "
                "--threshold best:LOW-HIGH' on labelled rows (default: none)%(default).0s")
    return (rule + "; the report adds the rows so labelled, their sensitivity and specificity, "
            "and the net benefit at the threshold beside treating all and none (the scores "
            "above are unchanged); best:LOW-HIGH chooses the threshold of largest net benefit "
            f"in that range on these rows (best alone: {SEARCH['low']:g}-{SEARCH['high']:g}; "
            f"step {SEARCH['step']:g}) (default: none)%(default).0s")


def check_binary(model, option, command):
    """Refuse --threshold for anything but a model of two classes (and best: on predict)."""
    classes = getattr(model, "classes_", None)
    if classes is None or len(classes) != 2:
        what = ("numbers" if classes is None and not hasattr(model, "event_name_") else
                "survival" if classes is None else f"{len(classes)} classes")
        raise ValueError(f"--threshold labels the rows of a model of two classes by the "
                         f"probability of the second; this model predicts {what}: leave "
                         "--threshold out")
    if command == "predict" and option.best:
        raise ValueError("--threshold best:LOW-HIGH chooses the threshold by the outcomes of "
                         "labelled rows, which 'nnfit predict' does not have: choose it with "
                         "'nnfit evaluate MODEL LABELLED.csv --threshold best:LOW-HIGH', then "
                         "give that number here, e.g. --threshold 0.2")


def labels(classes, risk, value):
    """The second class where ``risk`` >= ``value``, else the first."""
    return np.where(np.asarray(risk, dtype=np.float64) >= value, classes[1], classes[0])


def threshold_report(model, frame, truth, option):
    """The numbers at the threshold on labelled rows (``nnfit evaluate``)."""
    risk = np.asarray(model.predict_proba(frame))[:, 1]
    y = as_labels(np.asarray(truth), model.classes_) == model.classes_[1]
    chosen = (best_threshold(y, risk, option.low, option.high) if option.best else option.value)
    row = net_benefit(y, risk, [chosen]).iloc[0]
    n, events = len(y), int(y.sum())
    tp, fp = int(round(row["tp"])), int(round(row["fp"]))
    report = {"threshold": float(chosen), "positive_class": str(model.classes_[1]), "n": n,
              "events": events, "labelled": tp + fp, "true_positives": tp,
              "false_positives": fp,
              "sensitivity": tp / events if events else None,
              "specificity": 1 - fp / (n - events) if n > events else None,
              "net_benefit": float(row["net_benefit"]), "treat_all": float(row["treat_all"]),
              "treat_none": 0.0,
              "net_interventions_avoided_per_100": None if not chosen > 0 else
              100 * float(row["net_intervention_avoided"])}
    if option.best:
        report["chosen_in"] = {"low": option.low, "high": option.high, "step": SEARCH["step"]}
    return report


def threshold_lines(report, target):
    """The report as lines of text."""
    t, positive = report["threshold"], report["positive_class"]
    how = (f"chosen in [{report['chosen_in']['low']:g}, {report['chosen_in']['high']:g}] (step "
           f"{report['chosen_in']['step']:g}) as the largest net benefit on these rows, which "
           "flatters it: judge it on other rows" if "chosen_in" in report else "as given")
    rate = lambda value: "n/a" if value is None else f"{value:.4f}"  # noqa: E731
    avoided = report["net_interventions_avoided_per_100"]
    return [f"threshold {t:g} ({how}):",
            f"  label {positive!r} when P({target or 'y'} = {positive!r}) >= {t:g}: "
            f"{report['labelled']} of {report['n']} rows, {report['true_positives']} of the "
            f"{report['events']} with {positive!r} (sensitivity {rate(report['sensitivity'])}, "
            f"specificity {rate(report['specificity'])})",
            f"  net benefit {report['net_benefit']:.4f} per row; treat all "
            f"{report['treat_all']:.4f}, treat none 0"
            + ("" if avoided is None else
               f"; net interventions avoided {avoided:.1f} per 100 rows")]
