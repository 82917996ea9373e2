"""The TRIPOD+AI items (Collins et al. 2024, BMJ 385:e078378) that the page of ``nnfit report``
covers, by topic, as its last section lists them."""
TRIPOD = [
    "Participants and flow of rows: rows read, dropped for missing values and analysed; the "
    "outcome's events and prevalence (or its distribution)",
    "Predictors, and differences between development and evaluation data: each predictor "
    "of these rows beside the training statistics stored in the model file",
    "Missing data: missing values per predictor and how they were handled (imputed with the "
    "stored training value, or the rows dropped)",
    "Model specification: the preprocessing, the network's layers and parameter count, its "
    "settings and how it was fitted",
    "Performance measures with confidence intervals: Brier score, log-loss, ROC AUC "
    "(discrimination), calibration intercept and slope; for numbers MAE, RMSE, R²",
    "Calibration: calibration plot by risk group with intervals, calibration in the large "
    "and slope",
    "Comparison with a benchmark: the no-information baseline and, given training rows, a "
    "logistic / linear regression in the same preprocessing, with paired differences",
    "Clinical utility: the decision curve, net benefit against treat-all and treat-none",
    "Class imbalance: a model fitted with class weights is flagged, with its effect on "
    "calibration",
    "Interpretation and limitations: the warnings, computed from the numbers above",
]

CROSS_VALIDATION = [  # what the page of nnfit cv --report says instead, by the same topic
    ("Predictors", "Predictors: each predictor of the rows beside the training statistics of "
                   "the last fold's network"),
    ("Comparison", "Comparison with a benchmark: the no-information baseline of each row's "
                   "training folds and the logistic / linear / Poisson / linear Cox regression "
                   "fitted on the same folds, with paired differences"),
    ("Internal", "Internal validation: K-fold cross-validation, every row predicted by the "
                 "network fitted without its fold, with each fold's rows and kept epoch")]


SURVIVAL = [  # a survival page's, by the same topic (None: not covered)
    ("Performance", "Performance measures with confidence intervals: Harrell's and Uno's C, "
                    "time-dependent AUC and Brier score at the horizons, integrated Brier score"),
    ("Calibration", "Calibration: predicted against Kaplan-Meier survival by risk group at the "
                    "middle horizon, calibration in the large; Kaplan-Meier curves by risk "
                    "group"),
    ("Clinical", None), ("Class", None)]


def items(report):
    """The TRIPOD+AI items the page covers: for survival and for a cross-validation in their
    own words."""
    instead = dict(SURVIVAL) if report["task"] == "survival" else {}
    if report.get("cv"):
        instead.update(CROSS_VALIDATION)
    kept = [instead.get(item.split()[0].rstrip(",:"), item) for item in TRIPOD]
    return [item for item in kept if item] + (
        [instead["Internal"]] if report.get("cv") else [])
