"""MLPSurvival and MLPRegressor(loss="poisson") against the field's reference fits: linear Cox
equals lifelines' CoxPHFitter (Efron) and scikit-survival's CoxPHSurvivalAnalysis (Breslow);
Poisson regression with an exposure equals statsmodels' GLM with a log offset; the estimator
works inside scikit-survival's and scikit-learn's model selection; bad input is named."""
import warnings

import numpy as np
import pandas as pd
import pytest

sksurv = pytest.importorskip("sksurv")
from sksurv.datasets import load_veterans_lung_cancer  # noqa: E402
from sksurv.linear_model import CoxPHSurvivalAnalysis  # noqa: E402
from sksurv.util import Surv  # noqa: E402

import nnfit  # noqa: E402

LINEAR = dict(hidden_layer_sizes=(), ridge=0.0, optimizer="lbfgs", dtype="float64", epochs=2000)


@pytest.fixture(scope="module")
def veterans():
    """scikit-survival's Veterans' lung cancer trial: 137 rows, tied times, 9 censored."""
    X, y = load_veterans_lung_cancer()
    X = pd.get_dummies(X, drop_first=True, dtype=float)
    return X, y


def centred(r):
    return r - r.mean()


def relative(a, b):
    return np.max(np.abs(a - b)) / np.max(np.abs(b))


def test_linear_cox_with_efron_ties_equals_lifelines(veterans):
    lifelines = pytest.importorskip("lifelines")
    X, y = veterans
    table = X.assign(time=y["Survival_in_days"], event=y["Status"].astype(int))
    # lifelines' default precision (1e-7 on the Newton step) leaves its risk scores 5e-5 from
    # the optimum; ours then agree to 9e-9
    reference = lifelines.CoxPHFitter().fit(table, "time", "event", fit_options={"precision": 1e-10})
    model = nnfit.MLPSurvival(**LINEAR, ties="efron").fit(X, y)
    risk = model.predict(X)
    assert relative(centred(risk), centred(reference.predict_log_partial_hazard(X).to_numpy())) < 1e-5
    S = reference.predict_survival_function(X, times=model.unique_times_).to_numpy().T
    assert np.abs(model.predict_survival_function(X, return_array=True) - S).max() < 1e-5


def test_linear_cox_with_breslow_ties_equals_scikit_survival(veterans):
    X, y = veterans
    reference = CoxPHSurvivalAnalysis(ties="breslow").fit(X, y)
    model = nnfit.MLPSurvival(**LINEAR, ties="breslow").fit(X, y)
    assert relative(centred(model.predict(X)), centred(reference.predict(X))) < 1e-5
    np.testing.assert_array_equal(model.unique_times_, reference.unique_times_)
    for method in ("predict_survival_function", "predict_cumulative_hazard_function"):
        ours = getattr(model, method)(X, return_array=True)
        theirs = getattr(reference, method)(X, return_array=True)
        assert np.abs(ours - theirs).max() < 1e-5 * max(1.0, np.abs(theirs).max())
    # the step functions are scikit-survival's own, evaluated the same way
    ours, theirs = model.predict_survival_function(X[:3]), reference.predict_survival_function(X[:3])
    at = np.array([10.0, 100.0, 500.0])
    np.testing.assert_allclose([f(at) for f in ours], [f(at) for f in theirs], atol=1e-5)
    assert model.score(X, y) == pytest.approx(reference.score(X, y), abs=1e-12)


def test_poisson_with_exposure_equals_the_glm_with_a_log_offset():
    sm = pytest.importorskip("statsmodels.api")
    rng = np.random.default_rng(0)
    n = 600
    X = rng.normal(size=(n, 4))
    exposure = rng.uniform(0.2, 5.0, n)
    counts = rng.poisson(exposure * np.exp(0.3 + X @ np.array([0.5, -0.4, 0.2, 0.0]))).astype(float)
    glm = sm.GLM(counts, sm.add_constant(X), family=sm.families.Poisson(),
                 offset=np.log(exposure)).fit(tol=1e-13)
    model = nnfit.MLPRegressor(loss="poisson", **LINEAR).fit(X, counts / exposure,
                                                             sample_weight=exposure)
    assert relative(model.predict(X) * exposure, glm.mu) < 1e-6
    # the weights are what makes it the offset model: without them the fit differs
    unweighted = nnfit.MLPRegressor(loss="poisson", **LINEAR).fit(X, counts / exposure)
    assert relative(unweighted.predict(X) * exposure, glm.mu) > 1e-3


def test_a_poisson_network_beats_the_glm_on_a_nonlinear_rate():
    from sklearn.linear_model import PoissonRegressor
    from sklearn.metrics import mean_poisson_deviance
    rng = np.random.default_rng(1)
    X = rng.uniform(-2, 2, size=(3000, 2))
    y = rng.poisson(np.exp(1 + np.sin(2 * X[:, 0]) * X[:, 1])).astype(float)
    model = nnfit.MLPRegressor((32,), loss="poisson", epochs=60, random_state=0).fit(X[:2000], y[:2000])
    glm = PoissonRegressor(alpha=0).fit(X[:2000], y[:2000])
    ours = mean_poisson_deviance(y[2000:], model.predict(X[2000:]))
    assert ours < 0.8 * mean_poisson_deviance(y[2000:], glm.predict(X[2000:]))
    assert model.score(X[2000:], y[2000:]) == pytest.approx(
        1 - ours / mean_poisson_deviance(y[2000:], np.full(1000, y[2000:].mean())), rel=1e-6)


def test_the_network_beats_linear_cox_on_a_nonlinear_hazard():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(1500, 3))
    eta = 1.5 * np.abs(X[:, 0]) - X[:, 1] ** 2
    time = rng.exponential(np.exp(-eta))
    censor = rng.exponential(2.0, 1500)
    y = Surv.from_arrays(time <= censor, np.minimum(time, censor))
    model = nnfit.MLPSurvival((16,), random_state=0, epochs=60).fit(X[:1000], y[:1000])
    linear = nnfit.MLPSurvival(**LINEAR).fit(X[:1000], y[:1000])
    assert model.score(X[1000:], y[1000:]) > linear.score(X[1000:], y[1000:]) + 0.1


def test_float32_keeps_every_tie_and_order_of_the_times(veterans):
    """Times that float32 could not tell apart are passed as ranks, so the fit is the same."""
    X, y = veterans
    shifted = Surv.from_arrays(y["Status"], y["Survival_in_days"] + 1e9)
    a = nnfit.MLPSurvival((4,), epochs=5, random_state=0).fit(X, y)
    b = nnfit.MLPSurvival((4,), epochs=5, random_state=0).fit(X, shifted)
    np.testing.assert_array_equal(a.predict(X), b.predict(X))


def test_scikit_survival_and_scikit_learn_model_selection_run_on_it(veterans):
    from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
    from sksurv.metrics import as_integrated_brier_score_scorer
    X, y = veterans
    model = nnfit.MLPSurvival((8,), epochs=20, random_state=0)
    folds = KFold(3, shuffle=True, random_state=0)
    scores = cross_val_score(model, X, y, cv=folds)
    assert scores.shape == (3,) and np.all((scores > 0.4) & (scores < 1))
    search = GridSearchCV(model, {"ridge": [1e-3, 1e-1]}, cv=folds).fit(X, y)
    assert search.best_params_["ridge"] in (1e-3, 1e-1)
    times = np.percentile(y["Survival_in_days"], [20, 40, 60])
    scorer = as_integrated_brier_score_scorer(nnfit.MLPSurvival((8,), epochs=20, random_state=0),
                                              times)
    # the Brier score's censoring distribution comes from the training rows, so each training
    # part keeps the longest follow-up
    last = int(np.argmax(y["Survival_in_days"]))
    others = np.delete(np.arange(len(y)), last)
    splits = [(np.append(others[a], last), others[b]) for a, b in folds.split(others)]
    ibs = cross_val_score(scorer, X, y, cv=splits)
    assert np.all((ibs < 0) & (ibs > -0.5))  # scikit-learn's sign: higher is better


def test_the_model_file_keeps_the_baseline_hazard(veterans, tmp_path):
    X, y = veterans
    model = nnfit.MLPSurvival((6,), epochs=10, random_state=0).fit(X, y)
    path = model.save(tmp_path / "cox.nnfit")
    loaded = nnfit.load(path)
    assert isinstance(loaded, nnfit.MLPSurvival)
    np.testing.assert_array_equal(loaded.predict_survival_function(X, return_array=True),
                                  model.predict_survival_function(X, return_array=True))
    np.testing.assert_array_equal(loaded.unique_times_, model.unique_times_)
    poisson = nnfit.MLPRegressor((4,), loss="poisson", epochs=5, random_state=0).fit(
        X, y["Survival_in_days"])
    loaded = nnfit.load(poisson.save(tmp_path / "poisson.nnfit"))
    assert loaded.loss == "poisson"
    np.testing.assert_array_equal(loaded.predict(X), poisson.predict(X))


def test_a_tampered_baseline_hazard_is_refused(veterans, tmp_path):
    import zipfile
    X, y = veterans
    path = nnfit.MLPSurvival((3,), epochs=3, random_state=0).fit(X, y).save(tmp_path / "m.nnfit")
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    del members["unique_times.npy"]
    with zipfile.ZipFile(tmp_path / "cut.nnfit", "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    with pytest.raises(ValueError, match="unique_times"):
        nnfit.load(tmp_path / "cut.nnfit")


def test_weights_are_repeats(veterans):
    X, y = veterans
    X, y = X.to_numpy()[:60], y[:60]
    w = np.tile([1.0, 2.0, 3.0], 20)
    rows = np.repeat(np.arange(60), w.astype(int))
    kwargs = dict(LINEAR, ties="breslow")
    weighted = nnfit.MLPSurvival(**kwargs).fit(X, y, sample_weight=w)
    repeated = nnfit.MLPSurvival(**kwargs).fit(X[rows], y[rows])
    assert relative(centred(weighted.predict(X)), centred(repeated.predict(X))) < 1e-5
    np.testing.assert_allclose(weighted.predict_survival_function(X, return_array=True),
                               repeated.predict_survival_function(X, return_array=True), atol=1e-6)


@pytest.mark.parametrize("event,time,message", [
    ([1, 0, 1, 1], [5.0, -1.0, 3.0, 2.0], "negative in row 1"),
    ([1, 0, 1, 1], [5.0, np.nan, 3.0, np.nan], "missing in rows 1, 3"),
    ([1, 2, 1, 1], [5.0, 4.0, 3.0, 2.0], "boolean or 0/1.*row 1"),
    ([0, 0, 0, 0], [5.0, 4.0, 3.0, 2.0], "no row of y has an event"),
    ([1, 0, 1, 1], [5.0, np.inf, 3.0, 2.0], "infinite in row 1"),
])
def test_bad_survival_outcomes_are_named(event, time, message):
    y = np.array(list(zip(event, time)), dtype=[("event", "f8"), ("time", "f8")])
    with pytest.raises(ValueError, match=message):
        nnfit.MLPSurvival((2,), epochs=1).fit(np.ones((4, 2)), y)


def test_a_plain_array_as_y_says_how_to_make_one():
    with pytest.raises(ValueError, match="Surv.from_arrays"):
        nnfit.MLPSurvival().fit(np.ones((4, 2)), np.ones(4))


@pytest.mark.parametrize("y,message", [([1.0, -2.0, 3.0, 0.0], "row\\(s\\) \\[1\\]"),
                                       ([0.0, 0.0, 0.0, 0.0], "some y > 0")])
def test_bad_counts_are_named(y, message):
    with pytest.raises(ValueError, match=message):
        nnfit.MLPRegressor((2,), loss="poisson", epochs=1).fit(np.ones((4, 2)), y)


def test_unknown_loss_and_ties_are_refused():
    with pytest.raises(ValueError, match="loss must be one of"):
        nnfit.MLPRegressor(loss="gamma").fit(np.ones((4, 2)), np.ones(4))
    y = Surv.from_arrays([True, False, True], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="ties must be"):
        nnfit.MLPSurvival(ties="exact").fit(np.ones((3, 2)), y)


def test_early_stopping_watches_the_validation_partial_likelihood(veterans):
    X, y = veterans
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = nnfit.MLPSurvival((8,), early_stopping=True, patience=3, random_state=0,
                                  learning_rate=0.01).fit(X, y)
    assert len(model.validation_indices_) == 14
    assert model.best_epoch_ < model.n_iter_ <= 200
    losses = model.history_["val_loss"]
    assert np.argmin(losses) + 1 == model.best_epoch_
    assert 0 <= np.nanmin(model.history_["val_score"]) <= 1


def test_the_torch_backend_fits_the_same_cox_model(veterans):
    pytest.importorskip("torch")
    X, y = veterans
    kwargs = dict(hidden_layer_sizes=(5,), dtype="float64", epochs=5, random_state=0)
    ours = nnfit.MLPSurvival(**kwargs).fit(X, y)
    from nnfit.backends.torch_backend import TorchBackend
    same_draws = TorchBackend("cpu", host_random=True)  # the NumPy generator's permutations
    theirs = nnfit.MLPSurvival(device=same_draws, **kwargs).fit(X, y)
    # the output bias has a zero gradient (a constant cancels in the partial likelihood), so
    # rounding moves it by ~1e-10 in different ways: the scores agree up to that constant
    np.testing.assert_allclose(centred(theirs.predict(X)), centred(ours.predict(X)), atol=1e-9)
