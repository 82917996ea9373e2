"""``nnfit evaluate``'s scores with intervals and ``nnfit cv``: the library functions
(``evaluate_table``, ``cross_validate_table``) against folds and models rebuilt by hand, and the
commands end to end on small CSV files: the printed table, the JSON file, one-line errors."""
import json
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import brier_score_loss, r2_score
from sklearn.model_selection import KFold, StratifiedKFold

from nnfit import MLPClassifier, MLPRegressor, TabularClassifier, TabularRegressor
from nnfit.cli import main
from nnfit.datasets import load_default, load_hitters
from nnfit.tabular.crossval import cross_validate_table
from nnfit.tabular.evaluation import evaluate_table

SMALL = ["--hidden", "4", "--epochs", "20", "--learning-rate", "0.01"]


@pytest.fixture(scope="module")
def default_rows():
    """600 rows of Default, 150 of them defaults."""
    frame = load_default().frame
    rows = pd.concat([frame[frame.default == "Yes"].iloc[:150],
                      frame[frame.default == "No"].iloc[:450]])
    return rows.sample(frac=1, random_state=0).reset_index(drop=True)


@pytest.fixture(scope="module")
def default_csv(default_rows, tmp_path_factory):
    path = tmp_path_factory.mktemp("default") / "default.csv"
    default_rows.to_csv(path, index=False)
    return str(path)


def network(**params):
    return MLPClassifier(**{**dict(hidden_layer_sizes=(4,), epochs=20, learning_rate=0.01,
                                   early_stopping=False, random_state=0), **params})


def strict_json(path):
    """The file's JSON, refusing NaN and Infinity (not standard JSON)."""
    def refuse(name):
        raise ValueError(f"{path} holds {name}")
    return json.loads(open(path, encoding="utf-8").read(), parse_constant=refuse)


def test_cross_validation_uses_the_same_folds_for_network_logistic_and_baseline(default_rows):
    X, y = default_rows.drop(columns="default"), default_rows["default"]
    model = TabularClassifier(network())
    report = cross_validate_table(model, X, y, folds=3, n_bootstrap=50, random_state=1)
    P = {"network": np.zeros(len(y)), "logistic": np.zeros(len(y)), "prevalence": np.zeros(len(y))}
    folds = StratifiedKFold(3, shuffle=True, random_state=1)
    for train, test in folds.split(X, y):
        for name, estimator in [("network", network()),
                                ("logistic", LogisticRegression(C=np.inf, max_iter=1000))]:
            fitted = TabularClassifier(estimator).fit(X.iloc[train], y.iloc[train])
            P[name][test] = fitted.predict_proba(X.iloc[test])[:, 1]
        P["prevalence"][test] = np.mean(y.iloc[train] == "Yes")
        assert np.mean(y.iloc[test] == "Yes") == pytest.approx(0.25, abs=0.005)  # stratified
    scores = report["scores"]["scores"]
    assert list(scores) == ["network", "logistic", "prevalence"]
    for name, p in P.items():
        assert scores[name]["brier"]["estimate"] == pytest.approx(
            brier_score_loss(y == "Yes", p), rel=1e-5), name
    assert scores["network"]["brier"]["estimate"] < scores["prevalence"]["brier"]["estimate"]
    assert [fold["n_test"] for fold in report["per_fold"]] == [200, 200, 200]
    assert report["folds"] == 3 and report["reference"] == "logistic"
    assert report["target"] == "default" and report["baseline"]["source"] == "the training folds"
    difference = report["scores"]["differences"]["network - logistic"]["brier"]
    assert difference["estimate"] == pytest.approx(
        scores["network"]["brier"]["estimate"] - scores["logistic"]["brier"]["estimate"])


def test_cross_validation_of_a_regression_beside_least_squares():
    frame = load_hitters().frame.dropna()
    X, y = frame.drop(columns="Salary"), frame["Salary"]
    model = TabularRegressor(MLPRegressor(hidden_layer_sizes=(4,), epochs=20, random_state=0))
    report = cross_validate_table(model, X, y, folds=3, n_bootstrap=0, random_state=2)
    predicted = np.zeros(len(y))
    for train, test in KFold(3, shuffle=True, random_state=2).split(X):
        fitted = TabularRegressor(LinearRegression()).fit(X.iloc[train], y.iloc[train])
        predicted[test] = fitted.predict(X.iloc[test])
    scores = report["scores"]["scores"]
    assert scores["linear"]["r2"]["estimate"] == pytest.approx(r2_score(y, predicted))
    assert -0.05 < scores["mean"]["r2"]["estimate"] < 0  # training-fold means: just below 0
    assert scores["linear"]["r2"]["low"] is None  # n_bootstrap=0


def test_cross_validation_refuses_what_it_cannot_do(default_rows):
    X, y = default_rows.drop(columns="default"), default_rows["default"]
    model = TabularClassifier(network())
    for folds, message in [(1, "folds=1 is invalid: give a whole number >= 2"),
                           (601, "folds=601 is more than the 600 rows: give at most 600")]:
        with pytest.raises(ValueError, match=message):
            cross_validate_table(model, X, y, folds=folds)
    lonely = y.copy()
    lonely.iloc[0] = "Maybe"
    with pytest.raises(ValueError, match="class.*'Maybe' have a single row, which cannot be"):
        cross_validate_table(model, X, lonely, folds=3)
    with pytest.raises(TypeError, match="model must be a TabularClassifier or TabularRegressor"):
        cross_validate_table(network(), X, y)


def test_a_warning_raised_in_every_fold_is_issued_once(default_rows):
    X, y = default_rows.drop(columns="default"), default_rows["default"]
    model = TabularClassifier(network(epochs=2, early_stopping=True))  # still improving: warns
    with warnings.catch_warnings(record=True) as raised:
        warnings.simplefilter("always")
        cross_validate_table(model, X, y, folds=3, n_bootstrap=0)
    texts = [str(w.message) for w in raised if "used all its epochs" in str(w.message)]
    assert len(texts) == 1 and texts[0].endswith("(in every fold of 3)")


def test_ctrl_c_in_a_fold_stops_the_cross_validation(default_rows):
    X, y = default_rows.drop(columns="default"), default_rows["default"]
    seen = []

    def interrupt(record):  # Ctrl-C in the first epoch: the network's fit catches it
        seen.append(record["epoch"])
        raise KeyboardInterrupt
    model = TabularClassifier(network(callbacks=[interrupt]))
    with pytest.raises(KeyboardInterrupt):
        cross_validate_table(model, X, y, folds=3, n_bootstrap=0)
    assert seen == [1]  # no second fold


def test_evaluate_table_baseline_is_the_prevalence_of_the_rows(default_rows):
    X, y = default_rows.drop(columns="default"), default_rows["default"]
    model = TabularClassifier(network()).fit(X, y)
    report = evaluate_table(model, X, y, n_bootstrap=100, random_state=0)
    assert report["baseline"]["shares"] == {"No": 0.75, "Yes": 0.25}
    baseline = report["scores"]["scores"]["prevalence"]
    assert baseline["brier"]["estimate"] == pytest.approx(0.25 * 0.75)  # p(1 - p)
    assert baseline["accuracy"]["estimate"] == 0.75 and baseline["roc_auc"]["estimate"] == 0.5
    P = model.predict_proba(X)[:, 1]
    assert report["scores"]["scores"]["model"]["brier"]["estimate"] == pytest.approx(
        brier_score_loss(y == "Yes", P), rel=1e-6)


# --- the commands ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def fitted(default_csv, tmp_path_factory):
    model = str(tmp_path_factory.mktemp("model") / "default.nnfit")
    assert main(["fit", default_csv, "--target", "default", "--out", model, "--quiet",
                 *SMALL]) == 0
    return model


def test_fit_reports_the_scores_of_its_validation_rows(default_csv, tmp_path, capsys):
    model = str(tmp_path / "m.nnfit")
    assert main(["fit", default_csv, "--target", "default", "--early-stopping", "true",
                 "--out", model, "--quiet", *SMALL]) == 0
    out = capsys.readouterr().out
    # the library's hold-out, asked for (by default only from 10,000 rows): 10 % of the 600 rows
    assert "scores of P(default = 'Yes') on 60 rows (no bootstrap intervals):" in out
    assert "prevalence baseline: every row gets the class shares of these rows" in out


def test_evaluate_prints_and_writes_scores_with_intervals(default_csv, fitted, tmp_path, capsys):
    capsys.readouterr()
    report_path = tmp_path / "r.json"
    argv = ["evaluate", fitted, default_csv, "--bootstrap", "200", "--seed", "3"]
    assert main([*argv, "--json", str(report_path)]) == 0
    out = capsys.readouterr().out
    report = strict_json(report_path)
    assert report["model"] == fitted and report["data"] == default_csv
    assert report["target"] == "default" and report["baseline"]["shares"]["Yes"] == 0.25
    scores = report["scores"]
    assert scores["n_bootstrap"] == 200 and scores["random_state"] == 3
    brier = scores["scores"]["model"]["brier"]
    assert brier["low"] < brier["estimate"] < brier["high"]
    assert (f"Brier score            {brier['estimate']:.4f} [{brier['low']:.4f}, "
            f"{brier['high']:.4f}]") in out
    assert "scores of P(default = 'Yes') on 600 rows, 95% bootstrap intervals" in out
    assert "calibration slope b: logit P(y) = a' + b logit p" in out
    assert main([*argv, "--json", str(tmp_path / "again.json")]) == 0
    assert strict_json(tmp_path / "again.json")["scores"] == scores  # same seed, same intervals
    assert main(["evaluate", fitted, default_csv, "--bootstrap", "0", "--out",
                 str(tmp_path / "bare.json")]) == 0  # --out: the old name of --json
    bare = strict_json(tmp_path / "bare.json")["scores"]["scores"]["model"]["brier"]
    assert bare == {"estimate": brier["estimate"], "low": None, "high": None}


def test_evaluate_json_never_replaces_an_input_or_another_kind_of_file(default_csv, fitted,
                                                                       tmp_path, capsys):
    notes = tmp_path / "notes.txt"
    notes.write_text("mine")
    for target, message in [(default_csv, "is also an input of this command"),
                            (fitted, "is also an input of this command"),
                            (str(notes), "exists and is not a JSON report (.json); choose "
                                         "another name, or add --force")]:
        assert main(["evaluate", fitted, default_csv, "--json", target]) == 2
        err = capsys.readouterr().err
        assert err.startswith("nnfit evaluate: error: --json ") and message in err
        assert err.count("\n") == 1
    assert notes.read_text() == "mine"
    with pytest.raises(SystemExit):
        main(["evaluate", fitted, default_csv, "--bootstrap", "-1"])
    assert "argument --bootstrap: -1 is invalid" in capsys.readouterr().err


def test_evaluate_a_regression_beside_the_mean(tmp_path, capsys):
    data = tmp_path / "hitters.csv"
    load_hitters().frame.dropna().to_csv(data, index=False)
    model = str(tmp_path / "h.nnfit")
    assert main(["fit", str(data), "--target", "Salary", "--out", model, "--quiet",
                 *SMALL]) == 0
    capsys.readouterr()
    assert main(["evaluate", model, str(data), "--bootstrap", "100"]) == 0
    out = capsys.readouterr().out
    assert "mean baseline: every row gets the mean of these rows, 535.926" in out
    r2_line = next(line for line in out.splitlines() if line.startswith("R^2 "))
    assert r2_line.split("]")[1].split()[0] == "0.0000"  # the mean of the rows: R^2 = 0


def test_cv_command_prints_and_writes_what_the_library_computes(default_rows, default_csv,
                                                                tmp_path, capsys):
    path = tmp_path / "cv.json"
    assert main(["cv", default_csv, "--target", "default", "--folds", "3", "--bootstrap", "100",
                 "--seed", "1", "--validation", "0", "--json", str(path), *SMALL]) == 0
    out = capsys.readouterr().out
    assert "3 stratified folds (seed 1)" in out and "fold 3/3: 400 training rows, 200 held out" \
        in out
    header = next(line for line in out.splitlines() if "logistic regression" in line)
    assert header.split() == ["network", "logistic", "regression", "network", "-", "logistic"]
    assert "prevalence baseline: Brier score 0.1875" in out
    report = strict_json(path)
    assert report["options"]["hidden_layer_sizes"] == [4] and report["options"]["folds"] == 3
    model = TabularClassifier(MLPClassifier(  # what the options say, with --seed 1: the model
        hidden_layer_sizes=(4,), epochs=20, learning_rate=0.01,  # of nnfit fit, whose
        validation_fraction=0.0, early_stopping=False, random_state=1))  # --validation 0 stops
    # early on nothing
    X, y = default_rows.drop(columns="default"), default_rows["default"]
    library = cross_validate_table(model, X, y, folds=3, n_bootstrap=100, random_state=1)
    assert report["scores"] == json.loads(json.dumps(library["scores"]))


@pytest.mark.parametrize("argv, message", [
    (["--target", "defualt"], "--target defualt: no such column (did you mean 'default'?)"),
    (["--target", "default", "--folds", "601"], "--folds 601 is more than the 600 rows"),
    (["--target", "balance", "--class-weight", "balanced"], "--class-weight is for classif"),
    (["--target", "default", "--exclude", "default"], "--target default is also excluded")])
def test_cv_errors_are_one_line(default_csv, capsys, argv, message):
    assert main(["cv", default_csv, *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("nnfit cv: error: ") and message in err and err.count("\n") == 1


def test_cv_refuses_bad_options_and_outputs_before_fitting(default_csv, tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["cv", default_csv, "--target", "default", "--folds", "1"])
    assert "argument --folds: 1 is invalid: give a number of folds >= 2" in \
        capsys.readouterr().err
    assert main(["cv", default_csv, "--target", "default", "--json", default_csv]) == 2
    err = capsys.readouterr().err
    assert "is also an input of this command" in err and "fold 1" not in err
    frame = pd.read_csv(default_csv)
    frame.loc[0, "default"] = "Maybe"
    lonely = tmp_path / "lonely.csv"
    frame.to_csv(lonely, index=False)
    assert main(["cv", str(lonely), "--target", "default"]) == 2
    assert "class(es) 'Maybe' have a single row" in capsys.readouterr().err


def test_cv_writes_only_its_json(default_csv, tmp_path):
    # cv writes nothing but its --json: no model file appears beside the data
    assert main(["cv", default_csv, "--target", "default", "--folds", "2", "--bootstrap", "0",
                 "--quiet", "--json", str(tmp_path / "cv.json"), *SMALL]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cv.json"]
