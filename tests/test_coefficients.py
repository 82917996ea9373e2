"""``coefficients()`` of models without a hidden layer against the field's reference fits:
statsmodels' Logit, MNLogit, OLS and GLM(Poisson) (with frequency weights and with a log
exposure offset), lifelines' CoxPHFitter (Efron, with and without weights) and statsmodels'
PHReg (Breslow), on columns of very different scales; and the clear refusals.

"Equal" is a relative difference below 1e-5 of each number: a coefficient b and an interval
end against max(|b|, se_b) (so that a number near 0, whose relative error means nothing, is
measured in standard errors), a standard error against itself, a statistic z against
max(|z|, 1), a p-value on the log scale, |log p - log p_ref| / max(|log p_ref|, 1) (a tiny p's
relative error is z^2 times z's).
"""
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse

import nnfit

sm = pytest.importorskip("statsmodels.api")

LINEAR = dict(hidden_layer_sizes=(), ridge=0.0, optimizer="lbfgs", dtype="float64", epochs=2000,
              random_state=0)
TOL = 1e-5


def check(table, coef, se, stat=None, p=None, low=None, high=None):
    """Every column of ``table`` equals the reference's; the largest differences returned."""
    coef, se = np.asarray(coef, float), np.asarray(se, float)
    found = {"coef": np.max(np.abs(table["coef"] - coef) / np.maximum(np.abs(coef), se)),
             "se": np.max(np.abs(table["std err"] / se - 1))}
    if stat is not None:
        stat = np.asarray(stat, float)
        found["stat"] = np.max(np.abs(table.iloc[:, 2] - stat) / np.maximum(np.abs(stat), 1))
    if p is not None:
        log_p = np.log(np.maximum(np.asarray(p, float), 1e-300))
        ours = np.log(np.maximum(table.iloc[:, 3].to_numpy(), 1e-300))
        found["p"] = np.max(np.abs(ours - log_p) / np.maximum(np.abs(log_p), 1))
    for name, ref, column in (("low", low, 4), ("high", high, 5)):
        if ref is not None:
            ref = np.asarray(ref, float)
            found[name] = np.max(np.abs(table.iloc[:, column] - ref) / np.maximum(np.abs(ref), se))
    assert max(found.values()) < TOL, found
    return found


@pytest.fixture(autouse=True)
def no_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a converged float64 fit warns of nothing
        yield


def frame(n, seed):
    """Columns of very different scales: years, income, a tiny ratio, a 0/1 indicator."""
    rng = np.random.default_rng(seed)
    return rng, pd.DataFrame({"age": rng.normal(50, 12, n), "income": rng.lognormal(10, 0.7, n),
                              "ratio": rng.normal(0, 1e-3, n), "flag": rng.integers(0, 2, n) * 1.0})


def test_logistic_equals_statsmodels_logit_on_breast_cancer():
    from sklearn.datasets import load_breast_cancer
    data = load_breast_cancer(as_frame=True)
    X = data.frame[["mean radius", "mean texture", "mean smoothness", "mean area",
                    "worst concavity"]]
    y = data.target
    table = nnfit.MLPClassifier(**LINEAR).fit(X, y).coefficients(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # statsmodels' note on quasi-separation of 24% of rows
        ref = sm.Logit(y, sm.add_constant(X)).fit(disp=0, method="newton", tol=1e-12)
    assert list(table.columns) == ["coef", "std err", "z", "P>|z|", "[0.025", "0.975]"]
    assert list(table.index) == ["const", *X.columns]
    ci = ref.conf_int()
    check(table, ref.params, ref.bse, ref.tvalues, ref.pvalues, ci[0], ci[1])
    w = np.random.default_rng(0).integers(0, 4, len(y))  # frequency weights: rows repeated
    table = nnfit.MLPClassifier(**LINEAR).fit(X, y, sample_weight=w).coefficients(X, y, w)
    ref = sm.GLM(y, sm.add_constant(X), family=sm.families.Binomial(), freq_weights=w).fit(
        tol=1e-13)
    check(table, ref.params, ref.bse, ref.tvalues, ref.pvalues)


def test_least_squares_equals_ols_and_weights_are_repeated_rows():
    rng, X = frame(300, 1)
    y = 1000 + 0.05 * X.age + 3e-5 * X.income + 400 * X.ratio - 0.5 * X.flag + rng.normal(0, 2, 300)
    table = nnfit.MLPRegressor(**LINEAR).fit(X, y).coefficients(X, y, alpha=0.1)
    ref = sm.OLS(y, sm.add_constant(X)).fit()
    assert list(table.columns) == ["coef", "std err", "t", "P>|t|", "[0.05", "0.95]"]
    ci = ref.conf_int(0.1)
    check(table, ref.params, ref.bse, ref.tvalues, ref.pvalues, ci[0], ci[1])
    # frequency weights: the fit and its table are those of the rows repeated
    w = rng.integers(0, 4, 300)
    table = nnfit.MLPRegressor(**LINEAR).fit(X, y, sample_weight=w).coefficients(X, y, w)
    ref = sm.OLS(np.repeat(y.to_numpy(), w), sm.add_constant(X.loc[X.index.repeat(w)])).fit()
    ci = ref.conf_int()
    check(table, ref.params, ref.bse, ref.tvalues, ref.pvalues, ci[0], ci[1])
    glm = sm.GLM(y, sm.add_constant(X), freq_weights=w).fit()  # the same sigma^2 and df
    check(table, glm.params, glm.bse)


def test_poisson_equals_the_glm_with_frequency_weights_and_with_an_exposure_offset():
    rng, X = frame(400, 2)
    mu = np.exp(-1 + 0.02 * X.age + 2e-5 * X.income + 200 * X.ratio + 0.3 * X.flag)
    exposure = rng.uniform(0.2, 5.0, 400)
    counts = rng.poisson(mu * exposure).astype(float)
    Xc = sm.add_constant(X)
    Poisson = sm.families.Poisson()
    table = nnfit.MLPRegressor(loss="poisson", **LINEAR).fit(X, counts).coefficients(X, counts)
    ref = sm.GLM(counts, Xc, family=Poisson).fit(tol=1e-13)
    ci = ref.conf_int()
    check(table, ref.params, ref.bse, ref.tvalues, ref.pvalues, ci[0], ci[1])
    w = rng.integers(1, 4, 400).astype(float)
    table = nnfit.MLPRegressor(loss="poisson", **LINEAR).fit(X, counts, sample_weight=w) \
        .coefficients(X, counts, sample_weight=w)
    ref = sm.GLM(counts, Xc, family=Poisson, freq_weights=w).fit(tol=1e-13)
    check(table, ref.params, ref.bse, ref.tvalues, ref.pvalues)
    # y = count / exposure with sample_weight = exposure is the GLM of the counts with offset
    # log(exposure): the same likelihood up to a constant, so the same score and information
    rate = counts / exposure
    table = nnfit.MLPRegressor(loss="poisson", **LINEAR).fit(X, rate, sample_weight=exposure) \
        .coefficients(X, rate, sample_weight=exposure)
    ref = sm.GLM(counts, Xc, family=Poisson, offset=np.log(exposure)).fit(tol=1e-13)
    ci = ref.conf_int()
    check(table, ref.params, ref.bse, ref.tvalues, ref.pvalues, ci[0], ci[1])
    rates = sm.GLM(rate, Xc, family=Poisson, freq_weights=exposure).fit(tol=1e-13)
    check(table, rates.params, rates.bse)  # the rate GLM with weights: the same model


def test_multinomial_equals_mnlogit_against_the_first_class():
    rng, X = frame(500, 3)
    Z = np.column_stack([np.zeros(500), -2 + 0.04 * X.age + 3e-5 * X.income - 0.5 * X.flag,
                         1 - 0.02 * X.age + 500 * X.ratio])
    P = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    k = (rng.random(500)[:, None] > P.cumsum(axis=1)).sum(axis=1)
    labels = np.array(["none", "mild", "severe"])[k]  # sorted: "mild" is the first class
    model = nnfit.MLPClassifier(**LINEAR).fit(X, labels)
    table = model.coefficients(X, labels)
    codes = np.searchsorted(model.classes_, labels)
    ref = sm.MNLogit(codes, sm.add_constant(X)).fit(disp=0, method="newton", tol=1e-14)
    assert table.index.names == ["class", "term"]
    assert list(table.index) == [(c, t) for c in ("none", "severe") for t in ["const", *X.columns]]
    ci = ref.conf_int()
    check(table, ref.params.T.stack(), ref.bse.T.stack(), ref.tvalues.T.stack(),
          ref.pvalues.T.stack(), ci["lower"], ci["upper"])


@pytest.fixture(scope="module")
def veterans():
    pytest.importorskip("sksurv")
    from sksurv.datasets import load_veterans_lung_cancer
    X, y = load_veterans_lung_cancer()
    return pd.get_dummies(X, drop_first=True, dtype=float), y


@pytest.mark.parametrize("weighted", [False, True])
def test_linear_cox_equals_lifelines_summary(veterans, weighted):
    lifelines = pytest.importorskip("lifelines")
    X, y = veterans
    w = np.random.default_rng(4).integers(1, 4, len(X)).astype(float) if weighted else None
    table = X.assign(time=y["Survival_in_days"], event=y["Status"].astype(int))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # lifelines' advice on weights and robust errors
        ref = lifelines.CoxPHFitter().fit(
            table.assign(w=1.0 if w is None else w), "time", "event", weights_col="w",
            fit_options={"precision": 1e-10}).summary  # its default precision stops 5e-5 short
    ours = nnfit.MLPSurvival(**LINEAR).fit(X, y, sample_weight=w).coefficients(X, y, w)
    assert list(ours.index) == list(X.columns)  # no intercept: the output bias cancels
    check(ours, ref["coef"], ref["se(coef)"], ref["z"], ref["p"], ref["coef lower 95%"],
          ref["coef upper 95%"])


def test_linear_cox_with_breslow_ties_equals_statsmodels_phreg(veterans):
    X, y = veterans
    ref = sm.PHReg(y["Survival_in_days"], X, status=y["Status"].astype(int),
                   ties="breslow").fit()
    ours = nnfit.MLPSurvival(**LINEAR, ties="breslow").fit(X, y).coefficients(X, y)
    check(ours, ref.params, ref.bse, ref.tvalues, ref.pvalues)


def test_the_table_does_not_depend_on_the_input_form():
    rng, X = frame(200, 5)
    y = (rng.random(200) < 1 / (1 + np.exp(-(X.age - 50) / 10))).astype(int)
    table = nnfit.MLPClassifier(**LINEAR).fit(X, y).coefficients(X, y)
    A = X.to_numpy()
    plain = nnfit.MLPClassifier(**LINEAR).fit(A, y).coefficients(A, y)
    assert list(plain.index) == ["const", "x0", "x1", "x2", "x3"]
    S = scipy.sparse.csr_matrix(A)
    sparse = nnfit.MLPClassifier(**LINEAR).fit(S, y).coefficients(S, y)  # scaled, not centred
    for other in (plain, sparse):
        check(other, table["coef"], table["std err"], table["z"])
    # unstandardized inputs of similar scales (see the warning test for very different ones)
    B = A[:, [0, 3]] / [10, 1]
    scaled = nnfit.MLPClassifier(**LINEAR).fit(B, y).coefficients(B, y)
    unscaled = nnfit.MLPClassifier(**LINEAR, standardize=False).fit(B, y).coefficients(B, y)
    check(unscaled, scaled["coef"], scaled["std err"], scaled["z"])


def test_a_saved_model_gives_the_same_table(tmp_path):
    rng, X = frame(150, 6)
    y = X.age * 0.1 + rng.normal(size=150)
    model = nnfit.MLPRegressor(**LINEAR).fit(X, y)
    model.save(tmp_path / "m.nnfit")
    pd.testing.assert_frame_equal(nnfit.load(tmp_path / "m.nnfit").coefficients(X, y),
                                  model.coefficients(X, y))


def test_what_has_no_standard_errors_is_refused_with_the_reason():
    rng = np.random.default_rng(7)
    X = pd.DataFrame({"a": rng.normal(size=200), "b": rng.normal(size=200)})
    y = (rng.random(200) < 0.5).astype(int)
    refusals = [
        (nnfit.MLPClassifier((3,), ridge=0, random_state=0), "hidden_layer_sizes=()"),
        (nnfit.MLPClassifier((), random_state=0), "ridge=0.002"),
        (nnfit.MLPClassifier(**{**LINEAR, "lasso": 1e-3}), "lasso=0.001"),
        (nnfit.MLPClassifier(**LINEAR, class_weight="balanced"), "class_weight=None"),
    ]
    for model, says in refusals:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(X, y)
        with pytest.raises(ValueError, match=f"(?s)coefficients.*{says}"):
            model.coefficients(X, y)
    two = np.column_stack([X.a, X.b])
    with pytest.raises(ValueError, match="2 outputs: fit one model per column"):
        nnfit.MLPRegressor(**LINEAR).fit(X, two).coefficients(X, two)
    model = nnfit.MLPClassifier(**LINEAR).fit(X, y)
    with pytest.raises(ValueError, match="alpha=1.5 is invalid"):
        model.coefficients(X, y, alpha=1.5)
    with pytest.raises(ValueError, match="X has 100 rows but y has 200"):
        model.coefficients(X[:100], y)


def test_separation_collinearity_and_constant_columns_are_named():
    rng = np.random.default_rng(8)
    X = pd.DataFrame({"a": rng.normal(size=200), "b": rng.normal(size=200),
                      "group": (rng.random(200) < 0.15) * 1.0})
    y = np.where(X.group == 1, 1, rng.random(200) < 0.5).astype(int)  # quasi-complete
    cases = [
        (nnfit.MLPClassifier, X, y, "separated.*: 'group'"),
        (nnfit.MLPClassifier, X[["a", "b"]], (X.a > 0).astype(int), "separated.*: 'a'\\."),
        (nnfit.MLPRegressor, X, np.where(X.group == 1, 0.0, rng.poisson(2.0, 200)),
         "counts are 0.*: 'group'"),
        (nnfit.MLPClassifier, X.assign(c=2 * X.a - X.b), rng.integers(0, 2, 200),
         "singular .* along 'c', 'a', 'b'.* collinear"),
        (nnfit.MLPRegressor, X.assign(one=3.0), X.a + rng.normal(size=200),
         "no information on 'one'"),
    ]
    for Model, data, target, says in cases:
        kw = {"loss": "poisson"} if "counts" in says else {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = Model(**LINEAR, **kw).fit(data, target)
        with pytest.raises(ValueError, match=says):
            model.coefficients(data, target)


def test_a_monotone_partial_likelihood_is_refused(veterans):
    X, y = veterans
    X = X.assign(group=(np.arange(len(X)) % 5 == 0) * 1.0)
    event = y["Status"] & (X.group.to_numpy() == 0)  # the group never has an event
    from sksurv.util import Surv
    y = Surv.from_arrays(event, y["Survival_in_days"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = nnfit.MLPSurvival(**LINEAR).fit(X, y)
    with pytest.raises(ValueError, match="partial likelihood is monotone.*: 'group'"):
        model.coefficients(X, y)


def test_a_fit_that_is_not_the_mle_on_the_rows_given_is_warned_about_or_refused():
    """Up to 1e-3 standard errors from the MLE: a table; to 1: a table with a warning; beyond
    (other rows, a float32 minibatch fit): refused, naming the cause and the cure."""
    rng = np.random.default_rng(9)
    X = rng.normal(size=(300, 2))
    y = (rng.random(300) < 1 / (1 + np.exp(-X[:, 0]))).astype(int)
    model = nnfit.MLPClassifier(**LINEAR).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.coefficients(X, y)
        nnfit.MLPClassifier(**{**LINEAR, "dtype": "float32"}).fit(X, y).coefficients(X, y)
    with pytest.raises(ValueError, match=r"not the maximum-likelihood .*'x1' by 1\.2 standard "
                                         r"errors.*not the rows and weights it was fitted on"):
        model.coefficients(X[:200], y[:200])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the fit's own ConvergenceWarning
        adam = nnfit.MLPClassifier(**{**LINEAR, "dtype": "float32", "optimizer": "adam",
                                      "epochs": 30}).fit(X, y)
    with pytest.raises(ValueError, match="has not converged .*float32.*dtype='float64'"):
        adam.coefficients(X, y)
    # columns from 1e-3 to 1e4 without standardization: L-BFGS stops half a standard error short
    rng, X = frame(200, 5)
    y = (rng.random(200) < 1 / (1 + np.exp(-(X.age - 50) / 10))).astype(int)
    model = nnfit.MLPClassifier(**LINEAR, standardize=False).fit(X, y)
    with pytest.warns(UserWarning, match="not exactly .* would move 'ratio' by .* standard errors"
                                         ".* approximate"):
        table = model.coefficients(X, y)
    assert np.isfinite(table.to_numpy()).all()


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_cox_score_residuals_are_the_derivatives_of_the_weighted_score(ties):
    """information.cox_row_scores = dU/dw_j of engine.cox's weighted score, by central
    differences, with tied times and weights; sum_j w_j dU/dw_j = U (U is homogeneous in w)."""
    from nnfit.backends.numpy_backend import default_backend
    from nnfit.engine.cox import CoxPartialLikelihood
    from nnfit.estimators.information import cox_row_scores
    rng = np.random.default_rng(0)
    n = 120
    X = rng.normal(size=(n, 2))
    time = np.maximum(np.round(rng.exponential(np.exp(-X @ [0.5, -0.3])) * 5), 1)
    Y = np.column_stack([time, (rng.random(n) < 0.7) * 1.0])
    w, gamma = rng.uniform(0.5, 2, n), np.array([0.4, -0.2])
    loss = CoxPartialLikelihood(default_backend, ties=ties)

    def score(weights):
        return -n * (X.T @ loss((X @ gamma)[:, None], Y, weights)[1][:, 0])

    steps = 1e-6 * np.eye(n)
    numeric = np.array([(score(w + h) - score(w - h)) / 2e-6 for h in steps])
    residuals = cox_row_scores(X, Y, w, gamma, ties)
    np.testing.assert_allclose(residuals, numeric, atol=1e-7 * np.abs(numeric).max())
    np.testing.assert_allclose((w[:, None] * residuals).sum(axis=0), score(w), atol=1e-10)


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_cox_rows_of_weight_zero_are_left_out(ties):
    """A row of weight 0 is the row left out, also as the latest event (a risk set of total
    weight 0 gave NaN) and as a tied event (Efron's count): the same fit, baseline and table."""
    Surv = pytest.importorskip("sksurv.util").Surv
    rng = np.random.default_rng(9)
    n = 120
    x = rng.normal(size=(n, 1))
    time = np.ceil(rng.exponential(np.exp(-0.5 * x[:, 0])) * 4)  # tied times
    event = rng.random(n) < 0.7
    latest = np.argmax(time)
    event[latest] = True
    w = rng.uniform(0.5, 2, n)
    w[latest] = w[np.flatnonzero(event & (time == time[np.argmin(time)]))[0]] = 0.0
    y = Surv.from_arrays(event, time)
    params = {**LINEAR, "ties": ties, "validation_fraction": 0.0, "early_stopping": False}
    model = nnfit.MLPSurvival(**params).fit(x, y, sample_weight=w)
    kept = w > 0
    alone = nnfit.MLPSurvival(**params).fit(x[kept], y[kept], sample_weight=w[kept])
    np.testing.assert_array_equal(model.coefs_[0], alone.coefs_[0])
    np.testing.assert_array_equal(model.cum_baseline_hazard_, alone.cum_baseline_hazard_)
    for robust in (False, True):
        pd.testing.assert_frame_equal(model.coefficients(x, y, w, robust=robust),
                                      alone.coefficients(x[kept], y[kept], w[kept],
                                                         robust=robust))


def test_cox_held_out_rows_are_positions_of_the_rows_given_when_weights_are_zero():
    Surv = pytest.importorskip("sksurv.util").Surv
    rng = np.random.default_rng(3)
    n = 200
    x = rng.normal(size=(n, 1))
    y = Surv.from_arrays(rng.random(n) < 0.7, rng.exponential(1, n))
    w = np.where(np.arange(n) < 50, 0.0, 1.0)  # the first 50 rows left out
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 3 epochs: not converged, said
        model = nnfit.MLPSurvival((), epochs=3, validation_fraction=0.2, early_stopping=True,
                                  random_state=0).fit(x, y, sample_weight=w)
    held = model.validation_indices_
    assert len(held) == 30 and held.min() >= 50  # 20 % of the 150 rows kept, as positions in x
