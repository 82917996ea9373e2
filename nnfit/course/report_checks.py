"""The warnings a statistician would give about a validated model, computed from its scores.

Each rule states its numbers (scores are those of ``nnfit.tabular.evaluation``: estimates
with bootstrap intervals, and paired differences model - other on the same resamples):

- **no better than the baseline**: the Brier score or log-loss (regression: RMSE, so the mean
  squared error; counts: the mean Poisson deviance) is not below the no-information
  baseline's, or the interval of the difference model - baseline reaches 0 (no gain is
  within the interval);
- **worse than the reference** (when one was fitted on training rows): the interval of model -
  reference lies above 0 for that score;
- **calibration slope far from 1**: outside [0.8, 1.2] with an interval that excludes 1
  (without intervals: outside [0.8, 1.2]);
- **calibration in the large**: the calibration intercept's interval excludes 0 (without
  intervals: |intercept| > 0.2), with the mean predicted risk beside the observed share;
- **class weights**: a classifier fitted with ``class_weight`` predicts the risks of a
  reweighted population; keep an unweighted, calibrated model and choose the threshold by net
  benefit instead;
- **few events**: fewer than 100 rows with the event, or without it (Collins, Ogundimu and
  Altman 2016, Stat Med 35:214, suggest at least 100 of each to validate a model);
- survival: the integrated Brier score not below the Kaplan-Meier baseline's (as above),
  Harrell's C whose interval includes 0.5, calibration in the large at the horizon (Kaplan-Meier
  S(h) - mean predicted S(h | x)) whose interval excludes 0, fewer than 100 events;
- the reference's own problems (a separated logistic regression) as notes from its fit.
"""
import numpy as np

SLOPE_RANGE = (0.8, 1.2)
MIN_EVENTS = 100
LOSSES = {"classification": ("brier", "log_loss"), "multiclass": ("brier", "log_loss"),
          "regression": ("rmse",),
          "counts": ("poisson_deviance",), "survival": ("ibs",)}
NAMES = {"brier": "Brier score", "log_loss": "log-loss", "rmse": "RMSE (so the mean squared "
         "error)", "poisson_deviance": "mean Poisson deviance",
         "ibs": "integrated Brier score"}


def evaluation_warnings(evaluation, class_weight=None, risk=None, event=None):
    """The same warnings for the scores of ``nnfit.tabular.evaluation`` alone (``nnfit
    evaluate``): a binary classifier's calibration, class weights and events from ``risk``
    (its predicted probability of the second class) and ``event`` (the rows of that class);
    for more classes, numbers and counts, only the comparison with the baseline."""
    task = evaluation["task"]
    binary = task == "classification" and risk is not None
    report = {"task": task if task != "classification" or binary else "multiclass",
              "evaluation": evaluation, "model": {"class_weight": class_weight}}
    if binary:
        event = np.asarray(event, bool)
        report["data"] = {"mean_risk": float(np.mean(risk)), "prevalence": float(event.mean()),
                          "events": int(event.sum()), "n": len(event)}
    return statistician_warnings(report)


def statistician_warnings(report):
    """The list of warnings (text) for the report dict of ``nnfit.course.report``."""
    task, scored = report["task"], report["evaluation"]["scores"]
    baseline = report["evaluation"]["baseline"]["kind"]
    found = []
    worse = [_loss_line(key, scored, baseline) for key in LOSSES[task]]
    worse = [line for line in worse if line]
    if worse:
        same = ("each row its training folds' " + ("class shares" if baseline == "prevalence"
                                                   else baseline) if report.get("cv") else
                "every row the same")
        found.append(f"the model is no better than the {baseline} baseline (which predicts "
                     f"{same}): " + "; ".join(worse))
    reference = report.get("reference") or {}
    if reference.get("name"):
        name = reference["name"]
        lost = [_reference_line(key, scored, name) for key in LOSSES[task]]
        lost = [line for line in lost if line]
        if lost:
            found.append(f"the model is worse than the {name} reference: " + "; ".join(lost))
    if task == "classification":
        found.extend(_calibration(report, scored["scores"]["model"]))
        found.extend(_weights(report))
        found.extend(_events(report))
    if task == "survival":
        found.extend(_survival(report))
    found.extend(f"reference: {note}" for note in reference.get("notes", []))
    return found


def _loss_line(key, scored, baseline):
    model, base = scored["scores"]["model"].get(key), scored["scores"][baseline].get(key)
    difference = scored["differences"].get(f"model - {baseline}", {}).get(key)
    if not model or model["estimate"] is None or base["estimate"] is None:
        return None
    text = (f"{NAMES[key]} {_n(model['estimate'])} against the baseline's "
            f"{_n(base['estimate'])}")
    if model["estimate"] >= base["estimate"]:
        return text + " (not lower)"
    if difference and difference["high"] is not None and difference["high"] >= 0:
        return (text + f", difference {_interval(difference)}: the interval includes no "
                "gain")
    return None


def _reference_line(key, scored, name):
    difference = scored["differences"].get(f"model - {name}", {}).get(key)
    if not difference or difference["estimate"] is None or difference["estimate"] <= 0 or (
            difference["low"] is not None and difference["low"] <= 0):
        return None  # without an interval (0 resamples): any loss of the model is said
    model, reference = scored["scores"]["model"][key], scored["scores"][name][key]
    return (f"{NAMES[key]} {_n(model['estimate'])} against the reference's "
            f"{_n(reference['estimate'])}, "
            f"difference {_interval(difference)}")


def _calibration(report, scores):
    found = []
    slope, intercept = scores.get("calibration_slope"), scores.get("calibration_intercept")
    if slope and slope["estimate"] is not None:
        b = slope["estimate"]
        outside = not SLOPE_RANGE[0] <= b <= SLOPE_RANGE[1]
        excludes = slope["low"] is None or not slope["low"] <= 1 <= slope["high"]
        if outside and excludes:
            how = ("too extreme (overfitted: high risks too high, low risks too low); "
                   "penalize the model more (ridge, dropout) or recalibrate it" if b < 1 else
                   "too timid (underfitted: risks too close to the average); penalize the "
                   "model less or fit it longer, or recalibrate it")
            which = ("no interval was computed (0 bootstrap resamples)" if slope["low"] is None
                     else "its interval excludes 1")
            found.append(f"calibration slope {_interval(slope)}, outside "
                         f"[{SLOPE_RANGE[0]}, {SLOPE_RANGE[1]}] and {which}: "
                         f"the predicted risks are {how}")
    if intercept and intercept["estimate"] is not None:
        a = intercept["estimate"]
        off = (abs(a) > 0.2 if intercept["low"] is None
               else not intercept["low"] <= 0 <= intercept["high"])
        if off:
            data = report["data"]
            found.append(f"calibration in the large: intercept {_interval(intercept)} "
                         + ("excludes 0" if intercept["low"] is not None else
                            "is more than 0.2 from 0 (no interval: 0 bootstrap resamples)")
                         + f"; the mean predicted risk is {data['mean_risk']:.4f} "
                         f"against an observed share of {data['prevalence']:.4f} "
                         f"({data['events']} events in {data['n']} rows): the risks are too "
                         f"{'low' if a > 0 else 'high'} on average")
    return found


def _weights(report):
    weight = report["model"]["class_weight"]
    if weight is None:
        return []
    return [f"the model was fitted with class_weight={weight!r}: its probabilities are those "
            "of a reweighted population, not of these patients, which distorts calibration "
            f"(mean predicted risk {report['data']['mean_risk']:.4f} against an observed "
            f"share of {report['data']['prevalence']:.4f}); for risks, fit without class "
            "weights and keep the calibrated probabilities, and label by the decision's "
            "threshold probability p_t (--threshold P; the report's decision curve shows the "
            "net benefit at each p_t); to keep this model, choose the cutoff on its "
            "probabilities that serves a given p_t on labelled rows (--threshold best:P, "
            "nnfit.best_threshold)"]


def _events(report):
    data = report["data"]
    events, rest = data["events"], data["n"] - data["events"]
    if min(events, rest) >= MIN_EVENTS:
        return []
    return [f"{events} rows with the event and {rest} without: validating a model needs at "
            f"least {MIN_EVENTS} of each (Collins, Ogundimu and Altman 2016), so the "
            "intervals are wide and the calibration curve is rough"]


def _survival(report):
    """Discrimination no better than chance, calibration in the large off at the horizon,
    few events."""
    scores = report["evaluation"]["scores"]
    model, found = scores["scores"]["model"], []
    c = model.get("harrell_c")
    if c and c["estimate"] is not None and (c["estimate"] <= 0.5 or (
            c["low"] is not None and c["low"] <= 0.5)):
        found.append(f"Harrell's C {_interval(c)}: "
                     + ("the interval includes 0.5" if c["low"] is not None else
                        "at most 0.5 (no interval: 0 bootstrap resamples)")
                     + ", so the model's ordering of the rows is no better than chance")
    large = model.get("calibration_in_the_large")
    if large and large["estimate"] is not None and (
            not large["low"] <= 0 <= large["high"] if large["low"] is not None
            else abs(large["estimate"]) > 0.05):
        horizon = scores["calibration_horizon"]
        found.append(f"calibration in the large at {horizon:g}: Kaplan-Meier S({horizon:g}) "
                     f"- mean predicted S = {_interval(large)} "
                     + ("excludes 0" if large["low"] is not None else
                        "is more than 0.05 from 0 (no interval: 0 bootstrap resamples)") + ": "
                     + ("fewer" if large["estimate"] > 0 else "more") + " events by "
                     f"{horizon:g} than the model predicts")
    events = report["data"]["events"]
    if events < 100:
        found.append(f"{events} events among {report['data']['n_scored']} rows: validating a "
                     "survival model needs at least 100 events (Collins, Ogundimu and Altman "
                     "2016), so the intervals are wide")
    return found


def _interval(score):
    if score["low"] is None:
        return _n(score["estimate"])
    return f"{_n(score['estimate'])} [{_n(score['low'])}, {_n(score['high'])}]"


def _n(value):
    if value is None or not np.isfinite(value):
        return "n/a"
    return f"{value:.4f}" if abs(value) < 1000 else f"{value:.4g}"
