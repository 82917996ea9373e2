"""The scores of survival and count predictions (``survival_metrics``, ``count_metrics``): the
estimates are scikit-survival's and scikit-learn's functions on the same rows, every bootstrap
replicate is the same function on the resampled rows, the calibration table's observed column is
a Kaplan-Meier fit on each group's rows, undefined replicates are counted, a horizon outside the
follow-up is a clear error, differences are paired, no score depends on the order of the rows,
and the calibration error gets no interval (it would not contain its estimate)."""
import numpy as np
import pytest

sksurv = pytest.importorskip("sksurv")
from sklearn.metrics import (d2_tweedie_score, mean_absolute_error,  # noqa: E402
                             mean_poisson_deviance)
from sksurv.datasets import load_whas500  # noqa: E402
from sksurv.linear_model import CoxPHSurvivalAnalysis  # noqa: E402
from sksurv.metrics import (brier_score, concordance_index_censored,  # noqa: E402
                            concordance_index_ipcw, cumulative_dynamic_auc,
                            integrated_brier_score)
from sksurv.nonparametric import SurvivalFunctionEstimator  # noqa: E402
from sksurv.util import Surv  # noqa: E402

from nnfit.estimators import count_metrics, survival_metrics  # noqa: E402
from nnfit.estimators.count_metrics import CountScores, score_counts  # noqa: E402
from nnfit.estimators.survival_calibration import (calibration_summary,  # noqa: E402
                                                   risk_groups, weighted_km)
from nnfit.estimators.survival_metrics import (NO_INTERVAL, WHY_NO_INTERVAL,  # noqa: E402
                                               score_survival)


@pytest.fixture(scope="module")
def whas():
    """whas500 (shipped with scikit-survival): its numeric columns, every third row a test row,
    a Cox model on all of them and one on three (two models of the same rows)."""
    X, y = load_whas500()
    X = X.select_dtypes("number").to_numpy(np.float64)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    test = np.arange(len(y)) % 3 == 0
    y = Surv.from_arrays(y["fstat"], y["lenfol"])
    out = {"y_train": y[~test], "y_test": y[test]}
    for name, columns in {"full": slice(None), "three": slice(0, 3)}.items():
        cox = CoxPHSurvivalAnalysis(alpha=1e-3).fit(X[~test][:, columns], y[~test])
        out[name] = {"risk": cox.predict(X[test][:, columns]), "times": cox.unique_times_,
                     "survival": cox.predict_survival_function(X[test][:, columns],
                                                               return_array=True),
                     "functions": cox.predict_survival_function(X[test][:, columns])}
    return out


def _score(whas, names=("full",), **options):
    return score_survival(whas["y_train"], whas["y_test"],
                          {name: whas[name]["risk"] for name in names},
                          {name: whas[name]["survival"] for name in names},
                          {name: whas[name]["times"] for name in names}, **options)


def _estimates(report, name):
    return {key: value["estimate"] for key, value in report["scores"][name].items()}


def test_the_estimates_are_scikit_survivals(whas):
    report = _score(whas, n_bootstrap=0)
    got, h = _estimates(report, "full"), np.array(report["horizons"])
    y_train, y_test, model = whas["y_train"], whas["y_test"], whas["full"]
    event, time = y_test["event"], y_test["time"]
    # default horizons: the quartiles of the test event times
    assert report["horizons"] == np.percentile(time[event], [25, 50, 75], method="lower").tolist()
    assert report["calibration_horizon"] == h[1]
    assert got["harrell_c"] == pytest.approx(
        concordance_index_censored(event, time, model["risk"])[0], abs=1e-12)
    assert got["uno_c"] == pytest.approx(
        concordance_index_ipcw(y_train, y_test, model["risk"], tau=h.max())[0], abs=1e-12)
    auc, mean_auc = cumulative_dynamic_auc(y_train, y_test, model["risk"], h)
    at_h = np.array([[fn(t) for t in h] for fn in model["functions"]])
    brier = brier_score(y_train, y_test, at_h, h)[1]
    for k, label in enumerate(["10", "83", "297"]):
        assert got[f"auc@{label}"] == pytest.approx(auc[k], abs=1e-12)
        assert got[f"brier@{label}"] == pytest.approx(brier[k], abs=1e-12)
    assert got["mean_auc"] == pytest.approx(mean_auc, abs=1e-12)
    grid = np.linspace(*report["ibs_range"], 100)
    at_grid = np.array([fn(grid) for fn in model["functions"]])
    assert got["ibs"] == pytest.approx(integrated_brier_score(y_train, y_test, at_grid, grid),
                                       abs=1e-12)
    assert report["notes"] == [] and report["n"] == len(y_test)


def test_the_calibration_table_is_kaplan_meier_on_each_risk_group(whas):
    report = _score(whas, n_bootstrap=0, groups=5)
    table, h = report["calibration"]["full"], report["calibration_horizon"]
    S_h = np.array([fn(h) for fn in whas["full"]["functions"]])
    order = np.argsort(-S_h, kind="stable")  # lowest risk first
    assert [row["group"] for row in table] == [1, 2, 3, 4, 5]
    assert sum(row["n"] for row in table) == len(S_h)
    assert max(row["n"] for row in table) - min(row["n"] for row in table) <= 1
    start, y, mean_error = 0, whas["y_test"], 0.0
    for row in table:
        rows = order[start:start + row["n"]]
        start += row["n"]
        km = SurvivalFunctionEstimator(conf_type="log-log").fit(y[rows])
        observed, interval = km.predict_proba([h], return_conf_int=True)
        assert row["observed"] == pytest.approx(observed[0], abs=1e-12)
        assert [row["observed_low"], row["observed_high"]] == pytest.approx(interval[:, 0])
        assert row["predicted"] == pytest.approx(S_h[rows].mean())
        assert row["events"] == np.sum(y["event"][rows] & (y["time"][rows] <= h))
        mean_error += row["n"] * abs(row["observed"] - row["predicted"]) / len(S_h)
    got = _estimates(report, "full")
    assert got["calibration_error"] == pytest.approx(mean_error)
    all_rows = SurvivalFunctionEstimator().fit(y).predict_proba([h])[0]
    assert got["calibration_in_the_large"] == pytest.approx(all_rows - S_h.mean())


def test_each_replicate_is_the_score_of_the_resampled_rows(whas, monkeypatch):
    seen = {}

    def spy(scorers, n, n_bootstrap, random_state):
        seen.update(scorers)
        return {}
    monkeypatch.setattr(survival_metrics, "_replicates", spy)
    report = _score(whas, n_bootstrap=1)
    n = report["n"]
    W = np.random.default_rng(1).multinomial(n, np.full(n, 1 / n), size=3).astype(np.float64)
    weighted = seen["full"].weighted(np.vstack([np.ones(n), W]))
    monkeypatch.undo()
    model = whas["full"]
    for b, counts in enumerate(np.vstack([np.ones(n), W]).astype(int)):
        rows = np.repeat(np.arange(n), counts)
        direct = score_survival(
            whas["y_train"], whas["y_test"][rows], model["risk"][rows], model["survival"][rows],
            model["times"], horizons=report["horizons"], ibs_times=np.linspace(
                *report["ibs_range"], 100), n_bootstrap=0)
        for key, value in _estimates(direct, "model").items():
            if key in NO_INTERVAL:
                assert key not in weighted
            else:
                assert weighted[key][b] == pytest.approx(value, abs=1e-12), key


def test_weighted_kaplan_meier_matches_the_expanded_rows():
    rng = np.random.default_rng(0)
    n = 40
    time = np.round(rng.exponential(5, n))  # tied times
    event, S_h = rng.random(n) < 0.6, rng.random(n)
    W = rng.multinomial(n, np.full(n, 1 / n), size=4).astype(np.float64)
    at = np.array([0.0, 2.0, 5.0, time.max(), time.max() + 1])
    for b, counts in enumerate(W.astype(int)):
        rows = np.repeat(np.arange(n), counts)
        fitted = SurvivalFunctionEstimator().fit(Surv.from_arrays(event[rows], time[rows]))
        for k, t in enumerate(at):
            try:
                expected = fitted.predict_proba([t])[0]
            except ValueError:  # beyond the follow-up
                expected = np.nan
            assert weighted_km(W[b:b + 1], event, time, [t])[0, 0] == pytest.approx(
                expected, nan_ok=True)


def test_intervals_contain_the_estimate_and_are_reproducible(whas):
    first = _score(whas, n_bootstrap=200, random_state=3)
    again = _score(whas, n_bootstrap=200, random_state=3)
    other = _score(whas, n_bootstrap=200, random_state=4)
    assert first["scores"] == again["scores"] and first["scores"] != other["scores"]
    for key, value in first["scores"]["full"].items():
        if key in NO_INTERVAL:  # |observed - predicted| is biased upwards: no interval
            assert value["low"] is None and value["high"] is None and value["estimate"] > 0
        else:
            assert value["low"] <= value["estimate"] <= value["high"], key
        assert value["skipped"] == 0
    assert WHY_NO_INTERVAL in first["notes"]
    assert WHY_NO_INTERVAL not in _score(whas, n_bootstrap=0)["notes"]


def test_differences_are_paired(whas):
    report = _score(whas, names=("full", "three"), n_bootstrap=100)
    full, three = _estimates(report, "full"), _estimates(report, "three")
    difference = report["differences"]["full - three"]
    for key in full:
        assert difference[key]["estimate"] == pytest.approx(full[key] - three[key])
        if key in NO_INTERVAL:
            assert difference[key]["low"] is None and difference[key]["high"] is None
        else:
            assert difference[key]["low"] <= difference[key]["high"]
    # a model against itself differs by exactly 0 in every resample: the same rows are drawn
    twin = score_survival(whas["y_train"], whas["y_test"],
                          {"a": whas["full"]["risk"], "b": whas["full"]["risk"]},
                          n_bootstrap=50)
    for value in twin["differences"]["a - b"].values():
        assert value == {"estimate": 0.0, "low": 0.0, "high": 0.0, "skipped": 0}


def test_follow_up_beyond_the_last_horizon_changes_no_time_dependent_score(whas):
    report = _score(whas, n_bootstrap=0)  # the same horizons and grid below, not the defaults
    y = whas["y_test"].copy()
    beyond = y["time"] > max(report["horizons"] + report["ibs_range"])
    y["time"][beyond] += 5000  # beyond the training follow-up: scikit-survival alone raises
    y["event"][beyond] = ~y["event"][beyond]
    with pytest.raises(ValueError):
        cumulative_dynamic_auc(whas["y_train"], y, whas["full"]["risk"], report["horizons"])
    moved = score_survival(whas["y_train"], y, whas["full"]["risk"], whas["full"]["survival"],
                           whas["full"]["times"], horizons=report["horizons"], n_bootstrap=0,
                           ibs_times=np.linspace(*report["ibs_range"], 100))
    before, after = _estimates(report, "full"), _estimates(moved, "model")
    for key in before:
        if key != "harrell_c":  # Harrell's C uses every row's follow-up
            assert after[key] == pytest.approx(before[key], abs=1e-12), key


def test_undefined_replicates_are_counted():
    rng = np.random.default_rng(0)
    y_train = Surv.from_arrays(rng.random(50) < 0.5, rng.uniform(0, 10, 50))
    time = np.r_[1.0, rng.uniform(2, 9, 11)]  # one event, the earliest time
    y_test = Surv.from_arrays(np.arange(12) == 0, time)
    report = score_survival(y_train, y_test, rng.normal(size=12), horizons=[1.5],
                            n_bootstrap=300, random_state=7)
    no_event = ~(np.random.default_rng(7).integers(0, 12, size=(300, 12)) == 0).any(axis=1)
    assert report["scores"]["model"]["harrell_c"]["skipped"] == no_event.sum() > 0
    assert any(f"harrell_c undefined in {no_event.sum()} of 300 resamples" in note
               for note in report["notes"])


def test_a_horizon_outside_the_follow_up_is_a_clear_error(whas):
    low, high = whas["y_test"]["time"].min(), whas["y_test"]["time"].max()
    for horizon in (low - 1, high, 1e6):
        with pytest.raises(ValueError, match=rf"outside the follow-up.*{low:g} <= t < {high:g}"):
            _score(whas, horizons=[horizon], n_bootstrap=0)
    with pytest.raises(ValueError, match="survival needs times"):
        score_survival(whas["y_train"], whas["y_test"], whas["full"]["risk"],
                       whas["full"]["survival"])
    with pytest.raises(ValueError, match="must have shape"):
        score_survival(whas["y_train"], whas["y_test"], whas["full"]["risk"],
                       whas["full"]["survival"][:, 1:], whas["full"]["times"])


def test_count_scores_are_scikit_learns_and_resample_like_them(monkeypatch):
    rng = np.random.default_rng(0)
    n = 60
    exposure = rng.uniform(0.5, 3, n)
    mu = np.exp(rng.normal(0, 0.5, n))
    y = rng.poisson(mu * exposure) / exposure  # rates, with exposures as weights
    other = np.full(n, np.average(y, weights=exposure))
    report = score_counts(y, {"model": mu, "mean": other}, exposure, n_bootstrap=100)
    got = _estimates(report, "model")
    assert got["poisson_deviance"] == pytest.approx(
        mean_poisson_deviance(y, mu, sample_weight=exposure))
    assert got["d2"] == pytest.approx(d2_tweedie_score(y, mu, sample_weight=exposure, power=1))
    assert got["mae"] == pytest.approx(mean_absolute_error(y, mu, sample_weight=exposure))
    assert _estimates(report, "mean")["d2"] == pytest.approx(0, abs=1e-12)
    difference = report["differences"]["model - mean"]
    assert difference["d2"]["estimate"] == pytest.approx(got["d2"])
    W = rng.multinomial(n, np.full(n, 1 / n), size=3).astype(np.float64)
    weighted = CountScores(y, mu, exposure).weighted(W)
    for b, counts in enumerate(W.astype(int)):
        rows = np.repeat(np.arange(n), counts)
        w = exposure[rows]
        assert weighted["poisson_deviance"][b] == pytest.approx(
            mean_poisson_deviance(y[rows], mu[rows], sample_weight=w))
        assert weighted["d2"][b] == pytest.approx(
            d2_tweedie_score(y[rows], mu[rows], sample_weight=w, power=1))
        assert weighted["mae"][b] == pytest.approx(
            mean_absolute_error(y[rows], mu[rows], sample_weight=w))
    assert score_counts(y, {"model": mu}, exposure, n_bootstrap=100)["scores"] == \
        score_counts(y, {"model": mu}, exposure, n_bootstrap=100)["scores"]


def test_count_scores_say_what_is_wrong():
    y = np.array([0.0, 1, 2, 3])
    with pytest.raises(ValueError, match="means > 0"):
        score_counts(y, {"model": np.array([1.0, 0, 1, 1])})
    with pytest.raises(ValueError, match=">= 0"):
        score_counts(-y, {"model": np.ones(4)})
    flat = score_counts(np.ones(4), {"model": np.ones(4)}, n_bootstrap=0)
    assert flat["scores"]["model"]["d2"]["estimate"] is None
    assert "model: d2 undefined: needs outcomes that vary" in flat["notes"]
    assert count_metrics.score_counts is score_counts


def test_an_mlpsurvivals_predictions_plug_in(whas):
    from nnfit import MLPSurvival
    X, y = load_whas500()
    X = X.select_dtypes("number").to_numpy(np.float64)
    test = np.arange(len(y)) % 3 == 0
    model = MLPSurvival(hidden_layer_sizes=(), ridge=0.0, optimizer="lbfgs", dtype="float64",
                        random_state=0).fit(X[~test], whas["y_train"])
    report = score_survival(whas["y_train"], whas["y_test"], model.predict(X[test]),
                            model.predict_survival_function(X[test], return_array=True),
                            model.unique_times_, n_bootstrap=50)
    assert report["scores"]["model"]["harrell_c"]["estimate"] == pytest.approx(
        model.score(X[test], whas["y_test"]))
    assert report["notes"] == [WHY_NO_INTERVAL] and len(report["calibration"]["model"]) == 10


def test_tied_predictions_share_a_risk_group():
    rng = np.random.default_rng(0)
    S_h = rng.random(40)
    assert (risk_groups(S_h, 4) == np.argsort(np.argsort(-S_h)) * 4 // 40).all()  # no ties
    tied = np.round(S_h, 1)  # about 10 distinct values of 40 rows
    group = risk_groups(tied, 4)
    for value in np.unique(tied):
        assert len(set(group[tied == value])) == 1, value
    assert (np.diff(group[np.argsort(-tied)]) >= 0).all()  # lowest risk first
    assert set(group) == set(range(group.max() + 1))  # no empty group
    jittered = tied + rng.uniform(-1e-7, 1e-7, 40)  # float32 rounding of the same prediction
    assert (risk_groups(jittered, 4) == group).all()
    assert (risk_groups(np.full(40, 0.7), 4) == 0).all()  # a constant prediction: one group
    assert (risk_groups(np.r_[np.full(30, 0.9), np.full(10, 0.2)], 4) == np.repeat([0, 1],
                                                                                   [30, 10])).all()
    chain = 0.999 - 5e-7 * np.arange(400)  # every gap under TIED, 2e-4 from first to last
    sizes = np.bincount(risk_groups(chain, 4))  # runs of 2 or 3 tie, never the whole chain
    assert len(sizes) == 4 and all(95 <= size <= 105 for size in sizes), sizes


def test_no_score_depends_on_the_order_of_the_rows(whas):
    """Permuted rows give every score, interval and table row alike, with tied predictions
    (rounded) and a constant one (Kaplan-Meier's), whose calibration error is 0: one group."""
    y = whas["y_test"]
    n = len(y)
    risk = np.round(whas["full"]["risk"], 1)
    times = whas["full"]["times"]
    survival = np.round(whas["full"]["survival"], 2)
    grid = np.unique(y["time"])
    km = SurvivalFunctionEstimator().fit(y).predict_proba(grid)
    reports = []
    for order in (np.arange(n), np.random.default_rng(5).permutation(n),
                  np.argsort(y["time"], kind="stable"), np.argsort(-risk, kind="stable")):
        reports.append(score_survival(
            whas["y_train"], y[order], {"model": risk[order], "Kaplan-Meier": np.zeros(n)},
            {"model": survival[order], "Kaplan-Meier": np.tile(km, (n, 1))},
            {"model": times, "Kaplan-Meier": grid}, groups=5, n_bootstrap=0))
    first = reports[0]
    assert len(first["calibration"]["Kaplan-Meier"]) == 1
    assert first["scores"]["Kaplan-Meier"]["calibration_error"]["estimate"] == \
        pytest.approx(0, abs=1e-12)
    for other in reports[1:]:
        for part in ("scores", "differences"):
            assert _values(other[part], "estimate") == pytest.approx(
                _values(first[part], "estimate"), abs=1e-12, nan_ok=True)
        for field in first["calibration"]["model"][0]:
            assert _values(other["calibration"], field) == pytest.approx(
                _values(first["calibration"], field), abs=1e-12, nan_ok=True)


def _values(parts, field):
    """One number (NaN for None) per model and score or calibration group."""
    rows = [row for part in parts.values()
            for row in (part if isinstance(part, list) else part.values())]
    return [np.nan if row[field] is None else row[field] for row in rows]


def test_one_event_time_leaves_uno_undefined_and_says_why():
    y = Surv.from_arrays([False, True], [57.64, 8.98])
    report = score_survival(y, y, np.array([-1.0, 1.0]), groups=2, n_bootstrap=0)
    assert report["horizons"] == [8.98] and report["scores"]["model"]["uno_c"]["estimate"] is None
    assert any("uno_c undefined: no row has an event before the last horizon 8.98" in note
               and "--at" in note for note in report["notes"])
    later = score_survival(y, y, np.array([-1.0, 1.0]), horizons=[20], groups=2,
                           n_bootstrap=0)
    assert later["scores"]["model"]["uno_c"]["estimate"] == 1.0


def test_the_follow_up_message_says_whose_rows(whas):
    y = whas["y_test"]
    with pytest.raises(ValueError, match="last time followed in these rows, whose own censoring"):
        score_survival(y, y, whas["full"]["risk"], horizons=[1e6], n_bootstrap=0)
    with pytest.raises(ValueError, match="both the training rows"):
        score_survival(whas["y_train"], y, whas["full"]["risk"], horizons=[1e6], n_bootstrap=0)
