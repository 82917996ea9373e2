"""Uncertainty on the command line: ``nnfit fit --interval`` (split conformal, the library's
``ConformalRegressor`` to the bit), ``predict``'s lower and upper columns, ``evaluate``'s
coverage; the coefficient table of ``--hidden none --ridge 0`` (the library's
``coefficients()``); ``--threshold`` on ``predict`` and ``evaluate`` (``nnfit.net_benefit``,
``nnfit.best_threshold``); and a one-line message for each bad input."""
import json

import numpy as np
import pandas as pd
import pytest

import nnfit
from nnfit.cli import main
from nnfit.cli.table_data import EXACT_FLOATS
from nnfit.modelfile.format import write

pytest.importorskip("mapie.regression")
FAST = ["--hidden", "8", "--epochs", "40", "--learning-rate", "0.01", "--quiet"]
LIBRARY_FAST = dict(hidden_layer_sizes=(8,), epochs=40, learning_rate=0.01)


def draw(n, seed):
    """y = 1 + 2 x1 - x2 + N(0, 1) with a category that shifts it; kind: a noisy two-class
    label of the same columns."""
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    group = rng.choice(["a", "b"], n)
    y = 1 + 2 * x1 - x2 + (group == "b") + rng.normal(size=n)
    kind = np.where(x1 - x2 + rng.logistic(size=n) > 1, "yes", "no")
    return pd.DataFrame({"x1": x1, "x2": x2, "group": group, "y": y, "kind": kind})


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    folder = tmp_path_factory.mktemp("uncertainty")
    train, test = draw(600, 0), draw(2000, 1)
    paths = {}
    for name, frame in {"reg": train.drop(columns="kind"), "reg_test": test.drop(columns="kind"),
                        "num": train[["x1", "x2", "y"]], "cls": train.drop(columns="y"),
                        "cls_test": test.drop(columns="y")}.items():
        paths[name] = folder / f"{name}.csv"
        frame.to_csv(paths[name], index=False)
    return folder, train, test, paths


@pytest.fixture(scope="module")
def interval_model(tables):
    folder, _, _, paths = tables
    model = folder / "interval.nnfit"
    assert main(["fit", str(paths["reg"]), "--target", "y", "--interval", "0.9", "--seed", "3",
                 "--out", str(model), "--json", str(folder / "fit.json"), *FAST]) == 0
    return model


def last_err(capsys):
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


def test_interval_equals_the_librarys_conformal_regressor(tables, interval_model, tmp_path,
                                                           capsys):
    folder, train, test, paths = tables
    X, y = train.drop(columns=["y", "kind"]), train["y"]
    python = nnfit.ConformalRegressor(
        nnfit.TabularRegressor(nnfit.MLPRegressor(random_state=3, **LIBRARY_FAST)),
        level=0.9, random_state=3).fit(X, y)
    prediction, lower, upper = python.predict_interval(test.drop(columns=["y", "kind"]))
    out = tmp_path / "preds.csv"
    assert main(["predict", str(interval_model), str(paths["reg_test"]), "--out", str(out)]) == 0
    assert "2000 prediction(s) written to" in capsys.readouterr().out
    written = pd.read_csv(out, **EXACT_FLOATS)
    assert list(written.columns) == ["row", "predicted_y", "lower", "upper"]
    np.testing.assert_array_equal(written["predicted_y"], prediction)
    np.testing.assert_array_equal(written["lower"], lower)
    np.testing.assert_array_equal(written["upper"], upper)
    loaded = nnfit.load(interval_model)
    assert loaded.interval_ == {"level": 0.9, "method": "split", "n_calibration": 150,
                                "half_width": python.half_width_}
    report = json.loads((folder / "fit.json").read_text())
    assert report["interval"] == loaded.interval_ and report["rows"] == 600


def test_intervals_cover_about_their_level_on_new_rows(tables, interval_model, tmp_path, capsys):
    _, _, test, paths = tables
    report = tmp_path / "report.json"
    assert main(["evaluate", str(interval_model), str(paths["reg_test"]), "--bootstrap", "0",
                 "--json", str(report)]) == 0
    out = capsys.readouterr().out
    coverage = json.loads(report.read_text())["interval"]
    assert coverage["n"] == 2000 and 0.85 < coverage["coverage"] < 0.95  # 150 calibration rows
    assert (f"90% prediction intervals (prediction -/+ {coverage['half_width']:.6g}, split "
            f"conformal on 150 calibration rows): they cover {coverage['covered']} of 2000 "
            "rows") in out


def test_predict_refuses_an_existing_out_without_force(tables, interval_model, tmp_path, capsys):
    _, _, _, paths = tables
    out = tmp_path / "preds.csv"
    out.write_text("keep me\n")
    assert main(["predict", str(interval_model), str(paths["reg_test"]), "--out", str(out)]) == 2
    assert "exists; choose another name, or add --force" in last_err(capsys)
    assert out.read_text() == "keep me\n"
    assert main(["predict", str(interval_model), str(paths["reg_test"]), "--out", str(out),
                 "--force"]) == 0
    assert "with their 90% prediction intervals lower and upper" in capsys.readouterr().out
    assert list(pd.read_csv(out).columns) == ["row", "predicted_y", "lower", "upper"]


@pytest.mark.parametrize("argv, message", [
    (["--target", "kind", "--interval", "0.9"], "--interval gives prediction intervals of a "
     "number; this is a classification"),
    (["--target", "y", "--interval", "0.9", "--interval-method", "cross"],
     "--interval-method cross (CV+) needs the K fold models"),
    (["--target", "y", "--calibration", "0.5"], "--calibration sets up prediction intervals: "
     "add --interval LEVEL"),
    (["--target", "y", "--interval", "0.99", "--calibration", "20"],
     "0.99 intervals need at least 99 calibration rows (1/(1 - level) - 1); got 20: give more "
     "rows, a larger --calibration or a lower --interval"),
])
def test_bad_interval_options_are_one_line(tables, tmp_path, capsys, argv, message):
    _, _, _, paths = tables
    data = paths["cls"] if "kind" in argv else paths["reg"]
    out = tmp_path / "m.nnfit"
    assert main(["fit", str(data), *argv, "--out", str(out), *FAST]) == 2
    line = last_err(capsys)
    assert line.startswith("nnfit fit: error: ") and message in line
    assert not out.exists()


@pytest.mark.parametrize("option, value, message", [
    ("--interval", "90", "90 is invalid: give the coverage as a number in (0, 1), e.g. 0.9 for "
     "90 % intervals"),
    ("--calibration", "2.5", "2.5 is invalid: give a share of the rows in (0, 1)"),
])
def test_bad_interval_values_are_refused_by_argparse(tables, capsys, option, value, message):
    _, _, _, paths = tables
    with pytest.raises(SystemExit):
        main(["fit", str(paths["reg"]), "--target", "y", "--out", "m.nnfit", option, value])
    assert f"argument {option}: {message}" in capsys.readouterr().err


def test_hidden_none_ridge_0_prints_the_librarys_coefficient_table(tables, tmp_path, capsys):
    _, train, _, paths = tables
    out, report = tmp_path / "linear.nnfit", tmp_path / "fit.json"
    options = ["--hidden", "none", "--ridge", "0", "--optimizer", "lbfgs", "--dtype", "float64"]
    assert main(["fit", str(paths["num"]), "--target", "y", *options, "--out", str(out),
                 "--json", str(report), "--quiet"]) == 0
    printed = capsys.readouterr().out
    X, y = train[["x1", "x2"]], train["y"]
    python = nnfit.TabularRegressor(nnfit.MLPRegressor(
        hidden_layer_sizes=(), ridge=0.0, optimizer="lbfgs", dtype="float64",
        random_state=0)).fit(X, y)
    expected = python.coefficients(X, y)
    table = pd.DataFrame(json.loads(report.read_text())["coefficients"]).set_index("term")
    assert list(table.index) == ["Intercept", "x1", "x2"]
    assert list(table.columns) == list(expected.columns) == [
        "coef", "std err", "t", "P>|t|", "[0.025", "0.975]"]
    np.testing.assert_array_equal(table.to_numpy(), expected.to_numpy())
    assert ("coefficients (least squares) on the 600 training rows: numeric columns per "
            "unit; 95% Wald intervals") in printed
    header, const = printed.split("Wald intervals\n")[1].splitlines()[:2]
    assert header.split() == ["coef", "std", "err", "t", "P>|t|", "[0.025", "0.975]"]
    assert const.split()[:2] == ["Intercept", f"{expected.loc['Intercept', 'coef']:.6g}"]
    # per unit of x1: the least-squares slope
    slope = np.linalg.lstsq(np.column_stack([np.ones(600), X]), y, rcond=None)[0][1]
    assert table.loc["x1", "coef"] == pytest.approx(slope, rel=1e-6)


def test_without_a_table_the_reason_is_printed(tables, tmp_path, capsys):
    _, _, _, paths = tables
    out = str(tmp_path / "m.nnfit")
    assert main(["fit", str(paths["num"]), "--target", "y", "--hidden", "none", "--out", out,
                 "--quiet"]) == 0  # the library's default ridge: no table, and how to get one
    assert ("no coefficient table: the fit is penalized (--ridge 0.01, the library's default "
            "unless given)") in capsys.readouterr().out
    assert main(["fit", str(paths["reg"]), "--target", "y", "--hidden", "none", "--ridge", "0",
                 "--optimizer", "lbfgs", "--dtype", "float64", "--out", out, "--force",
                 "--quiet"]) == 0
    printed = capsys.readouterr().out  # a categorical column: against its first category
    assert "categories against the first of their column" in printed
    assert next(line for line in printed.splitlines() if line.startswith("group[T.b]"))
    assert main(["fit", str(paths["num"]), "--target", "y", "--hidden", "none", "--ridge", "0",
                 "--out", out, "--force", "--quiet"]) == 0  # float32 Adam: said, with the fix
    captured = capsys.readouterr()
    assert "coef" in captured.out
    said = captured.err  # a table within a standard error of the MLE: approximate, and why
    assert "not exactly the maximum-likelihood estimate" in said and "float32" in said
    assert "approximate" in said and "--optimizer lbfgs --dtype float64 --validation 0" in said
    assert main(["fit", str(paths["num"]), "--target", "y", "--hidden", "none", "--ridge", "0",
                 "--epochs", "3", "--out", out, "--force", "--quiet"]) == 0  # far from it
    captured = capsys.readouterr()
    assert "std err" not in captured.out and "no coefficient table: these parameters are not the " \
        "maximum-likelihood estimate" in captured.out and "has not converged" in captured.out


@pytest.fixture(scope="module")
def classifier(tables):
    folder, _, _, paths = tables
    model = folder / "kind.nnfit"
    assert main(["fit", str(paths["cls"]), "--target", "kind", "--out", str(model), *FAST]) == 0
    return model


def test_threshold_labels_on_predict(tables, classifier, tmp_path):
    _, _, test, paths = tables
    out = tmp_path / "labels.csv"
    assert main(["predict", str(classifier), str(paths["cls_test"]), "--threshold", "0.3",
                 "--proba", "--out", str(out)]) == 0
    written = pd.read_csv(out)
    risk = nnfit.load(classifier).predict_proba(test.drop(columns=["y", "kind"]))[:, 1]
    np.testing.assert_array_equal(written["predicted_kind"], np.where(risk >= 0.3, "yes", "no"))
    assert (written["predicted_kind"] == "yes").sum() > (risk >= 0.5).sum()


@pytest.mark.parametrize("option", ["0.3", "best:0.3"])
def test_threshold_on_evaluate_gives_the_librarys_net_benefit(tables, classifier, tmp_path,
                                                             capsys, option):
    _, _, test, paths = tables
    report = tmp_path / "report.json"
    assert main(["evaluate", str(classifier), str(paths["cls_test"]), "--bootstrap", "0",
                 "--threshold", option, "--json", str(report)]) == 0
    printed = capsys.readouterr().out
    risk = nnfit.load(classifier).predict_proba(test.drop(columns=["y", "kind"]))[:, 1]
    y = (test["kind"] == "yes").to_numpy()
    chosen = {"0.3": 0.3, "best:0.3": nnfit.best_threshold(y, risk, 0.3)}[option]
    labelled = nnfit.net_benefit(y, risk, [chosen]).iloc[0]
    at = nnfit.net_benefit(y, risk, [0.3]).iloc[0]  # the net benefits at p_t = 0.3
    benefit = (labelled["tp"] - labelled["fp"] * 0.3 / 0.7) / len(y)
    got = json.loads(report.read_text())["threshold"]
    assert got["threshold"] == chosen and got["positive_class"] == "yes"
    assert got["net_benefit"] == pytest.approx(benefit, abs=1e-15)
    if option == "0.3":
        assert got["net_benefit"] == pytest.approx(at["net_benefit"], abs=1e-15)
    assert got["treat_all"] == at["treat_all"] and got["treat_none"] == 0
    assert got["labelled"] == int((risk >= chosen).sum())
    assert got["sensitivity"] == pytest.approx(((risk >= chosen) & y).sum() / y.sum())
    assert f"threshold {chosen:g} (" in printed
    assert f"net benefit {benefit:.4f} per row{' at p_t = 0.3' if option != '0.3' else ''}; " \
        "treat all " in printed
    assert ("the cutoff of largest net benefit at the threshold probability 0.3 on these rows"
            in printed) == option.startswith("best")


@pytest.mark.parametrize("command, model, value, message", [
    ("predict", "classifier", "best:0.1", "--threshold best:P chooses the cutoff by the "
     "outcomes of labelled rows, which 'nnfit predict' does not have"),
    ("predict", "interval_model", "0.3", "--threshold labels the rows of a model of two "
     "classes by the probability of the second; this model predicts numbers"),
    ("evaluate", "interval_model", "best:0.2", "this model predicts numbers: leave --threshold "
     "out"),
])
def test_threshold_refusals_are_one_line(tables, request, capsys, command, model, value,
                                         message):
    _, _, _, paths = tables
    data = paths["cls_test"] if model == "classifier" else paths["reg_test"]
    path = request.getfixturevalue(model)
    assert main([command, str(path), str(data), "--threshold", value]) == 2
    line = last_err(capsys)
    assert line.startswith(f"nnfit {command}: error: ") and message in line


@pytest.mark.parametrize("value, message", [
    ("0", "0 is invalid: give a probability in (0, 1), e.g. 0.2"),
    ("1.5", "1.5 is invalid: give a probability in (0, 1), e.g. 0.015 for 1.5 %"),
    ("30", "30 is invalid: give a probability in (0, 1), e.g. 0.3 for 30 %"),
    ("best:0.05-0.5", "'best:0.05-0.5': net benefits at different thresholds weigh the harms "
     "differently and cannot be compared"),
    ("best", "'best': net benefits at different thresholds"),
    ("best:2", "2 is invalid: give a probability in (0, 1), e.g. best:0.02 for 2 %"),
    ("high", "'high' is not a probability or best:P"),
    ("best:-1e-3", "'best:-1e-3': net benefits at different thresholds"),
    ("best:2e0", "2 is invalid: give a probability in (0, 1), e.g. best:0.02 for 2 %"),
])
def test_bad_threshold_values_are_refused_by_argparse(tables, classifier, capsys, value,
                                                      message):
    _, _, _, paths = tables
    with pytest.raises(SystemExit):
        main(["predict", str(classifier), str(paths["cls_test"]), "--threshold", value])
    assert f"argument --threshold: {message}" in capsys.readouterr().err


def test_a_model_file_with_a_bad_interval_is_refused(interval_model, tmp_path):
    model = nnfit.load(interval_model)
    header, arrays = model._to_file_parts()
    header["tabular"]["interval"]["half_width"] = -1.0
    bad = tmp_path / "bad.nnfit"
    write(bad, header, arrays)
    with pytest.raises(ValueError, match="has a negative interval half-width"):
        nnfit.load(bad)
