"""``nnfit cv --report`` and ``nnfit.course.report_cv.cv_report``: the page of ``nnfit report`` for
the pooled out-of-fold predictions (internal validation), survival included: the scores are
those ``nnfit cv`` prints (the same predictions, resamples and per-fold baseline), the model
section names each fold's fit, and what the page cannot show is refused before any fit."""
import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import brier_score_loss, roc_auc_score

from nnfit import MLPClassifier, MLPRegressor, TabularClassifier, TabularRegressor
from nnfit import cross_validate_table
from nnfit.cli import main
from nnfit.course.report_cv import cv_report
from nnfit.datasets import load_default, load_hitters

FAST = ["--hidden", "4", "--epochs", "40", "--learning-rate", "0.01", "--folds", "3"]


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    frame = load_default().frame
    rows = pd.concat([frame[frame.default == "Yes"].iloc[:60], frame[frame.default == "No"]
                      .iloc[:240]]).sample(frac=1, random_state=0).reset_index(drop=True)
    path = tmp_path_factory.mktemp("cv") / "default.csv"
    rows.to_csv(path, index=False)
    return path, rows


def test_the_page_scores_the_out_of_fold_predictions_cv_prints(table, tmp_path, capsys):
    path, rows = table
    out, scores = tmp_path / "cv.html", tmp_path / "cv.json"
    assert main(["cv", str(path), "--target", "default", *FAST, "--bootstrap", "50",
                 "--json", str(scores), "--report", str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"report written to {out} and {out.with_suffix('.md')} (with 4 figures cv-*.png)" \
        in printed
    cv = json.loads(scores.read_text())
    page = out.with_suffix(".md").read_text()
    assert page.startswith(f"# Cross-validation report: the network on {path}, 3 folds")
    network = cv["scores"]["scores"]["network"]
    for label, key in [("ROC AUC", "roc_auc"), ("Brier score", "brier")]:
        cell = network[key]
        assert (f"| {label} | {cell['estimate']:.4f} [{cell['low']:.4f}, {cell['high']:.4f}] |"
                in page), label
    assert cv["scores"]["scores"]["prevalence"]["roc_auc"] is None  # ranks folds, not rows
    baseline = cv["scores"]["scores"]["prevalence"]["brier"]["estimate"]
    assert f"| {baseline:.4f} [" in page  # each row's training folds' shares, as cv's
    folds = [line for line in page.splitlines() if line.startswith("| 1 | 200 | 100 |")]
    assert len(folds) == 1 and "| 2 | 200 | 100 |" in page and "| 3 | 200 | 100 |" in page
    assert "each fold's network: layer widths 4 → 4 → 1" in page
    assert "Outcome 'default': 60 rows with default = 'Yes'" in page
    assert "| column | kind | training rows (last fold's model) |" in page
    auc = [line for line in page[page.index("## Performance"):].splitlines()
           if line.startswith("| ROC AUC |")][0].split(" | ")
    assert auc[3] == "n/a" and auc[5] == "n/a |"  # the per-fold baseline ranks folds, not rows
    assert "percentile intervals of bootstrap resamples of the pooled out-of-fold rows" in page
    assert "- Internal validation: K-fold cross-validation, every row predicted" in page
    assert "training statistics stored in the model file" not in page
    shuffled = tmp_path / "shuffled.csv"
    rows.assign(default=rows["default"].sample(frac=1, random_state=3).to_numpy()).to_csv(
        shuffled, index=False)
    assert main(["cv", str(shuffled), "--target", "default", *FAST, "--bootstrap", "20",
                 "--report", str(tmp_path / "noise.html")]) == 0
    assert ("warning: the model is no better than the prevalence baseline (which predicts each "
            "row its training folds' class shares)") in capsys.readouterr().err
    html = out.read_text()
    assert html.count("data:image/png;base64,") == 4 and "Content-Security-Policy" in html
    for figure in ("calibration", "roc", "decision_curve", "risk_distribution"):
        assert (tmp_path / f"cv-{figure}.png").read_bytes().startswith(b"\x89PNG")


def test_cv_report_in_python_equals_the_pooled_predictions(table):
    _, rows = table
    X, y = rows.drop(columns="default"), rows["default"]
    model = TabularClassifier(MLPClassifier((4,), epochs=40, learning_rate=0.01, random_state=0))
    cv, predictions = cross_validate_table(model, X, y, folds=3, n_bootstrap=0,
                                           return_predictions=True)
    assert sorted(np.unique(predictions["fold"])) == [1, 2, 3]
    assert len(predictions["models"]) == 3
    risk = predictions["network"][:, 1]
    report = cv_report(cv, predictions, X, y, n_bootstrap=0)
    event = (y == "Yes").to_numpy()
    assert report["evaluation"]["roc_auc"] == pytest.approx(roc_auc_score(event, risk),
                                                            abs=1e-12)
    brier = report["evaluation"]["scores"]["scores"]["model"]["brier"]["estimate"]
    assert brier == pytest.approx(brier_score_loss(event, risk), abs=1e-8)  # float32 risks
    assert report["evaluation"]["roc_auc"] == cv["roc_auc"]
    assert report["reference"]["name"] == "logistic" and report["cv"]["folds"] == 3
    assert report["data"]["events"] == 60 and report["data"]["n"] == 300


def test_a_regression_cv_report_draws_observed_against_predicted(tmp_path, capsys):
    whole = load_hitters().frame.copy()
    whole.loc[[3, 7], "Hits"] = np.nan  # dropped by --drop-missing, and counted on the page
    path = tmp_path / "hitters.csv"
    whole.to_csv(path, index=False)
    frame = whole.dropna().reset_index(drop=True)
    out = tmp_path / "salary.html"
    assert main(["cv", str(path), "--target", "Salary", *FAST, "--bootstrap", "0", "--quiet",
                 "--drop-missing", "--report", str(out)]) == 0
    assert (f"{len(whole)} rows read, 2 dropped for missing values (rows 4, 8), "  # as the CLI counts
            f"{len(frame)} analysed.") in out.with_suffix(".md").read_text()
    assert sorted(p.name for p in tmp_path.glob("salary-*.png")) == [
        "salary-observed.png", "salary-residuals.png"]
    page = out.with_suffix(".md").read_text()
    assert "Reference 'linear': fitted on each fold's training rows" in page
    tripod = page[page.index("## TRIPOD+AI items covered"):]
    assert "- Performance measures (point estimates: 0 bootstrap resamples): MAE, RMSE, R²" \
        in tripod and "decision curve" not in tripod and "Class imbalance" not in tripod
    assert "the no-information baseline (the mean) of each row's training folds and the " \
        "linear regression fitted on the same folds" in tripod
    X, y = frame.drop(columns="Salary"), frame["Salary"]
    model = TabularRegressor(MLPRegressor((4,), epochs=40, learning_rate=0.01, random_state=0))
    cv = cross_validate_table(model, X, y, folds=3, n_bootstrap=0)
    scored = cv["scores"]["scores"]
    assert (f"| RMSE | {cv['rmse']:.4f} | {scored['linear']['rmse']['estimate']:.4f} | "
            f"{scored['mean']['rmse']['estimate']:.4f} |") in page


def test_a_survival_cv_report_scores_the_pooled_rows_as_cv_does(tmp_path, capsys):
    pytest.importorskip("sksurv")
    from nnfit.datasets import load_publication
    path = tmp_path / "publication.csv"
    load_publication().frame.to_csv(path, index=False)
    out, scores = tmp_path / "pub.html", tmp_path / "pub.json"
    assert main(["cv", str(path), "--time", "time", "--event", "status", *FAST, "--bootstrap",
                 "20", "--quiet", "--json", str(scores), "--report", str(out)]) == 0
    assert sorted(p.name for p in tmp_path.glob("pub-*.png")) == ["pub-calibration.png",
                                                                  "pub-risk_groups.png"]
    page = out.with_suffix(".md").read_text()
    network = json.loads(scores.read_text())["scores"]["scores"]["network"]
    for label, key in [("Harrell's C", "harrell_c"), ("mean AUC", "mean_auc"),
                       ("integrated Brier score", "ibs")]:
        cell = network[key]
        assert (f"| {label} | {cell['estimate']:.4f} [{cell['low']:.4f}, {cell['high']:.4f}] |"
                in page), label
    assert "The Kaplan-Meier baseline predicts each row the Kaplan-Meier curve" in page
    assert "of its training folds" in page and "Reference 'linear Cox'" in page
    assert "244 rows read, 0 dropped for missing values, 244 analysed." in page
    tripod = page[page.index("## TRIPOD+AI items covered"):]
    assert "Harrell's and Uno's C, time-dependent AUC" in tripod
    assert "decision curve" not in tripod and "log-loss" not in tripod
    assert "- Internal validation: K-fold cross-validation" in tripod


@pytest.mark.parametrize("extra, says", [
    (["--target", "kind"], "--report draws the figures of a binary classifier; this target "
                           "has 3 classes"),
    (["--time", "t", "--event", "e", "--weight", "w"], "--weight with --time/--event: nnfit cv "
                                                       "cannot weight a survival network's folds")])
def test_what_the_page_cannot_show_is_refused_before_any_fit(tmp_path, capsys, extra, says):
    rng = np.random.default_rng(0)
    path = tmp_path / "t.csv"
    pd.DataFrame({"x": rng.normal(size=60), "t": rng.uniform(1, 5, 60),
                  "e": rng.integers(0, 2, 60), "kind": rng.choice(["a", "b", "c"], 60),
                  "w": rng.uniform(0.5, 2, 60)}
                 ).to_csv(path, index=False)
    code = main(["cv", str(path), *extra, *FAST, "--report", str(tmp_path / "r.html")])
    err = capsys.readouterr()
    assert code == 2 and says in err.err and "fold 1/" not in err.out
    assert not (tmp_path / "r.html").exists()


def test_the_report_files_are_checked_before_any_fit(table, tmp_path, capsys):
    path, _ = table
    out = tmp_path / "cv.html"
    out.with_suffix(".md").write_text("mine")
    code = main(["cv", str(path), "--target", "default", *FAST, "--report", str(out)])
    captured = capsys.readouterr()
    assert code == 2 and "cv.md exists (the report writes it beside" in captured.err
    assert "choose another --report, or add --force" in captured.err
    assert "fold 1/" not in captured.out and out.with_suffix(".md").read_text() == "mine"
    code = main(["cv", str(path), "--target", "default", *FAST, "--report", str(path)])
    assert code == 2 and "--report" in capsys.readouterr().err


def test_calibration_warnings_without_intervals_do_not_claim_one():
    from nnfit.course.report_checks import _calibration
    report = {"data": {"mean_risk": 0.3, "prevalence": 0.1, "events": 10, "n": 100}}
    found = _calibration(report, {
        "calibration_slope": {"estimate": 2.5, "low": None, "high": None},
        "calibration_intercept": {"estimate": -0.9, "low": None, "high": None}})
    assert found[0].startswith("calibration slope 2.5") and "no interval was computed (0 " \
        "bootstrap resamples)" in found[0] and "excludes 1" not in found[0]
    assert "is more than 0.2 from 0 (no interval: 0 bootstrap resamples)" in found[1]
    assert "excludes 0" not in found[1]


def test_a_class_weighted_reference_is_said_on_the_page(table, tmp_path, capsys):
    path, _ = table
    out = tmp_path / "w.html"
    assert main(["cv", str(path), "--target", "default", *FAST, "--bootstrap", "0",
                 "--class-weight", "balanced", "--quiet", "--report", str(out)]) == 0
    assert ("Reference 'logistic': fitted on each fold's training rows in the model's "
            "preprocessing with the network's class weights ('balanced'), as nnfit cv compares "
            "them, predicting the fold it held out") in out.with_suffix(".md").read_text()


def test_reference_and_survival_warnings_without_intervals():
    from nnfit.course.report_checks import _reference_line, _survival
    worse = {"estimate": 105.0, "low": None, "high": None}
    scored = {"differences": {"model - linear": {"rmse": worse}},
              "scores": {"model": {"rmse": {"estimate": 450.6, "low": None, "high": None}},
                         "linear": {"rmse": {"estimate": 345.6, "low": None, "high": None}}}}
    assert _reference_line("rmse", scored, "linear") == (
        "RMSE (so the mean squared error) 450.6000 against the reference's 345.6000, "
        "difference 105.0000")
    report = {"data": {"events": 150, "n_scored": 300}, "evaluation": {"scores": {
        "calibration_horizon": 10.0, "scores": {"model": {
            "harrell_c": {"estimate": 0.43, "low": None, "high": None},
            "calibration_in_the_large": {"estimate": -0.09, "low": None, "high": None}}}}}}
    found = _survival(report)
    assert "at most 0.5 (no interval: 0 bootstrap resamples)" in found[0]
    assert "interval includes" not in found[0]
    assert "is more than 0.05 from 0 (no interval: 0 bootstrap resamples)" in found[1]


def test_a_survival_horizon_past_the_follow_up_is_refused_before_any_fit(tmp_path, capsys):
    rng = np.random.default_rng(0)
    path = tmp_path / "t.csv"
    pd.DataFrame({"x": rng.normal(size=60), "t": rng.uniform(1, 5, 60),
                  "e": rng.integers(0, 2, 60)}).to_csv(path, index=False)
    code = main(["cv", str(path), "--time", "t", "--event", "e", "--at", "2,50", *FAST])
    captured = capsys.readouterr()
    assert code == 2 and "horizon 50 is outside the follow-up" in captured.err
    assert "fold 1/" not in captured.out


def test_the_survival_baseline_is_each_rows_training_folds_kaplan_meier(tmp_path):
    """Against lifelines' Kaplan-Meier fitted on the other folds' rows."""
    lifelines = pytest.importorskip("lifelines")
    from nnfit import MLPSurvival, TabularSurvival
    from nnfit.datasets import load_publication
    from nnfit.tabular.survival_cv import cross_validate_survival
    from sksurv.util import Surv
    frame = load_publication().frame
    X = frame.drop(columns=["time", "status"])
    y = Surv.from_arrays(frame["status"].to_numpy(bool), frame["time"].to_numpy())
    model = TabularSurvival(MLPSurvival((4,), epochs=5, random_state=0))
    cv, predictions = cross_validate_survival(model, X, y, folds=3, n_bootstrap=0,
                                              return_predictions=True)
    grid, fold = predictions["grid"], predictions["fold"]
    for k in (1, 2, 3):
        train = fold != k
        fitted = lifelines.KaplanMeierFitter().fit(frame["time"][train], frame["status"][train])
        expected = fitted.survival_function_at_times(grid).to_numpy()
        for row in np.flatnonzero(fold == k)[:3]:
            np.testing.assert_allclose(predictions["baseline"][row], expected, atol=1e-12)
    assert len(predictions["models"]) == 3 and sorted(np.unique(fold)) == [1, 2, 3]
