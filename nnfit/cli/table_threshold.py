"""``--threshold`` of ``nnfit predict`` and ``nnfit evaluate``: labels of a model of two classes
from a risk threshold, and the net benefit of labelling by it (``nnfit.net_benefit``).

The rule is the decision curve's: a row gets the second class (``classes_[1]``, the one whose
probability ``predict_proba(X)[:, 1]`` gives: 'Yes' of No/Yes, True of False/True) when its
probability is at least the threshold p_t, else the first.  ``--threshold 0.2`` gives p_t;
``--threshold best:0.2`` keeps p_t = 0.2 (how the decision weighs the harms) and asks
``nnfit.best_threshold`` for the cutoff c of largest net benefit at that p_t on the rows at
hand (for probabilities that are not calibrated, e.g. of class weights), which needs their
outcomes: ``evaluate`` only (``predict`` refuses it and says where to choose the number).  A
range (the former ``best:LOW-HIGH``) is refused: net benefits at different p_t cannot be
compared.  ``evaluate`` then prints the rows labelled, sensitivity and specificity, and the net
benefit at p_t beside treating all and none.
"""
import argparse
import inspect
from types import SimpleNamespace

import numpy as np

from ..estimators.decision import benefit_at, best_threshold, net_benefit
from ..tabular.evaluation import as_labels
from .table_options import finite

SEARCH = {name: parameter.default for name, parameter in
          inspect.signature(best_threshold).parameters.items() if name in ("low", "high", "step")}
EXAMPLE = "e.g. --threshold 0.2 or --threshold best:0.2"
RANGE = ("net benefits at different thresholds weigh the harms differently and cannot be "
         "compared (the largest is nearly always the lowest threshold), so a threshold is not "
         "chosen by its own net benefit: give the threshold p_t the decision makers accept, "
         "e.g. --threshold 0.2, or best:0.2 for the cutoff on this model's probabilities that "
         "gives the most net benefit at p_t = 0.2 (for probabilities that are not calibrated, "
         "such as a model's fitted with class weights)")


def threshold(text):
    """argparse type of --threshold: p_t in (0, 1), or best:P (the cutoff of largest net
    benefit at p_t = P on the rows evaluated)."""
    word = text.strip().lower()
    best = word.startswith("best:")
    if word == "best" or (best and "-" in word[5:].replace("e-", "")):  # a range, not 1e-3
        raise argparse.ArgumentTypeError(f"{text!r}: {RANGE}")
    try:
        value = finite(word[5:] if best else text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a probability or best:P "
                                         f"({EXAMPLE})") from None
    if not 0 < value < 1:
        example = f"{value / 100:g} for {value:g} %" if 1 <= value < 100 else "0.2"
        raise argparse.ArgumentTypeError(f"{value:g} is invalid: give a probability in (0, 1), "
                                         f"e.g. {'best:' if best else ''}{example}")
    return SimpleNamespace(best=best, value=value)


def help_text(command):
    rule = ("two classes: a row is labelled with the second class (e.g. 'Yes' of No/Yes, True of "
            "False/True) when its probability is at least this threshold in (0, 1)")
    if command == "predict":
        return (rule + ", instead of by the larger probability; for probabilities that are not "
                "calibrated choose the cutoff with 'nnfit evaluate --threshold best:P' on "
                "labelled rows (default: none)%(default).0s")
    return (rule + "; the report adds the rows so labelled, their sensitivity and specificity, "
            "and the net benefit at the threshold beside treating all and none (the scores "
            "above are unchanged); best:P keeps the threshold probability P (how the decision "
            "weighs the harms) and chooses the cutoff on these rows' probabilities of largest "
            f"net benefit at P (searched {SEARCH['low']:g} to {SEARCH['high']:g}, step "
            f"{SEARCH['step']:g}; for probabilities that are not calibrated, e.g. of class "
            "weights) (default: none)%(default).0s")


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
        raise ValueError("--threshold best:P chooses the cutoff by the outcomes of labelled "
                         "rows, which 'nnfit predict' does not have: choose it with 'nnfit "
                         f"evaluate MODEL LABELLED.csv --threshold best:{option.value:g}', then "
                         "give that number here, e.g. --threshold 0.2")


def labels(classes, risk, value):
    """The second class where ``risk`` >= ``value``, else the first."""
    return np.where(np.asarray(risk, dtype=np.float64) >= value, classes[1], classes[0])


def threshold_report(model, frame, truth, option):
    """The numbers at the threshold on labelled rows (``nnfit evaluate``): the rows labelled
    at the cutoff (p_t, or best:P's choice) and the net benefits at p_t."""
    risk = np.asarray(model.predict_proba(frame))[:, 1]
    y = as_labels(np.asarray(truth), model.classes_) == model.classes_[1]
    p_t = option.value
    chosen = best_threshold(y, risk, p_t) if option.best else p_t
    row = net_benefit(y, risk, [chosen]).iloc[0]
    at = net_benefit(y, risk, [p_t]).iloc[0]  # treating all at p_t; the model's NB below
    n, events = len(y), int(y.sum())
    tp, fp = int(round(row["tp"])), int(round(row["fp"]))
    benefit = float(benefit_at(y, risk, [chosen], p_t)[0])
    odds = p_t / (1 - p_t)
    report = {"threshold": float(chosen), "positive_class": str(model.classes_[1]), "n": n,
              "events": events, "labelled": tp + fp, "true_positives": tp,
              "false_positives": fp,
              "sensitivity": tp / events if events else None,
              "specificity": 1 - fp / (n - events) if n > events else None,
              "net_benefit": benefit, "treat_all": float(at["treat_all"]), "treat_none": 0.0,
              "net_interventions_avoided_per_100": 100 * (benefit - float(at["treat_all"]))
              / odds}
    if option.best:
        report["chosen_at"] = {"p_t": p_t, "low": SEARCH["low"], "high": SEARCH["high"],
                               "step": SEARCH["step"]}
    return report


def threshold_lines(report, target):
    """The report as lines of text."""
    t, positive = report["threshold"], report["positive_class"]
    chosen = report.get("chosen_at")
    how = (f"the cutoff of largest net benefit at the threshold probability "
           f"{chosen['p_t']:g} on these rows (searched {chosen['low']:g} to {chosen['high']:g}, "
           f"step {chosen['step']:g}), which flatters it: judge it on other rows"
           if chosen else "as given")
    at = f" at p_t = {chosen['p_t']:g}" if chosen else ""
    rate = lambda value: "n/a" if value is None else f"{value:.4f}"  # noqa: E731
    avoided = report["net_interventions_avoided_per_100"]
    return [f"threshold {t:g} ({how}):",
            f"  label {positive!r} when P({target or 'y'} = {positive!r}) >= {t:g}: "
            f"{report['labelled']} of {report['n']} rows, {report['true_positives']} of the "
            f"{report['events']} with {positive!r} (sensitivity {rate(report['sensitivity'])}, "
            f"specificity {rate(report['specificity'])})",
            f"  net benefit {report['net_benefit']:.4f} per row{at}; treat all "
            f"{report['treat_all']:.4f}, treat none 0"
            + ("" if avoided is None else
               f"; net interventions avoided {avoided:.1f} per 100 rows")]
