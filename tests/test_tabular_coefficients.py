"""``coefficients()`` of the table models (``nnfit.tabular.coefficients``): the network's one-hot
parameters mapped to reference coding, the numeric columns in their own units, equal to
statsmodels' formula interface (Logit on ISLR's Default, OLS on Hitters, a Poisson GLM on
Bikeshare) and lifelines' Cox model, row names and order included; what the rows given must be;
and ``nnfit fit --hidden none --ridge 0`` printing the same table."""
import json
import warnings

import numpy as np
import pandas as pd
import pytest

import nnfit
from nnfit import (MLPClassifier, MLPRegressor, MLPSurvival, TabularClassifier,
                   TabularRegressor, TabularSurvival)
from nnfit.cli import main
from nnfit.datasets import load_bikeshare, load_brain_cancer, load_default, load_hitters

smf = pytest.importorskip("statsmodels.formula.api")
sm = pytest.importorskip("statsmodels.api")

EXACT = dict(hidden_layer_sizes=(), ridge=0.0, optimizer="lbfgs", dtype="float64",
             validation_fraction=0.0, epochs=2000, random_state=0)
TOL = 1e-5


def check(table, reference):
    """Rows, columns and numbers of ``table`` against a statsmodels result; the largest
    relative differences of coef (to max(|coef|, se)), std err, statistic, the log p-value and
    the interval's ends."""
    assert list(table.index) == list(reference.params.index)
    se, coef = reference.bse.to_numpy(), reference.params.to_numpy()
    scale = np.maximum(np.abs(coef), se)
    low, high = reference.conf_int().to_numpy().T
    found = {"coef": np.max(np.abs(table["coef"] - coef) / scale),
             "coef (plain relative)": np.max(np.abs(table["coef"] / coef - 1)),
             "se": np.max(np.abs(table["std err"] / se - 1)),
             "stat": np.max(np.abs(table.iloc[:, 2] - reference.tvalues) /
                            np.maximum(np.abs(reference.tvalues), 1)),
             "log p": np.max(np.abs(log(table.iloc[:, 3]) - log(reference.pvalues)) /
                             np.maximum(np.abs(log(reference.pvalues)), 1)),
             "interval": max(np.max(np.abs(table.iloc[:, 4] - low) / scale),
                             np.max(np.abs(table.iloc[:, 5] - high) / scale))}
    assert max(found.values()) < TOL, found
    print({name: f"{value:.1e}" for name, value in found.items()})
    return found


def log(p):
    """log p, 0 (below the doubles) as 1e-300."""
    return np.log(np.maximum(np.asarray(p, float), 1e-300))


@pytest.fixture(autouse=True)
def no_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a converged float64 fit on all rows warns of nothing
        yield


@pytest.fixture(scope="module")
def default():
    frame = load_default().frame
    return frame.drop(columns="default"), frame["default"]


def test_logistic_on_default_equals_statsmodels_logit(default):
    X, y = default
    model = TabularClassifier(MLPClassifier(**EXACT)).fit(X, y)
    table = model.coefficients(X, y)
    reference = smf.logit("default ~ student + balance + income",
                          X.assign(default=(y == "Yes") * 1.0)).fit(disp=0, tol=1e-12)
    assert list(table.columns) == ["coef", "std err", "z", "P>|z|", "[0.025", "0.975]"]
    check(table, reference)  # Intercept, student[T.Yes], balance, income


def test_least_squares_with_categories_equals_statsmodels_ols():
    frame = load_hitters().frame.dropna()
    columns = ["Hits", "League", "Years", "Division", "Walks", "NewLeague"]
    X, y = frame[columns], frame["Salary"]
    model = TabularRegressor(MLPRegressor(**EXACT)).fit(X, y)
    table = model.coefficients(X, y)
    reference = smf.ols("Salary ~ " + " + ".join(columns), frame).fit()
    assert list(table.index) == ["Intercept", "League[T.N]", "Division[T.W]",
                                 "NewLeague[T.N]", "Hits", "Years", "Walks"]
    assert list(table.columns) == ["coef", "std err", "t", "P>|t|", "[0.025", "0.975]"]
    check(table, reference)


def test_poisson_on_bikeshare_equals_statsmodels_glm():
    """(Without the one hour of heavy rain: a category of one row has a score of 1/8645 of the
    objective's, and float64 L-BFGS leaves its coefficient 4e-5 of its standard error short.)"""
    frame = load_bikeshare().frame
    frame = frame[frame["weathersit"] != "heavy rain/snow"]
    columns = ["mnth", "workingday", "weathersit", "temp", "hum"]
    X, y = frame[columns], frame["bikers"]
    model = TabularRegressor(MLPRegressor(loss="poisson", **EXACT)).fit(X, y)
    table = model.coefficients(X, y)
    reference = smf.glm("bikers ~ " + " + ".join(columns), frame,
                        family=sm.families.Poisson()).fit(tol=1e-12)
    assert table.index[1] == "mnth[T.Aug]" and "weathersit[T.clear]" not in table.index
    check(table, reference)  # April and clear weather are the references (first as text)


def test_weights_and_exposures_as_statsmodels_takes_them():
    """Poisson rates with exposures: the weights of the fit are the GLM's exposure offset."""
    frame = load_bikeshare().frame.iloc[:2000]
    rng = np.random.default_rng(0)
    exposure = rng.uniform(0.5, 2.0, len(frame))
    X, rate = frame[["weathersit", "temp"]], frame["bikers"] / exposure
    model = TabularRegressor(MLPRegressor(loss="poisson", **EXACT)).fit(X, rate, exposure)
    table = model.coefficients(X, rate, exposure)
    reference = smf.glm("bikers ~ weathersit + temp", frame, family=sm.families.Poisson(),
                        exposure=exposure).fit(tol=1e-12)
    check(table, reference)


def test_multinomial_with_a_category_equals_mnlogit_and_a_saved_model_gives_the_same(tmp_path):
    rng = np.random.default_rng(1)
    n = 1500
    X = pd.DataFrame({"age": rng.normal(50, 12, n), "site": rng.choice(["b", "a", "c"], n)})
    eta = np.column_stack([np.zeros(n), 0.04 * (X["age"] - 50) + (X["site"] == "b"),
                           -0.03 * (X["age"] - 50) - (X["site"] == "c")])
    p = np.exp(eta) / np.exp(eta).sum(axis=1, keepdims=True)
    y = pd.Series(np.array(["mild", "none", "severe"])[(rng.random(n)[:, None] >
                                                          p.cumsum(axis=1)).sum(axis=1)])
    model = TabularClassifier(MLPClassifier(**EXACT)).fit(X, y)
    table = model.coefficients(X, y)
    reference = smf.mnlogit("k ~ site + age", X.assign(k=pd.Categorical(y).codes)).fit(
        disp=0, method="newton", tol=1e-12)
    assert list(table.index) == [(c, t) for c in ("none", "severe")
                                 for t in ["Intercept", "site[T.b]", "site[T.c]", "age"]]
    np.testing.assert_allclose(table["coef"], reference.params.T.stack(), rtol=TOL)
    np.testing.assert_allclose(table["std err"], reference.bse.T.stack(), rtol=TOL)
    model.save(tmp_path / "m.nnfit")
    saved = nnfit.load(tmp_path / "m.nnfit").coefficients(X, y)
    np.testing.assert_array_equal(saved.to_numpy(), table.to_numpy())


def test_linear_cox_with_categories_equals_lifelines():
    lifelines = pytest.importorskip("lifelines")
    sksurv = pytest.importorskip("sksurv.datasets")
    X, y = sksurv.load_veterans_lung_cancer()
    model = TabularSurvival(MLPSurvival(**EXACT)).fit(X, y)
    table = model.coefficients(X, y)
    dummies = pd.get_dummies(X, drop_first=True, dtype=float)  # the first category: reference
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = lifelines.CoxPHFitter().fit(
            dummies.assign(time=y["Survival_in_days"], event=y["Status"] * 1), "time", "event",
            fit_options={"precision": 1e-10}).summary
    names = {f"{c}[T.{level}]": f"{c}_{level}" for c in X.select_dtypes("category")
             for level in X[c].cat.categories[1:]}
    assert "Intercept" not in table.index and len(table) == len(reference)
    ours = table.rename(index=names).loc[reference.index]
    np.testing.assert_allclose(ours["coef"], reference["coef"], rtol=0,
                               atol=TOL * reference["se(coef)"].max())
    np.testing.assert_allclose(ours["std err"], reference["se(coef)"], rtol=TOL)


def test_the_rows_given_must_be_the_fits(default):
    X, y = default
    X, y = X.iloc[:3000], y.iloc[:3000]
    model = TabularClassifier(MLPClassifier(**EXACT)).fit(X, y)
    other = X.assign(student=np.where(np.arange(len(X)) == 7, "Maybe", X["student"]))
    with pytest.raises(ValueError, match=r"column 'student' has categories the model never saw "
                                         r"\('Maybe'\) in row 7"):
        model.coefficients(other, y)
    with pytest.raises(ValueError, match="the target has missing values"):
        model.coefficients(X, y.where(y.index != 3))
    network = TabularClassifier(MLPClassifier(hidden_layer_sizes=(3,), epochs=2)).fit(X, y)
    with pytest.raises(ValueError, match="permuting the hidden units"):
        network.coefficients(X, y)


def test_fit_hidden_none_prints_the_table_in_original_units(default, tmp_path, capsys):
    X, y = default
    X, y = X.iloc[:4000], y.iloc[:4000]
    path, report = tmp_path / "default.csv", tmp_path / "fit.json"
    X.assign(default=y).to_csv(path, index=False)
    assert main(["fit", str(path), "--target", "default", "--hidden", "none", "--ridge", "0",
                 "--optimizer", "lbfgs", "--dtype", "float64", "--validation", "0",
                 "--out", str(tmp_path / "m.nnfit"), "--json", str(report), "--quiet"]) == 0
    printed = capsys.readouterr().out
    model = TabularClassifier(MLPClassifier(**{**EXACT, "epochs": 200})).fit(X, y)
    expected = model.coefficients(X, y)
    table = pd.DataFrame(json.loads(report.read_text())["coefficients"]).set_index("term")
    assert list(table.index) == ["Intercept", "student[T.Yes]", "balance", "income"]
    np.testing.assert_allclose(table.to_numpy(), expected.to_numpy(), rtol=1e-9)
    assert ("coefficients (logistic regression of P(default = 'Yes')) on the 4000 training "
            "rows: numeric columns per unit; categories against the first of their column; 95% "
            "Wald intervals") in printed
    line = next(line for line in printed.splitlines() if line.startswith("student[T.Yes]"))
    assert line.split()[1] == f"{expected.loc['student[T.Yes]', 'coef']:.6g}"


def test_robust_standard_errors_equal_statsmodels_hc0_and_ignore_the_weights_scale():
    """Survey-like weights (not counts): robust=True gives statsmodels' sandwich (HC0) with
    var_weights (WLS for least squares), z statistics, and the same table for the weights
    times 10; the frequency-weight table shrinks by sqrt(10) instead."""
    frame = load_default().frame.iloc[:3000]
    rng = np.random.default_rng(1)
    weight = rng.uniform(0.5, 1.5, len(frame)).round(3)
    X, y = frame.drop(columns="default"), frame["default"]
    model = TabularClassifier(MLPClassifier(**EXACT)).fit(X, y, weight)
    table = model.coefficients(X, y, weight, robust=True)
    reference = smf.glm("yes ~ student + balance + income",
                        frame.assign(yes=(frame["default"] == "Yes") * 1),
                        family=sm.families.Binomial(), var_weights=weight).fit(
        tol=1e-12, cov_type="HC0")
    reference.params.index = reference.bse.index = table.index
    check(table, reference)
    assert list(table.columns[2:4]) == ["z", "P>|z|"]
    tenfold = model.coefficients(X, y, weight * 10, robust=True)
    np.testing.assert_allclose(tenfold["std err"], table["std err"], rtol=1e-9)
    frequency = model.coefficients(X, y, weight), model.coefficients(X, y, weight * 10)
    np.testing.assert_allclose(frequency[1]["std err"] * np.sqrt(10), frequency[0]["std err"],
                               rtol=1e-9)
    hitters = load_hitters().frame.dropna()
    X, salary = hitters[["Hits", "Years", "League"]], hitters["Salary"]
    w = rng.uniform(0.5, 2.0, len(hitters))
    model = TabularRegressor(MLPRegressor(**EXACT)).fit(X, salary, w)
    reference = smf.wls("Salary ~ League + Hits + Years", hitters, weights=w).fit(cov_type="HC0")
    check(model.coefficients(X, salary, w, robust=True), reference)


def test_robust_cox_equals_lifelines_without_ties_and_phreg_with_breslows():
    """Cox's sandwich: lifelines' robust=True (weights, no tied times) to 1e-6, statsmodels'
    PHReg robust (groups of one row) with Breslow's tied times; a robust that is not a bool
    is refused."""
    Surv = pytest.importorskip("sksurv.util").Surv
    lifelines = pytest.importorskip("lifelines")
    rng = np.random.default_rng(5)
    n = 300
    frame = pd.DataFrame({"age": rng.normal(60, 10, n), "arm": rng.choice(["a", "b"], n)})
    hazard = np.exp(0.03 * (frame.age - 60) + 0.5 * (frame.arm == "b"))
    time, event = rng.exponential(10 / hazard), rng.random(n) < 0.7
    weight = rng.uniform(0.5, 2.0, n)
    y = Surv.from_arrays(event, time)
    model = TabularSurvival(MLPSurvival(**EXACT)).fit(frame, y, weight)
    table = model.coefficients(frame, y, weight, robust=True)
    data = frame.assign(b=(frame.arm == "b") * 1.0, time=time, event=event, w=weight)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # lifelines on weights that are not whole numbers
        fitted = lifelines.CoxPHFitter().fit(data[["age", "b", "time", "event", "w"]], "time",
                                             "event", weights_col="w", robust=True)
    np.testing.assert_allclose(table["std err"].to_numpy(),
                               fitted.standard_errors_[["b", "age"]].to_numpy(), rtol=1e-6)
    tied = np.ceil(time)  # Breslow's ties, unweighted: PHReg's robust covariance
    y = Surv.from_arrays(event, tied)
    model = TabularSurvival(MLPSurvival(**EXACT, ties="breslow")).fit(frame, y)
    table = model.coefficients(frame, y, robust=True)
    reference = sm.PHReg(tied, data[["b", "age"]].to_numpy(), status=event.astype(float),
                         ties="breslow").fit(groups=np.arange(n))
    np.testing.assert_allclose(table["std err"].to_numpy(), reference.bse, rtol=1e-6)
    with pytest.raises(ValueError, match="robust='yes' is invalid"):
        model.coefficients(frame, y, robust="yes")


def test_fit_with_a_weight_that_is_not_whole_asks_for_robust_se(default, tmp_path, capsys):
    """nnfit fit --weight of fractions: no table without --robust-se (they are not counts),
    the reason naming a row; with it the sandwich table of the library."""
    X, y = default
    X, y = X.iloc[:2000], y.iloc[:2000]
    weight = np.random.default_rng(2).uniform(0.5, 1.5, len(X)).round(2)
    weight[:3] = 1.0
    path, report = tmp_path / "default.csv", tmp_path / "fit.json"
    X.assign(default=y, w=weight).to_csv(path, index=False)
    argv = ["fit", str(path), "--target", "default", "--weight", "w", "--hidden", "none",
            "--ridge", "0", "--optimizer", "lbfgs", "--dtype", "float64", "--validation", "0",
            "--quiet"]
    assert main([*argv, "--out", str(tmp_path / "a.nnfit")]) == 0
    printed = capsys.readouterr().out
    assert ("no coefficient table: --weight w holds numbers that are not whole "
            f"(row 4 holds {weight[3]:g} (and {np.sum(weight != np.round(weight)) - 1} more "
            "row(s) values that are not whole))") in printed
    assert "add --robust-se" in printed
    assert main([*argv, "--robust-se", "--out", str(tmp_path / "b.nnfit"), "--json",
                 str(report)]) == 0
    assert "sandwich (robust, HC0) standard errors" in capsys.readouterr().out
    model = TabularClassifier(MLPClassifier(**{**EXACT, "epochs": 200})).fit(X, y, weight)
    expected = model.coefficients(X, y, weight, robust=True)
    table = pd.DataFrame(json.loads(report.read_text())["coefficients"]).set_index("term")
    np.testing.assert_allclose(table.to_numpy(), expected.to_numpy(), rtol=1e-7)


def test_fit_prints_the_ratios_exp_coef_with_their_intervals(tmp_path, capsys):
    """Odds ratios after a logistic table: exp of the coefficient and of the interval's ends
    as printed; none after least squares."""
    frame = load_default().frame.iloc[:3000]
    path = tmp_path / "d.csv"
    frame.to_csv(path, index=False)
    exact = ["--hidden", "none", "--ridge", "0", "--optimizer", "lbfgs", "--dtype", "float64",
             "--validation", "0", "--quiet"]
    assert main(["fit", str(path), "--target", "default", *exact, "--out",
                 str(tmp_path / "m.nnfit")]) == 0
    printed = capsys.readouterr().out.splitlines()
    start = next(i for i, line in enumerate(printed) if line.startswith("odds ratios per unit"))
    model = nnfit.load(tmp_path / "m.nnfit")
    table = model.coefficients(frame.drop(columns="default"), frame["default"])
    row = printed[start + 1 + list(table.index).index("student[T.Yes]") + 1].split()
    expected = np.exp(table.loc["student[T.Yes]", ["coef", "[0.025", "0.975]"]])
    np.testing.assert_allclose([float(v) for v in row[1:]], expected, rtol=1e-5)
    assert main(["fit", str(path), "--target", "balance", "--exclude", "default", *exact,
                 "--out", str(tmp_path / "r.nnfit")]) == 0
    assert "exp(coef)" not in capsys.readouterr().out


def test_no_refit_gives_the_table_of_the_rows_the_model_was_fitted_on(default, tmp_path,
                                                                         capsys):
    """--early-stopping true --no-refit: the network saw the rows not held out, and its table
    is computed on those rows (as the library's on the same rows), said by their count."""
    X, y = default
    X, y = X.iloc[:2000], y.iloc[:2000]
    path = tmp_path / "d.csv"
    X.assign(default=y).to_csv(path, index=False)
    out = tmp_path / "m.nnfit"
    with warnings.catch_warnings():
        warnings.simplefilter("always")  # said by the command on stderr
        assert main(["fit", str(path), "--target", "default", "--hidden", "none", "--ridge",
                     "0", "--optimizer", "lbfgs", "--dtype", "float64", "--early-stopping",
                     "true", "--no-refit", "--quiet", "--out", str(out)]) == 0
    printed = capsys.readouterr()
    assert "on the 1800 training rows" in printed.out  # 200 held out
    assert "--optimizer lbfgs --dtype float64 --validation 0, without --early-stopping true" \
        in printed.err and "coefficients()" not in printed.err  # stopped early: approximate
    with pytest.warns(UserWarning, match="not exactly the maximum-likelihood"):
        every = nnfit.load(out).coefficients(X, y)  # all 2000 rows: what was printed before
    line = next(row for row in printed.out.splitlines() if row.startswith("balance"))
    assert float(line.split()[2]) > 1.03 * every.loc["balance", "std err"]  # ~sqrt(2000/1800)
