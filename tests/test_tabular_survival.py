"""``TabularSurvival`` (a Cox network on a DataFrame), the outcome checks of
``nnfit.tabular.outcomes``, the survival report and cross-validation, and the Poisson network's
exposures passing through ``TabularRegressor``, its report and cross-validation."""
import numpy as np
import pandas as pd
import pytest

pytest.importorskip("sksurv")
from sklearn.model_selection import KFold, StratifiedKFold  # noqa: E402
from sksurv.datasets import load_veterans_lung_cancer  # noqa: E402
from sksurv.metrics import concordance_index_censored  # noqa: E402
from sksurv.util import Surv  # noqa: E402

import nnfit  # noqa: E402
from nnfit import MLPRegressor, MLPSurvival, TabularRegressor, TabularSurvival  # noqa: E402
from nnfit.tabular import state  # noqa: E402
from nnfit.tabular.outcomes import per_exposure, survival_target  # noqa: E402
from nnfit.tabular.survival_cv import cross_validate_survival  # noqa: E402
from nnfit.tabular.survival_scores import evaluate_survival, fit_linear_cox, linear_cox  # noqa

SMALL = dict(hidden_layer_sizes=(8,), epochs=15, random_state=0)


@pytest.fixture(scope="module")
def veterans():
    X, y = load_veterans_lung_cancer()
    return X, y


@pytest.fixture(scope="module")
def fitted(veterans):
    X, y = veterans
    return TabularSurvival(MLPSurvival(**SMALL)).fit(X, y)


def test_fit_predict_and_the_survival_function(veterans, fitted):
    X, y = veterans
    assert fitted.numeric_columns_ == ["Age_in_years", "Karnofsky_score", "Months_from_Diagnosis"]
    assert fitted.categorical_columns_ == ["Celltype", "Prior_therapy", "Treatment"]
    assert (fitted.event_name_, fitted.time_name_) == ("Status", "Survival_in_days")
    risk = fitted.predict(X)
    assert risk.shape == (137,) and np.isfinite(risk).all()
    c = concordance_index_censored(y["Status"], y["Survival_in_days"], risk)[0]
    assert fitted.score(X, y) == pytest.approx(c) and c > 0.6
    S = fitted.predict_survival_function(X, return_array=True)
    times = fitted.unique_times_
    assert S.shape == (137, times.size) and np.all(np.diff(S, axis=1) <= 0)
    at = fitted.survival_at(X, [0, times[0], times[3] + 0.5, times[-1]])
    assert np.array_equal(at[:, 0], np.ones(137))  # before the first time: no event yet
    assert np.array_equal(at[:, 1:], S[:, [0, 3, -1]])  # right-continuous steps
    steps = fitted.predict_survival_function(X.iloc[:2])
    assert steps[0](times[3] + 0.5) == pytest.approx(at[0, 2])
    with pytest.raises(ValueError, match=r"beyond the last time .* 999: the survival function "
                                         "is not estimated there; give times up to 999"):
        fitted.survival_at(X, [1000])
    H = fitted.predict_cumulative_hazard_function(X, return_array=True)
    assert np.allclose(np.exp(-H), S)


def test_model_file_round_trips_the_survival_function(tmp_path, veterans, fitted):
    X, _ = veterans
    path = fitted.save(tmp_path / "m.nnfit")
    loaded = nnfit.load(path)
    assert type(loaded) is TabularSurvival
    assert (loaded.event_name_, loaded.time_name_) == ("Status", "Survival_in_days")
    assert np.array_equal(loaded.predict(X), fitted.predict(X))
    assert np.array_equal(loaded.predict_survival_function(X, return_array=True),
                          fitted.predict_survival_function(X, return_array=True))
    assert np.array_equal(loaded.unique_times_, fitted.unique_times_)
    assert np.array_equal(loaded.survival_at(X, [30, 90]), fitted.survival_at(X, [30, 90]))


def test_the_tabular_section_of_a_survival_file_is_checked(fitted):
    header, _ = fitted._to_file_parts()
    good = header["tabular"]
    assert good["task"] == "survival"
    assert good["survival"] == {"event": "Status", "time": "Survival_in_days"}
    for bad in ({k: v for k, v in good.items() if k != "survival"},
                dict(good, survival={"event": "x", "time": "x"}),
                dict(good, task="regression"), dict(good, exposure="years")):
        with pytest.raises(ValueError, match="not a valid nnfit model: its tabular section"):
            state.from_dict(TabularSurvival, bad, fitted.estimator_)


def test_early_stopping_holds_rows_out_then_refits_on_all(veterans):
    X, y = veterans
    model = TabularSurvival(MLPSurvival(**SMALL, early_stopping=True)).fit(X, y)
    first = model.early_stopped_estimator_
    assert len(model.validation_index_) == 14 and model.estimator_ is not first
    assert model.estimator_.n_iter_ == first.best_epoch_
    events = y["Status"][X.index.get_indexer(model.validation_index_)]
    assert events.sum() in (13, 14)  # stratified by event: the 128 / 137 share
    again = TabularSurvival(MLPSurvival(**SMALL, early_stopping=True)).fit(X, y)
    assert np.array_equal(again.predict(X), model.predict(X))  # the same seed, the same model


def test_exclude_impute_and_weights_pass_through(veterans):
    X, y = veterans
    holes = X.assign(Karnofsky_score=X["Karnofsky_score"].where(X.index % 10 != 3))
    model = TabularSurvival(MLPSurvival(**SMALL), exclude=["Prior_therapy"],
                            impute="median").fit(holes, y)
    assert "Prior_therapy" not in model.categorical_columns_
    assert np.isfinite(model.predict(holes)).all()
    plain = TabularSurvival(MLPSurvival(**SMALL)).fit(X, y)
    weights = np.where(y["Status"], 1.0, 3.0)
    weighted = TabularSurvival(MLPSurvival(**SMALL)).fit(X, y, sample_weight=weights)
    assert not np.allclose(weighted.predict(X), plain.predict(X))


@pytest.mark.parametrize("change, message", [
    (lambda e, t: (e, np.where(np.arange(137) == 4, -3.0, t)),
     "the time column 'time' is negative in row 4 (e.g. -3)"),
    (lambda e, t: (e, np.where(np.arange(137) % 50 == 7, np.nan, t)),
     "column 'time' (the time) is missing in rows 7, 57, 107"),
    (lambda e, t: (np.where(np.arange(137) == 2, 2, e.astype(int)), t),
     "the event column 'event' must be 0/1 (1 = the event was seen, 0 = censored) or "
     "true/false; row 2 holds 2; recode the column as 1/0"),
    (lambda e, t: (np.zeros(137, bool), t),
     "the event column 'event' has no event (1 or true) in any of the 137 rows")])
def test_bad_outcomes_name_the_column_and_rows(veterans, change, message):
    X, y = veterans
    event, time = change(y["Status"], y["Survival_in_days"])
    bad = np.empty(137, dtype=[("event", np.asarray(event).dtype), ("time", float)])
    bad["event"], bad["time"] = event, time
    with pytest.raises(ValueError) as caught:
        TabularSurvival(MLPSurvival(**SMALL)).fit(X, bad)
    assert message in str(caught.value)
    with pytest.raises(ValueError, match="structured array of"):
        TabularSurvival(MLPSurvival(**SMALL)).fit(X, y["Survival_in_days"])


def test_survival_target_reads_two_columns_and_refuses_text_events():
    frame = pd.DataFrame({"months": [5.0, 12.0, 3.5, 8.0], "died": ["yes", "no", "yes", "no"]},
                         index=[1, 2, 3, 4])
    with pytest.raises(ValueError, match=r"rows 1, 2, 3, 4 hold 'yes', 'no'; recode the column "
                                         r"as 1/0 \(text such as 'dead'/'alive' is refused"):
        survival_target(frame, "months", "died")
    y = survival_target(frame.assign(died=[True, False, True, False]), "months", "died")
    assert y.dtype.names == ("died", "months") and y["died"].tolist() == [1, 0, 1, 0]
    y = survival_target(frame.assign(died=["TRUE", "false", "True", "False"]), "months", "died")
    assert y["died"].tolist() == [True, False, True, False]


def test_evaluate_survival_beside_kaplan_meier(veterans, fitted):
    X, y = veterans
    report = evaluate_survival(fitted, X, y, horizons=[30, 90, 180], n_bootstrap=20)
    scored = report["scores"]
    assert scored["horizons"] == [30.0, 90.0, 180.0] and scored["calibration_horizon"] == 90.0
    assert list(scored["scores"]) == ["model", "Kaplan-Meier"]
    model, km = scored["scores"]["model"], scored["scores"]["Kaplan-Meier"]
    assert model["harrell_c"]["estimate"] == pytest.approx(fitted.score(X, y))
    assert km["harrell_c"]["estimate"] == 0.5 and km["auc@90"]["estimate"] == 0.5
    assert {"uno_c", "brier@30", "ibs", "calibration_error"} <= set(model)
    low, high = model["harrell_c"]["low"], model["harrell_c"]["high"]
    assert low < model["harrell_c"]["estimate"] < high
    assert len(scored["calibration"]["model"]) == 10


def test_cross_validation_folds_are_the_librarys_loop(veterans):
    X, y = veterans
    model = TabularSurvival(MLPSurvival(**SMALL))
    report = cross_validate_survival(model, X, y, folds=3, n_bootstrap=0, random_state=4)
    splitter = StratifiedKFold(3, shuffle=True, random_state=4)
    for record, (train, test) in zip(report["per_fold"], splitter.split(X, y["Status"])):
        fold = TabularSurvival(MLPSurvival(**SMALL)).fit(X.iloc[train], y[train])
        assert record["harrell_c"]["network"] == fold.score(X.iloc[test], y[test])
        linear, note = fit_linear_cox(linear_cox(model), X.iloc[train], y[train])
        assert record["harrell_c"]["linear Cox"] == linear.score(X.iloc[test], y[test])
        assert record["n_test"] == len(test)
    assert list(report["scores"]["scores"]) == ["network", "linear Cox"]
    assert "network - linear Cox" in report["scores"]["differences"]
    with pytest.raises(ValueError, match="more than the 128 rows with an event"):
        cross_validate_survival(model, X, y, folds=129)
    one = y.copy()
    one["Status"] = np.arange(len(y)) == 0
    with pytest.raises(ValueError, match="needs at least 2 rows with an event.* have 1"):
        cross_validate_survival(model, X, one, folds=2)


def test_evaluate_survival_does_not_depend_on_the_order_of_the_rows(veterans, fitted):
    """The same rows shuffled or sorted by time give every score and table row; the
    Kaplan-Meier baseline (one prediction for all) is one calibration group, error 0."""
    X, y = veterans
    orders = (np.arange(len(y)), np.random.default_rng(5).permutation(len(y)),
              np.argsort(y["Survival_in_days"], kind="stable"))
    reports = [evaluate_survival(fitted, X.iloc[order], y[order], n_bootstrap=0)["scores"]
               for order in orders]
    order = orders[1]  # a float32 network's outputs move by ~1e-7 with a row's place
    first = reports[0]
    km = first["scores"]["Kaplan-Meier"]["calibration_error"]["estimate"]
    assert km == pytest.approx(0, abs=1e-12) and len(first["calibration"]["Kaplan-Meier"]) == 1
    for other in reports[1:]:
        for part in ("scores", "differences"):
            for name, scores in first[part].items():
                for key, value in scores.items():
                    assert other[part][name][key]["estimate"] == pytest.approx(  # float32
                        value["estimate"], rel=1e-6, abs=1e-9), (name, key)  # predictions
        for name, table in first["calibration"].items():
            assert [(row["n"], row["events"]) for row in other["calibration"][name]] == \
                [(row["n"], row["events"]) for row in table]
            assert [row["observed"] for row in other["calibration"][name]] == pytest.approx(
                [row["observed"] for row in table], abs=1e-12)
    assert fitted.predict(X)[order] == pytest.approx(fitted.predict(X.iloc[order]), abs=1e-6)


def test_linear_cox_is_the_partial_likelihood_fit(veterans):
    """The reference: with no penalty, no hidden layer and L-BFGS, scikit-survival's Cox model
    on the same design (numeric columns only, so that it is well conditioned)."""
    from sksurv.linear_model import CoxPHSurvivalAnalysis
    X, y = veterans
    numeric = X[["Age_in_years", "Karnofsky_score", "Months_from_Diagnosis"]]
    ours, note = fit_linear_cox(linear_cox(TabularSurvival(MLPSurvival(ties="breslow"))),
                                numeric, y)
    theirs = CoxPHSurvivalAnalysis(ties="breslow").fit(ours._design(numeric), y)
    assert note is None
    assert np.allclose(ours.estimator_.coefs_[0].ravel(), theirs.coef_, atol=1e-4)


def test_a_linear_cox_fit_that_fails_is_refitted_with_a_small_ridge_and_says_so(veterans):
    X, y = veterans
    stopped = linear_cox(TabularSurvival()).set_params(estimator__epochs=2)  # cannot converge
    fitted, note = fit_linear_cox(stopped, X, y)
    assert note == ("the unpenalized linear Cox fit did not converge (a monotone likelihood: a "
                    "column may separate events); it was refitted with ridge 0.0001")
    assert fitted.estimator_.ridge == 1e-4 and np.isfinite(fitted.predict(X)).all()


def test_poisson_exposure_passes_through_the_tabular_model():
    """y = count / exposure with sample_weight = exposure: a weight of 2 is the row twice, and
    the unpenalized Poisson network without hidden layer is scikit-learn's PoissonRegressor."""
    from sklearn.linear_model import PoissonRegressor
    rng = np.random.default_rng(0)
    n = 120
    frame = pd.DataFrame({"x": rng.normal(size=n), "g": rng.choice(["a", "b"], n),
                          "years": rng.uniform(0.5, 2, n)})
    deaths = pd.Series(rng.poisson(frame.years * np.exp(0.5 * frame.x)), name="deaths")
    y, w = per_exposure(deaths, frame["years"])
    glm = dict(loss="poisson", hidden_layer_sizes=(), ridge=0.0, optimizer="lbfgs",
               dtype="float64", epochs=500)
    model = TabularRegressor(MLPRegressor(**glm), exclude=["years"]).fit(frame, y,
                                                                         sample_weight=w)
    reference = PoissonRegressor(alpha=0, tol=1e-10, max_iter=1000).fit(
        model._design(frame), y, sample_weight=w)
    assert np.allclose(model.predict(frame), reference.predict(model._design(frame)),
                       rtol=1e-5)
    twice = np.r_[np.arange(n), np.arange(10)]
    w2 = w.copy()
    w2[:10] *= 2
    doubled = TabularRegressor(MLPRegressor(**glm), exclude=["years"]).fit(frame, y,
                                                                           sample_weight=w2)
    repeated = TabularRegressor(MLPRegressor(**glm), exclude=["years"]).fit(
        frame.iloc[twice], y.iloc[twice], sample_weight=w[twice])
    assert np.allclose(doubled.predict(frame), repeated.predict(frame), rtol=1e-5)
    report = nnfit.evaluate_table(model, frame, y, sample_weight=w, n_bootstrap=0)
    assert report["task"] == "counts" and report["exposure"] is True
    assert set(report["scores"]["scores"]) == {"model", "mean"}
    assert 0 < report["d2"] < 1
    cv = nnfit.cross_validate_table(TabularRegressor(MLPRegressor(loss="poisson", epochs=5,
                                                                  random_state=0),
                                                     exclude=["years"]),
                                    frame, y, sample_weight=w, folds=3, n_bootstrap=0)
    assert cv["reference"] == "Poisson" and list(cv["scores"]["scores"]) == [
        "network", "Poisson", "mean"]
    folds = KFold(3, shuffle=True, random_state=0)
    first_train, first_test = next(folds.split(frame))
    fold = TabularRegressor(MLPRegressor(loss="poisson", epochs=5, random_state=0),
                            exclude=["years"]).fit(frame.iloc[first_train], y.iloc[first_train],
                                                   sample_weight=w[first_train])
    assert cv["scores"]["n"] == n and np.isfinite(fold.predict(frame.iloc[first_test])).all()


@pytest.mark.parametrize("exposure, message", [
    ([1.0, 0.0, 2.0, -1.0], "the exposure column 'years' is zero or negative in rows 1, 3"),
    ([1.0, np.nan, 2.0, 1.0], "column 'years' (the exposure) is missing in row 1"),
    (["1", "2", "x", "1"],
     "column 'years' (the exposure) must hold numbers; row 2 holds text such as 'x'")])
def test_bad_exposures_name_the_rows(exposure, message):
    with pytest.raises(ValueError) as caught:
        per_exposure(pd.Series([1, 2, 0, 3], name="deaths"), pd.Series(exposure, name="years"))
    assert message in str(caught.value)
    with pytest.raises(ValueError, match="'deaths' .the count. is negative in row 2"):
        per_exposure(pd.Series([1, 2, -1, 3], name="deaths"), pd.Series([1.0] * 4, name="y"))
