"""``nnfit fit --ensemble K`` and the ensemble's file in ``predict``, ``evaluate`` and ``report``:
the command line gives Python's ``MLPEnsemble`` of tabular models, bit for bit."""
import contextlib
import io
import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

import nnfit
from nnfit.cli import main
from nnfit.cli.table_data import EXACT_FLOATS

FAST = ["--epochs", "15", "--hidden", "8", "--learning-rate", "0.01", "--quiet"]
NETWORK = dict(hidden_layer_sizes=(8,), epochs=15, learning_rate=0.01)


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    rng = np.random.default_rng(1)
    n = 120
    x1, color = rng.normal(size=n), rng.choice(["red", "green", "blue"], n)
    frame = pd.DataFrame({"pid": np.arange(1000, 1000 + n), "x1": x1,
                          "x2": rng.integers(0, 10, n), "color": color,
                          "price": 3 * x1 + (color == "red") + rng.normal(0, 0.5, n),
                          "kind": np.where(x1 + (color == "red") + rng.normal(0, 0.5, n) > 0.5,
                                           "big", "small")})
    folder = tmp_path_factory.mktemp("ensemble")
    paths = {}
    for target, other in (("kind", "price"), ("price", "kind")):
        paths[target] = folder / f"{target}.csv"
        frame.drop(columns=other).to_csv(paths[target], index=False)
    return paths, frame


@pytest.fixture(scope="module")
def fitted(table, tmp_path_factory):
    """(model path, json, stdout) of a 3-member classification ensemble with held-out rows."""
    paths, _ = table
    out = tmp_path_factory.mktemp("fit") / "kind.nnfit"
    report = out.with_suffix(".json")
    with contextlib.redirect_stdout(io.StringIO()) as printed:
        code = main(["fit", str(paths["kind"]), "--target", "kind", "--id", "pid",
                     "--ensemble", "3", "--early-stopping", "true", "--seed", "7", "--out", str(out),
                     "--json", str(report), *FAST])
    assert code == 0
    return out, json.loads(report.read_text()), printed.getvalue()


def python_ensemble(frame, target, task, **params):
    tabular, network = {"classification": (nnfit.TabularClassifier, nnfit.MLPClassifier),
                        "regression": (nnfit.TabularRegressor, nnfit.MLPRegressor)}[task]
    inner = network(**{**NETWORK, **params.pop("network", {})})
    X = frame.drop(columns=["price", "kind"])
    model = nnfit.MLPEnsemble(tabular(inner, exclude=("pid",)), **params)
    return model.fit(X, frame[target]), X


def test_fit_gives_pythons_ensemble_and_prints_each_member(table, fitted, capsys):
    paths, frame = table
    path, report, text = fitted
    model = nnfit.load(path)
    same, X = python_ensemble(frame, "kind", "classification", n_estimators=3, random_state=7,
                              network={"early_stopping": True})
    assert isinstance(model, nnfit.MLPEnsemble) and len(model.estimators_) == 3
    assert "no validation report of the ensemble: each member held out rows of its own" in text
    assert list(model.seeds_) == list(same.seeds_) == report["ensemble"]["seeds"]
    assert np.array_equal(model.predict_proba(X), same.predict_proba(X))
    assert model.id_column_ == "pid" and model.target_name_ == "kind"
    for member, entry in zip(same.estimators_, report["ensemble"]["members"]):
        # each member held out its own rows; its scores there are the early-stopped member's
        held_out = member.validation_index_
        risk = member.early_stopped_model().predict_proba(X.loc[held_out])[:, 1]
        truth = frame["kind"].loc[held_out] == "small"
        assert entry["validation"]["roc_auc"] == pytest.approx(roc_auc_score(truth, risk),
                                                               abs=1e-12)
    _, lower, upper = same.predict_proba_interval(X, level=0.9)
    width = upper[:, 1] - lower[:, 1]
    spread = report["ensemble"]["spread"]
    assert spread["median_width"] == pytest.approx(np.median(width), abs=1e-12)
    assert spread["max_width"] == pytest.approx(width.max(), abs=1e-12) and width.max() > 0


def test_fit_prints_members_and_spread(table, tmp_path, capsys):
    paths, _ = table
    out = tmp_path / "m.nnfit"
    assert main(["fit", str(paths["kind"]), "--target", "kind", "--ensemble", "2",
                 "--out", str(out), *FAST]) == 0
    text = capsys.readouterr().out
    assert "ensemble of 2 networks (nnfit.MLPEnsemble), seeds " in text
    assert "member 1 (seed " in text and "member 2 (seed " in text
    assert "15 epoch(s) on all 120 rows" in text
    assert "members' spread on the 120 training rows: the 90% interval of the risk of 'small'" \
        in text and f"model written to {out}" in text


def test_predict_writes_the_mean_and_the_members_quantiles(table, fitted, tmp_path, capsys):
    paths, frame = table
    path, _, _ = fitted
    model = nnfit.load(path)
    X = frame.drop(columns=["price", "kind"])
    members = np.stack([m.predict_proba(X) for m in model.estimators_]).astype(np.float64)
    out = tmp_path / "p.csv"
    assert main(["predict", str(path), str(paths["kind"]), "--proba", "--spread-level", "0.5",
                 "--out", str(out)]) == 0
    assert "the means of 3 networks, with the members' 50% spread" in capsys.readouterr().out
    result = pd.read_csv(out, **EXACT_FLOATS)
    assert list(result.columns) == ["pid", "predicted_kind", "proba_big", "proba_big_lower",
                                    "proba_big_upper", "proba_small", "proba_small_lower",
                                    "proba_small_upper"]
    assert np.array_equal(result["pid"], frame["pid"])
    for j, label in enumerate(["big", "small"]):
        assert np.array_equal(result[f"proba_{label}"], members[:, :, j].mean(axis=0))
        assert np.array_equal(result[f"proba_{label}_lower"],
                              np.quantile(members[:, :, j], 0.25, axis=0))
        assert np.array_equal(result[f"proba_{label}_upper"],
                              np.quantile(members[:, :, j], 0.75, axis=0))
    labels = np.where(members[:, :, 1].mean(axis=0) > members[:, :, 0].mean(axis=0),
                      "small", "big")
    assert np.array_equal(result["predicted_kind"], labels)
    assert main(["predict", str(path), str(paths["kind"]), "--threshold", "0.3",
                 "--out", str(tmp_path / "t.csv")]) == 0
    labelled = pd.read_csv(tmp_path / "t.csv")
    assert list(labelled.columns) == ["pid", "predicted_kind"]
    assert np.array_equal(labelled["predicted_kind"],
                          np.where(members[:, :, 1].mean(axis=0) >= 0.3, "small", "big"))


def test_regression_ensemble_predict_and_evaluate(table, tmp_path, capsys):
    paths, frame = table
    path = tmp_path / "price.nnfit"
    assert main(["fit", str(paths["price"]), "--target", "price", "--exclude", "pid",
                 "--ensemble", "4", "--ensemble-bootstrap", "--out", str(path), *FAST]) == 0
    same, X = python_ensemble(frame, "price", "regression", n_estimators=4, bootstrap=True,
                              random_state=0)
    model = nnfit.load(path)
    assert model.bootstrap and np.array_equal(model.predict(X), same.predict(X))
    out = tmp_path / "p.csv"
    assert main(["predict", str(path), str(paths["price"]), "--out", str(out)]) == 0
    result = pd.read_csv(out, **EXACT_FLOATS)
    members = np.stack([m.predict(X) for m in same.estimators_]).astype(np.float64)
    assert list(result.columns) == ["row", "predicted_price", "predicted_price_lower",
                                    "predicted_price_upper"]
    assert np.array_equal(result["predicted_price"], members.mean(axis=0))
    # the (1 - level)/2 and (1 + level)/2 quantiles, as the library computes them (0.05 - 1e-17)
    lower, upper = np.quantile(members, [(1 - 0.9) / 2, (1 + 0.9) / 2], axis=0)
    assert np.array_equal(result["predicted_price_lower"], lower)
    assert np.array_equal(result["predicted_price_upper"], upper)
    assert np.all(lower <= result["predicted_price"]) and np.all(result["predicted_price"] <= upper)
    capsys.readouterr()
    assert main(["evaluate", str(path), str(paths["price"])]) == 0
    text = capsys.readouterr().out
    y = frame["price"].to_numpy()
    r2 = 1 - np.sum((y - members.mean(axis=0)) ** 2) / np.sum((y - y.mean()) ** 2)
    assert f"R^2 {r2:.4f} on 120 rows" in text


def test_evaluate_and_report_score_the_mean_risk_and_each_member(table, fitted, tmp_path,
                                                                 capsys):
    paths, frame = table
    path, _, _ = fitted
    model = nnfit.load(path)
    X = frame.drop(columns=["price", "kind"])
    risk = np.mean([m.predict_proba(X)[:, 1] for m in model.estimators_], axis=0)
    capsys.readouterr()
    scored = tmp_path / "scores.json"
    assert main(["evaluate", str(path), str(paths["kind"]), "--bootstrap", "50",
                 "--json", str(scored)]) == 0
    truth = frame["kind"] == "small"
    auc = roc_auc_score(truth, risk)
    text = capsys.readouterr().out
    assert f"ROC AUC {auc:.4f} on 120 rows" in text
    assert "the 3 members scored one by one on these rows" in text
    each = [roc_auc_score(truth, m.predict_proba(X)[:, 1]) for m in model.estimators_]
    brier = [np.mean((truth - m.predict_proba(X)[:, 1]) ** 2) for m in model.estimators_]
    members = json.loads(scored.read_text())["ensemble"]["members"]
    assert members["roc_auc"]["ensemble"] == pytest.approx(auc, abs=1e-12)
    assert members["roc_auc"]["members"] == pytest.approx(each, abs=1e-12)
    assert members["roc_auc"]["best_member"] == pytest.approx(max(each), abs=1e-12)
    assert members["brier"]["members_mean"] == pytest.approx(np.mean(brier), abs=1e-7)
    assert members["brier"]["best_member"] == pytest.approx(min(brier), abs=1e-7)
    assert f"ROC AUC{auc:>25.4f}{np.mean(each):>14.4f}{max(each):>10.4f}{min(each):>10.4f}" \
        in text
    # the report scores the same average, and each member alone beside it
    assert main(["report", str(path), str(paths["kind"]), "--out", str(tmp_path / "r.html"),
                 "--bootstrap", "20"]) == 0
    page = (tmp_path / "r.md").read_text()
    assert "MLPEnsemble of 3 TabularClassifiers around MLPClassifier: each member:" in page
    assert "The 3 members are the same network fitted from 3 seeds (epochs run: " in page
    row = (f"| ROC AUC | {auc:.4f} | {np.mean(each):.4f} | {max(each):.4f} | "
           f"{min(each):.4f} |")
    assert row in page, page
    performance = page[page.index("## Performance"):]
    scored = [line for line in performance.splitlines() if line.startswith("| ROC AUC | ")][0]
    assert scored.startswith(f"| ROC AUC | {auc:.4f} [")  # the performance table's, too
    width = np.quantile([m.predict_proba(X)[:, 1] for m in model.estimators_], [0.05, 0.95],
                        axis=0)
    assert (f"has median width {np.median(width[1] - width[0]):.4g}, largest "
            f"{np.max(width[1] - width[0]):.4g}") in page


@pytest.mark.parametrize("value, says", [
    ("1", "an ensemble averages 2 networks or more, e.g. --ensemble 5 (for one network leave "
          "--ensemble out)"),
    ("0", "0 is invalid: an ensemble averages 2 networks or more"),
    ("-3", "-3 is invalid"), ("2.5", "'2.5' is not a whole number"),
    ("five", "'five' is not a whole number")])
def test_a_bad_number_of_members_is_refused(table, tmp_path, capsys, value, says):
    paths, _ = table
    with pytest.raises(SystemExit) as exit:
        main(["fit", str(paths["kind"]), "--target", "kind", "--ensemble", value,
              "--out", str(tmp_path / "m.nnfit"), *FAST])
    assert exit.value.code == 2
    err = capsys.readouterr().err
    assert "argument --ensemble" in err and says in err
    assert not (tmp_path / "m.nnfit").exists()


@pytest.mark.parametrize("extra, says", [
    (["--jobs", "2"], "--jobs sets up an ensemble: add --ensemble K"),
    (["--ensemble-bootstrap"], "--ensemble-bootstrap sets up an ensemble: add --ensemble K"),
    (["--ensemble", "3", "--interval", "0.9"], "--ensemble with --interval"),
    (["--ensemble", "3", "--loss", "poisson"], "--ensemble with --loss poisson/--exposure"),
    (["--ensemble", "3", "--time", "x2", "--event", "x1"], "--ensemble with --time/--event")])
def test_options_an_ensemble_cannot_take_are_refused(table, tmp_path, capsys, extra, says):
    paths, _ = table
    target = [] if "--time" in extra else ["--target", "price"]
    assert main(["fit", str(paths["price"]), *target, *extra,
                 "--out", str(tmp_path / "m.nnfit"), *FAST]) == 2
    assert says in capsys.readouterr().err
    assert not (tmp_path / "m.nnfit").exists()


def test_spread_level_needs_an_ensemble(table, tmp_path, capsys):
    paths, _ = table
    single = tmp_path / "one.nnfit"
    assert main(["fit", str(paths["price"]), "--target", "price", "--out", str(single),
                 *FAST]) == 0
    assert main(["predict", str(single), str(paths["price"]), "--spread-level", "0.8"]) == 2
    assert "--spread-level sets the members' spread of an ensemble" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["predict", str(single), str(paths["price"]), "--spread-level", "1"])
    assert "1 is invalid: give the share of the members' spread" in capsys.readouterr().err


def test_the_members_do_not_depend_on_jobs(table, fitted, tmp_path):
    paths, frame = table
    path, _, _ = fitted
    out = tmp_path / "jobs.nnfit"
    assert main(["fit", str(paths["kind"]), "--target", "kind", "--id", "pid", "--ensemble", "3",
                 "--early-stopping", "true", "--seed", "7", "--jobs", "2", "--out", str(out),
                 *FAST]) == 0
    X = frame.drop(columns=["price", "kind"])
    assert np.array_equal(nnfit.load(out).predict_proba(X), nnfit.load(path).predict_proba(X))


def test_ensembles_saved_from_python_that_the_command_line_cannot_use(table, tmp_path, capsys):
    paths, frame = table
    X, y = frame[["x1", "x2"]].to_numpy(), frame["price"].to_numpy()
    bare = tmp_path / "bare.nnfit"
    nnfit.MLPEnsemble(nnfit.MLPRegressor(**NETWORK), n_estimators=2,
                      random_state=0).fit(X, y).save(bare)
    assert main(["predict", str(bare), str(paths["price"])]) == 2
    assert ("holds an ensemble of 2 MLPRegressors saved from Python, without the table "
            "preprocessing that 'nnfit predict' needs") in capsys.readouterr().err
    counts = tmp_path / "counts.nnfit"
    data = frame[["x1", "x2"]].assign(n=np.round(np.exp(frame["x1"])))
    nnfit.MLPEnsemble(nnfit.TabularRegressor(nnfit.MLPRegressor(loss="poisson", **NETWORK)),
                      n_estimators=2, random_state=0).fit(data[["x1", "x2"]],
                                                          data["n"]).save(counts)
    assert main(["evaluate", str(counts), str(paths["price"])]) == 2
    assert ("holds an ensemble of 2 count models, which 'nnfit evaluate' cannot use yet" in
            capsys.readouterr().err)


def test_report_on_a_regression_ensemble_and_survival_ensembles_refused(table):
    from nnfit.course.report import model_report
    _, frame = table
    model, X = python_ensemble(frame, "price", "regression", n_estimators=2, random_state=3)
    report = model_report(model, X, frame["price"], n_bootstrap=0)
    rmse = [np.sqrt(np.mean((frame["price"] - m.predict(X)) ** 2)) for m in model.estimators_]
    scores = report["ensemble"]["scores"]["rmse"]
    assert scores["members"] == pytest.approx(rmse, rel=1e-12)
    assert scores["ensemble"] == pytest.approx(
        np.sqrt(np.mean((frame["price"] - model.predict(X)) ** 2)), rel=1e-12)
    assert report["model"]["kind"] == "MLPEnsemble of 2 TabularRegressors"
    assert [figure["name"] for figure in report["figures"]] == ["observed", "residuals"]
    times = pd.DataFrame({"x1": frame["x1"], "t": np.exp(frame["x1"]) + 1,
                          "e": np.arange(len(frame)) % 3 > 0})
    survival = nnfit.MLPEnsemble(nnfit.TabularSurvival(nnfit.MLPSurvival(epochs=3)),
                                 n_estimators=2, random_state=0)
    survival.fit(times[["x1"]], _surv(times))
    with pytest.raises(ValueError, match="the report takes ensembles of classifiers and "
                       "regressors; for an ensemble of survival or count models report on one"):
        model_report(survival, times[["x1"]], _surv(times), n_bootstrap=0)


def _surv(times):
    Surv = pytest.importorskip("sksurv.util").Surv
    return Surv.from_arrays(times["e"].to_numpy(), times["t"].to_numpy())


def test_cv_cross_validates_the_ensemble_as_python_does(table, tmp_path, capsys):
    paths, frame = table
    scores = tmp_path / "cv.json"
    assert main(["cv", str(paths["kind"]), "--target", "kind", "--exclude", "pid", "--folds",
                 "3", "--ensemble", "2", "--seed", "5", "--bootstrap", "0", "--json",
                 str(scores), *FAST]) == 0
    assert ("each fold fits an ensemble of 2 such networks (nnfit.MLPEnsemble, seeds drawn "
            "with --seed) and scores their average") in capsys.readouterr().out
    model = nnfit.MLPEnsemble(nnfit.TabularClassifier(nnfit.MLPClassifier(**NETWORK),
                                                      exclude=("pid",)),
                              n_estimators=2, random_state=5)
    X = frame.drop(columns=["price", "kind"])
    same = nnfit.cross_validate_table(model, X, frame["kind"], folds=3, n_bootstrap=0,
                                      random_state=5)
    cv = json.loads(scores.read_text())
    assert cv["roc_auc"] == same["roc_auc"] and cv["accuracy"] == same["accuracy"]
    brier = cv["scores"]["scores"]["network"]["brier"]["estimate"]
    assert brier == same["scores"]["scores"]["network"]["brier"]["estimate"]
    single = nnfit.cross_validate_table(model.estimator, X, frame["kind"], folds=3,
                                        n_bootstrap=0, random_state=5)
    assert cv["roc_auc"] != single["roc_auc"]  # the average, not one network
    for extra, says in [(["--ensemble-bootstrap"], "--ensemble-bootstrap sets up an ensemble"),
                        (["--ensemble", "2", "--loss", "poisson"], "--ensemble with --loss")]:
        target = ["--target", "price"] if "--loss" in extra else ["--target", "kind"]
        assert main(["cv", str(paths["price" if "--loss" in extra else "kind"]), *target,
                     *extra, *FAST]) == 2
        assert says in capsys.readouterr().err
