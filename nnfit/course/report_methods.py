"""The Methods section of the ``nnfit report`` page (``report_sections``): how the intervals,
each score and the warnings are computed, by task, and for a cross-validated page how its
pooled out-of-fold predictions were made.
"""


def methods(report):
    """The items of the Methods list for ``report``'s task (and cross-validation)."""
    items = ["Intervals: percentile intervals of bootstrap resamples of the test rows; every "
             "prediction is scored on the same resamples, so a difference has a paired "
             "interval. They leave out the uncertainty of the fit itself (the model is fixed)."
             if not report.get("cv") else
             "Intervals: percentile intervals of bootstrap resamples of the pooled out-of-fold "
             "rows; every prediction is scored on the same resamples, so a difference has a "
             "paired interval. They leave out the variation from refitting the networks, and "
             "the pooled predictions come from as many networks as folds (the baseline: each "
             "row's training folds' " + ("Kaplan-Meier curve; the rows ranked by the predicted "
                                         "cumulative hazard at the middle horizon, one scale in "
                                         "every fold" if report["task"] == "survival" else
                                         "class shares or mean") + ")."]
    if report["task"] == "survival":
        items += [
            "Harrell's C: the share of comparable pairs of rows whose risk scores are ordered "
            "as their event times; Uno's C weights the pairs by the censoring distribution "
            "(the Kaplan-Meier estimate of censoring on these rows" + (
                "" if report.get("cv") else ": a model file keeps no training rows")
            + "); AUC at t: cumulative cases by t against rows still event-free; "
            "Brier score at t with inverse probability of censoring weights; the integrated "
            "Brier score averages it over time (scikit-survival's definitions).",
            "Calibration at the horizon h: rows ranked by predicted risk 1 - S(h | x) and cut "
            "into groups (rows of equal risk in one group); each group's mean S(h | x) "
            "against its Kaplan-Meier S(h) (log-log interval); calibration error = the mean of "
            "|observed - predicted| over the groups, weighted by their rows, with no interval "
            "(a mean of absolute values is biased upward in resamples, so its percentile "
            "interval can miss the estimate); calibration in the large = Kaplan-Meier S(h) of "
            "all rows - mean predicted S(h | x). Warned about: Harrell's C whose interval "
            "includes 0.5, calibration in the large whose interval excludes 0, fewer than 100 "
            "events."]
    elif report["task"] == "classification":
        items += [
            "Brier score: mean (p - y)²; log-loss: mean -log p(true class); ROC AUC: the "
            "chance that a random row with the event gets a higher risk than one without.",
            "Calibration slope b: logit P(y = 1) = a' + b logit p (b < 1: risks too extreme); "
            "calibration intercept a: logit P(y = 1) = a + logit p (a > 0: risks too low on "
            "average). Warned about: a slope outside [0.8, 1.2] with an interval excluding 1; "
            "an intercept whose interval excludes 0; fewer than 100 events or non-events.",
            "Calibration groups: rows ranked by predicted risk, cut into groups of equal size; "
            "Wilson score intervals of each group's observed share.",
            "Net benefit at threshold p_t: TP/n - FP/n × p_t / (1 - p_t) for treating rows "
            "with risk ≥ p_t; treat all: π - (1 - π) p_t / (1 - p_t) with π the prevalence "
            "(as the dcurves package computes it)."]
    else:
        items.append("MAE: mean |y - prediction|; RMSE: root mean squared error; R²: 1 - "
                     "SSE / SST of these rows; for counts the mean Poisson deviance and D² = 1 - "
                     "deviance / the mean model's deviance.")
    items.append("Warned about: a model whose loss is not below the baseline's, or whose "
                 "interval of the difference includes no gain; a model worse than the "
                 "reference.")
    return items
