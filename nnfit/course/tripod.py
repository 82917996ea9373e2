"""The TRIPOD+AI items (Collins et al. 2024, BMJ 385:e078378) that the page of ``nnfit report``
covers, by topic, as its last section lists them: each in the words of the page's task (a
binary classifier, numbers, counts, survival) and of its source (a test table, or the pooled
out-of-fold rows of ``nnfit cv --report``)."""
PERFORMANCE = {
    "classification": "Brier score, log-loss, ROC AUC (discrimination), calibration intercept "
                      "and slope",
    "regression": "MAE, RMSE, R²", "counts": "mean Poisson deviance, D², MAE",
    "survival": "Harrell's and Uno's C, time-dependent AUC and Brier score at the horizons, "
                "integrated Brier score"}
CALIBRATION = {
    "classification": "calibration plot by risk group with intervals, calibration in the large "
                      "and slope",
    "regression": "observed against predicted, and the residuals",
    "counts": "observed against predicted, and the residuals",
    "survival": "predicted against Kaplan-Meier survival by risk group at the middle horizon, "
                "calibration in the large; Kaplan-Meier curves by risk group"}
REFERENCE = {"classification": "logistic", "regression": "linear", "counts": "Poisson",
             "survival": "linear Cox"}
BASELINE = {"classification": "no-information baseline (the prevalence)",
            "regression": "no-information baseline (the mean)",
            "counts": "no-information baseline (the mean rate)",
            "survival": "Kaplan-Meier baseline"}


def items(report):
    """The TRIPOD+AI items the page of ``report`` covers."""
    task, cv = report["task"], report.get("cv")
    intervals = ("with confidence intervals" if report["options"]["n_bootstrap"] else
                 "(point estimates: 0 bootstrap resamples)")
    statistics = ("the training statistics of the last fold's network" if cv else
                  "the training statistics stored in the model file")
    comparison = (f"the {BASELINE[task]} of each row's training folds and the {REFERENCE[task]} "
                  "regression fitted on the same folds" if cv else
                  f"the {BASELINE[task]} and, given training rows, a {REFERENCE[task]} "
                  "regression in the same preprocessing")
    found = [
        "Participants and flow of rows: rows read, dropped for missing values and analysed; the "
        "outcome's events and prevalence (or its distribution)",
        "Predictors, and differences between development and evaluation data: each predictor "
        f"of these rows beside {statistics}",
        "Missing data: missing values per predictor and how they were handled (imputed with the "
        "stored training value, or the rows dropped)",
        "Model specification: the preprocessing, the network's layers and parameter count, its "
        "settings and how it was fitted",
        f"Performance measures {intervals}: {PERFORMANCE[task]}",
        f"Calibration: {CALIBRATION[task]}",
        f"Comparison with a benchmark: {comparison}, with paired differences"]
    if task == "classification":
        found += ["Clinical utility: the decision curve, net benefit against treat-all and "
                  "treat-none",
                  "Class imbalance: a model fitted with class weights is flagged, with its "
                  "effect on calibration"]
    if cv:
        found.append("Internal validation: K-fold cross-validation, every row predicted by the "
                     "network fitted without its fold, with each fold's rows and kept epoch")
    return found + ["Interpretation and limitations: the warnings, computed from the numbers "
                    "above"]
