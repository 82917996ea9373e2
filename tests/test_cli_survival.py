"""``nnfit fit | predict | evaluate | cv`` for survival (``--time``, ``--event``) and counts
(``--loss poisson --exposure``): the library's model and folds, the outputs, every bad input."""
import json

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("sksurv")
from sklearn.model_selection import StratifiedKFold  # noqa: E402
from sksurv.datasets import load_veterans_lung_cancer  # noqa: E402

import nnfit  # noqa: E402
from nnfit import MLPRegressor, MLPSurvival, TabularRegressor, TabularSurvival  # noqa: E402
from nnfit.cli import main  # noqa: E402
from nnfit.cli.table_data import EXACT_FLOATS  # noqa: E402
from nnfit.cli.table_fit import tabular_model  # noqa: E402
from nnfit.estimators.survival_metrics import WHY_NO_INTERVAL  # noqa: E402
from nnfit.tabular.outcomes import per_exposure, survival_target  # noqa: E402
from nnfit.tabular.survival_cv import cross_validate_survival  # noqa: E402

FAST = ["--epochs", "10", "--hidden", "8", "--quiet"]


@pytest.fixture(scope="module")
def veterans(tmp_path_factory):
    """The veterans' lung cancer trial as a CSV: predictors, days and died (0/1)."""
    X, y = load_veterans_lung_cancer()
    frame = X.assign(days=y["Survival_in_days"], died=y["Status"].astype(int))
    path = tmp_path_factory.mktemp("veterans") / "veterans.csv"
    frame.to_csv(path, index=False)
    return str(path), pd.read_csv(path)


@pytest.fixture(scope="module")
def counts(tmp_path_factory):
    """Deaths over person-years with a numeric and a categorical predictor."""
    rng = np.random.default_rng(1)
    n = 200
    frame = pd.DataFrame({"x": rng.normal(size=n).round(3), "g": rng.choice(["a", "b", "c"], n),
                          "years": rng.uniform(0.5, 3, n).round(2)})
    frame["deaths"] = rng.poisson(frame.years * np.exp(0.2 + 0.6 * frame.x + (frame.g == "a")))
    path = tmp_path_factory.mktemp("counts") / "counts.csv"
    frame.to_csv(path, index=False)
    return str(path), frame


@pytest.fixture(scope="module")
def fitted(veterans, tmp_path_factory):
    path, _ = veterans
    model = tmp_path_factory.mktemp("model") / "m.nnfit"
    assert main(["fit", path, "--time", "days", "--event", "died", "--out", str(model),
                 *FAST]) == 0
    return str(model)


def write(tmp_path, frame, name="new.csv"):
    frame.to_csv(tmp_path / name, index=False)
    return str(tmp_path / name)


@pytest.mark.parametrize("extra", [[], ["--early-stopping", "true"], ["--ties", "breslow"]])
def test_nnfit_fit_gives_the_library_model(tmp_path, veterans, capsys, extra):
    path, frame = veterans
    out = tmp_path / "m.nnfit"
    assert main(["fit", path, "--time", "days", "--event", "died", "--seed", "3", "--epochs",
                 "12", "--quiet", *extra, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "task: survival of time 'days' and event 'died' (137 rows, 128 events)" in printed
    settings = {"random_state": 3, "epochs": 12}
    if extra:
        settings[extra[0][2:].replace("-", "_")] = True if extra[1] == "true" else extra[1]
    X, y = frame.drop(columns=["days", "died"]), survival_target(frame, "days", "died")
    python = TabularSurvival(MLPSurvival(**settings)).fit(X, y)
    cli = nnfit.load(out)
    assert type(cli) is TabularSurvival
    assert np.array_equal(cli.predict(X), python.predict(X))
    assert np.array_equal(cli.predict_survival_function(X, return_array=True),
                          python.predict_survival_function(X, return_array=True))
    if extra[:1] == ["--early-stopping"]:
        assert "validation report (14 held-out rows" in printed and "Harrell's C" in printed
        assert python.estimator_ is not python.early_stopped_estimator_


def test_every_default_of_nnfit_fit_is_the_librarys_for_survival(capsys):
    from nnfit.cli.app import build_parser
    args = build_parser().parse_args(["fit", "t.csv", "--time", "t", "--event", "e", "--out",
                                      "m.nnfit", "--quiet"])
    ours = tabular_model(args, "survival", exclude=[]).get_params()
    theirs = TabularSurvival(MLPSurvival()).get_params()
    assert ours.pop("estimator__random_state") == 0 and theirs.pop("estimator__random_state") \
        is None
    del ours["estimator"], theirs["estimator"]
    assert ours == theirs
    with pytest.raises(SystemExit):
        main(["fit", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    survival = MLPSurvival().get_params()  # the help reads them from the class
    hidden = ",".join(map(str, survival["hidden_layer_sizes"]))
    assert f"then default to MLPSurvival's: --hidden {hidden}," in text
    assert f"--batch-size {survival['batch_size']}" in text
    assert "(default: the library's, 32 for regression and 128 for classification)" in text


def test_predict_writes_risk_and_survival_at_times_and_keeps_existing_files(
        tmp_path, veterans, fitted, capsys):
    path, frame = veterans
    out = tmp_path / "p.csv"
    assert main(["predict", fitted, path, "--at", "30,90,180.5", "--out", str(out)]) == 0
    result = pd.read_csv(out, **EXACT_FLOATS)
    assert list(result.columns) == ["row", "risk_score", "survival_at_30", "survival_at_90",
                                    "survival_at_180.5"]
    model = nnfit.load(fitted)
    X = frame.drop(columns=["days", "died"])
    assert np.array_equal(result["risk_score"].to_numpy(), model.predict(X))
    assert np.array_equal(result.iloc[:, 2:].to_numpy(), model.survival_at(X, [30, 90, 180.5]))
    before = out.read_bytes()
    capsys.readouterr()
    assert main(["predict", fitted, path, "--out", str(out)]) == 2
    assert f"--out {out} exists; choose another name, or add --force to replace it" in \
        capsys.readouterr().err
    assert out.read_bytes() == before
    assert main(["predict", fitted, path, "--out", str(out), "--force"]) == 0
    assert list(pd.read_csv(out).columns) == ["row", "risk_score"]
    assert main(["predict", fitted, path, "--at", "1000"]) == 2
    assert "beyond the last time of the rows the model was fitted on, 999" in \
        capsys.readouterr().err
    assert main(["predict", fitted, path, "--proba"]) == 2
    assert "--proba needs a classification model; this model predicts survival" in \
        capsys.readouterr().err


def test_evaluate_reports_survival_scores_with_intervals(tmp_path, veterans, fitted, capsys):
    path, _ = veterans
    report_path = tmp_path / "r.json"
    assert main(["evaluate", fitted, path, "--at", "30,90,180", "--bootstrap", "20",
                 "--json", str(report_path)]) == 0
    out = capsys.readouterr().out
    for text in ["137 rows, 128 events (time 'days', event 'died'); horizons 30, 90, 180",
                 "95% bootstrap intervals in brackets (20 resamples", "Harrell's C",
                 "Uno's C (to 180)", "AUC at 90", "Brier score at 30", "IBS (",
                 "calibration error at 90", "model - Kaplan-Meier", "by risk group"]:
        assert text in out, text
    report = json.loads(report_path.read_text())
    assert report["scores"]["horizons"] == [30, 90, 180]
    model = report["scores"]["scores"]["model"]
    assert model["harrell_c"]["low"] <= model["harrell_c"]["estimate"] <= \
        model["harrell_c"]["high"]
    # the calibration error has no interval, said once; the Kaplan-Meier baseline is one group
    difference = report["scores"]["differences"]["model - Kaplan-Meier"]["calibration_error"]
    assert model["calibration_error"]["low"] is None and difference["high"] is None
    assert WHY_NO_INTERVAL in report["scores"]["notes"] and WHY_NO_INTERVAL in out
    assert report["scores"]["scores"]["Kaplan-Meier"]["calibration_error"]["estimate"] == \
        pytest.approx(0, abs=1e-12)
    error_line = next(line for line in out.splitlines() if line.startswith("calibration error"))
    assert "[" not in error_line


def test_every_time_is_written_one_way(tmp_path, veterans, fitted, capsys):
    path, _ = veterans
    assert main(["evaluate", fitted, path, "--at", "30.123456789,90,180.5", "--bootstrap",
                 "0"]) == 0
    out = capsys.readouterr().out
    for text in ["horizons 30.1235, 90, 180.5", "Uno's C (to 180.5)", "AUC at 30.1235",
                 "Brier score at 30.1235", "calibration error at 90", "IBS (", " to 180.5)"]:
        assert text in out, text
    assert "30.123456789" not in out


def test_two_rows_say_why_in_nnfits_words(tmp_path, veterans, fitted, capsys):
    """The default horizon of two rows is their one event time: Uno's C has no pair before
    it (scikit-survival's own error was about an empty array), and cv has no two folds."""
    _, frame = veterans
    two = frame.iloc[:2].assign(days=[57.0, 9.0], died=[0, 1])
    path = write(tmp_path, two, "two.csv")
    assert main(["evaluate", fitted, path, "--bootstrap", "0"]) == 0
    out = capsys.readouterr().out
    assert "uno_c undefined: no row has an event before the last horizon 9" in out
    assert "--at on the command line" in out and "0 sample(s)" not in out
    assert main(["cv", path, "--time", "days", "--event", "died", "--folds", "2",
                 "--bootstrap", "0", *FAST]) == 2
    err = capsys.readouterr().err
    assert "cross-validation needs at least 2 rows with an event" in err
    assert "give at most" not in err
    assert main(["evaluate", fitted, path, "--at", "90"]) == 2
    assert ("give times t with 9 <= t < 57 (from the first to the last time followed in these "
            "rows, whose own censoring distribution weights the scores)") in \
        capsys.readouterr().err


def test_cv_is_the_library_on_the_same_folds(tmp_path, veterans, capsys):
    path, frame = veterans
    out = tmp_path / "cv.json"
    assert main(["cv", path, "--time", "days", "--event", "died", "--folds", "3", "--seed", "2",
                 "--bootstrap", "10", "--json", str(out), *FAST]) == 0
    printed = capsys.readouterr().out
    assert "3 event-stratified folds (seed 2)" in printed and "linear Cox" in printed
    assert "network - linear Cox" in printed and "Harrell's C per fold, mean over" in printed
    report = json.loads(out.read_text())
    X, y = frame.drop(columns=["days", "died"]), survival_target(frame, "days", "died")
    settings = dict(hidden_layer_sizes=(8,), epochs=10, random_state=2)
    splitter = StratifiedKFold(3, shuffle=True, random_state=2)
    for record, (train, test) in zip(report["per_fold"], splitter.split(X, y["died"])):
        fold = TabularSurvival(MLPSurvival(**settings)).fit(X.iloc[train], y[train])
        assert record["harrell_c"]["network"] == fold.score(X.iloc[test], y[test])
    library = cross_validate_survival(TabularSurvival(MLPSurvival(**settings)), X, y, folds=3,
                                      n_bootstrap=10, random_state=2)
    assert report["scores"] == json.loads(json.dumps(library["scores"]))


def test_poisson_counts_over_an_exposure(tmp_path, counts, capsys):
    path, frame = counts
    out = tmp_path / "c.nnfit"
    assert main(["fit", path, "--target", "deaths", "--loss", "poisson", "--exposure", "years",
                 "--seed", "1", *FAST, "--out", str(out)]) == 0
    assert "task: regression of 'deaths' per unit of 'years'" in capsys.readouterr().out
    X = frame.drop(columns="deaths")
    y, w = per_exposure(frame["deaths"], frame["years"])
    python = TabularRegressor(MLPRegressor(loss="poisson", hidden_layer_sizes=(8,), epochs=10,
                                           random_state=1), exclude=["years"])
    python.fit(X, y, sample_weight=w)
    cli = nnfit.load(out)
    assert cli.exposure_column_ == "years" and cli.excluded_ == ["years"]
    assert np.array_equal(cli.predict(X), python.predict(X))
    predictions = tmp_path / "p.csv"
    assert main(["predict", str(out), path, "--out", str(predictions)]) == 0
    written = pd.read_csv(predictions, **EXACT_FLOATS)
    assert list(written.columns) == ["row", "predicted_deaths", "predicted_rate_per_years"]
    assert np.array_equal(written["predicted_rate_per_years"], python.predict(X))
    assert np.allclose(written["predicted_deaths"], python.predict(X) * frame["years"])
    no_years = write(tmp_path, frame.drop(columns="years"))
    capsys.readouterr()
    assert main(["predict", str(out), no_years]) == 0
    captured = capsys.readouterr()
    assert "the data has no column 'years' (the model's --exposure)" in captured.err
    assert captured.out.splitlines()[0] == "row,predicted_rate_per_years"
    assert main(["evaluate", str(out), path, "--bootstrap", "0"]) == 0
    printed = capsys.readouterr().out
    assert "mean Poisson deviance" in printed and "weighted by the exposure" in printed
    assert main(["cv", path, "--target", "deaths", "--loss", "poisson", "--exposure", "years",
                 "--folds", "3", "--bootstrap", "0", *FAST]) == 0
    printed = capsys.readouterr().out
    assert "Poisson regression" in printed and "network - Poisson" in printed


@pytest.mark.parametrize("change, argv, message", [
    (lambda f: f.assign(days=f.days.where(f.index != 4, -3)), [],
     "the time column 'days' is negative in row 5 (e.g. -3)"),
    (lambda f: f.assign(days=f.days.where(f.index % 50 != 9)), [],
     "column 'days' (the time) is missing in rows 10, 60, 110; fill those values in or drop"),
    (lambda f: f.assign(died=np.where(f.died == 1, "dead", "alive")), [],
     "the event column 'died' must be 0/1 (1 = the event was seen, 0 = censored) or "
     "true/false; rows 1, 2, 3"),
    (lambda f: f.assign(died=f.died.astype(object).where(~f.index.isin([2, 6]), "dead")), [],
     "the event column 'died' must be 0/1 (1 = the event was seen, 0 = censored) or "
     "true/false; rows 3, 7 hold 'dead'; recode the column as 1/0"),
    (lambda f: f.assign(died=f.died.where(f.index != 0, 2)), [],
     "the event column 'died' must be 0/1 (1 = the event was seen, 0 = censored) or "
     "true/false; row 1 holds 2; recode the column as 1/0"),
    (lambda f: f.assign(died=0), [],
     "the event column 'died' has no event (1 or true) in any of the 137 rows"),
])
def test_bad_survival_rows_name_column_and_rows(tmp_path, veterans, capsys, change, argv,
                                                message):
    _, frame = veterans
    data = write(tmp_path, change(frame))
    for command in ("fit", "cv"):
        extra = ["--out", str(tmp_path / "m.nnfit")] if command == "fit" else []
        assert main([command, data, "--time", "days", "--event", "died", *argv, *extra,
                     *FAST]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"nnfit {command}: error: ") and message in err, err
        assert err.count("\n") == 1
    assert not (tmp_path / "m.nnfit").exists()


@pytest.mark.parametrize("years, message", [
    (lambda y: y.where(y.index != 2, 0.0), "the exposure column 'years' is zero or negative in "
                                           "row 3 (e.g. 0); every row needs an exposure > 0"),
    (lambda y: y.where(y.index != 6, -1.0), "the exposure column 'years' is zero or negative "
                                            "in row 7 (e.g. -1)"),
    (lambda y: y.where(y.index % 40 != 1), "column 'years' (the exposure) is missing in rows "
                                           "2, 42, 82, 122, 162"),
])
def test_bad_exposures_name_column_and_rows(tmp_path, counts, capsys, years, message):
    _, frame = counts
    data = write(tmp_path, frame.assign(years=years(frame.years)))
    assert main(["fit", data, "--target", "deaths", "--loss", "poisson", "--exposure", "years",
                 "--out", str(tmp_path / "m.nnfit"), *FAST]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


@pytest.mark.parametrize("argv, message", [
    (["--time", "days"], "--time needs --event: the column that says whether the event was "
                         "seen (1 or true) or the time is censored (0 or false)"),
    (["--event", "died"], "--event needs --time"),
    (["--time", "days", "--event", "died", "--target", "died"],
     "--time/--event fit a survival model, --target died a classification or regression: "
     "give --target, or --time and --event, not both"),
    ([], "give the outcome: --target COLUMN (classification or regression), or --time COLUMN "
         "--event COLUMN (survival)"),
    (["--time", "dayz", "--event", "died"], "--time dayz: no such column (did you mean "
                                            "'days'?)"),
    (["--time", "days", "--event", "died", "--loss", "poisson"],
     "--loss is for regression; this is survival (--time/--event)"),
    (["--target", "days", "--ties", "breslow"],
     "--ties is for survival (--time/--event); this is a regression"),
    (["--target", "days", "--exposure", "Age_in_years"],
     "--exposure is for counts over an exposure: add --loss poisson"),
    (["--time", "days", "--event", "died", "--task", "regression"],
     "--task regression is for --target"),
])
def test_contradictory_options_are_refused_before_fitting(tmp_path, veterans, capsys, argv,
                                                          message):
    path, _ = veterans
    assert main(["fit", path, *argv, "--out", str(tmp_path / "m.nnfit"), *FAST]) == 2
    captured = capsys.readouterr()
    assert message in captured.err and "epoch" not in captured.out


def test_at_must_be_numbers_for_a_survival_model(veterans, fitted, capsys):
    path, _ = veterans
    with pytest.raises(SystemExit):
        main(["predict", fitted, path, "--at", "30,a year"])
    assert "argument --at: 'a year' is not a number: give times >= 0 separated by commas" in \
        capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["predict", fitted, path, "--at", "-5"])
    assert "argument --at: -5 is invalid: give finite times >= 0" in capsys.readouterr().err


def test_at_is_refused_for_other_models(tmp_path, counts, capsys):
    path, _ = counts
    out = tmp_path / "c.nnfit"
    assert main(["fit", path, "--target", "deaths", "--loss", "poisson", *FAST,
                 "--out", str(out)]) == 0
    assert "(Poisson counts)" in capsys.readouterr().out
    assert main(["predict", str(out), path, "--at", "3"]) == 2
    assert "--at gives survival probabilities, for a survival model" in capsys.readouterr().err
    assert main(["evaluate", str(out), path, "--at", "3"]) == 2
    assert "--at sets the horizons of a survival model's scores" in capsys.readouterr().err
