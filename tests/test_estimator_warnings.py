"""The array estimators' silent failures of issue 26, each now said in our words: a value that
swamps its column (the tabular rule, shared), L-BFGS stopping at float32's precision, separated
classes without a penalty, ``score`` taking weights ``fit`` refuses, weights whose sum
overflows, and ``save`` onto a folder.  References: statsmodels' maximum-likelihood fits and
its PerfectSeparationWarning, scikit-learn's weighted metrics.
"""
import warnings
from fractions import Fraction

import numpy as np
import pytest
import statsmodels.api as sm
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, r2_score
from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

from nnfit import MLPClassifier, MLPRegressor
from nnfit.estimators.separation import SeparationWarning
from nnfit.estimators.swamp import swamped_columns
from nnfit.tabular.checks import warn_swamped as tabular_warn_swamped

QUICK = dict(hidden_layer_sizes=(), epochs=3, random_state=0)
SWAMP = (r"a value swamps its column's scaling: once standardized, the other rows of the column "
         r"differ by less than 0.01 and the network sees them as nearly equal \(column 1, row 5: "
         r"{value} \(the other rows' sd is [.\d]+e-\d+ of the column's\)\); check that value "
         r"\(a typo, a code for missing\?\), drop its row, or transform the column \(e.g. log\)")


def near_one(n=200, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(1.0, 0.1, size=(n, 3))
    return X, (X[:, 0] + rng.normal(0, 0.1, n) > 1).astype(int)


# --- 1. a value that swamps its column ---------------------------------------------------------
@pytest.mark.parametrize("value, shown", [(1e308, r"1e\+308"), (1e12, r"1e\+12")])
@pytest.mark.parametrize("make", [MLPClassifier, MLPRegressor])
def test_a_value_that_swamps_its_column_is_named_on_the_array_path(make, value, shown):
    X, y = near_one()
    X[5, 1] = value
    with pytest.warns(UserWarning, match=SWAMP.format(value=shown)) as record:
        model = make(**QUICK).fit(X, y)
    assert record[0].filename == __file__  # the warning points at the user's fit
    Z = (np.delete(X, 5, axis=0)[:, 1] - model._x_mean[1]) / model._x_scale[1]
    assert np.ptp(Z) < 1e-2 * np.ptp(X[np.arange(200) != 5, 1]) / 0.1  # what it is about
    assert np.ptp(Z) < (1e-11 if value == 1e12 else 1e-300)


def test_the_array_and_tabular_paths_share_one_rule_and_wording():
    X, _ = near_one()
    X[5, 1] = 1e12
    with pytest.warns(UserWarning) as array_record:
        MLPRegressor(**QUICK).fit(X, X[:, 0])
    with pytest.warns(UserWarning) as table_record:
        tabular_warn_swamped(X, ["a", "b", "c"], np.arange(200))
    array, table = str(array_record[0].message), str(table_record[0].message)
    assert table == array.replace("column 1,", "column 'b',")


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # epochs=3
def test_a_named_column_and_the_training_rows_only():
    import pandas as pd
    X, y = near_one()
    X[5, 1] = 1e12
    frame = pd.DataFrame(X, columns=["age", "income", "bmi"])
    with pytest.warns(UserWarning, match=r"\(column 'income', row 5: 1e\+12 "):
        MLPClassifier(**QUICK).fit(frame, y)
    held_out = MLPClassifier(**QUICK, early_stopping=True, validation_fraction=0.2).fit(X[:10], y[:10])
    validation = held_out.validation_indices_
    X2 = X.copy()
    X2[5, 1] = X[6, 1]
    X2[validation[0], 1] = 1e12  # in a held-out row: it does not touch the scaling
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        model = MLPClassifier(**QUICK, early_stopping=True, validation_fraction=0.2).fit(
            X2[:10], y[:10])
    assert np.array_equal(model.validation_indices_, validation)
    assert not [w for w in record if "swamps" in str(w.message)]
    X2[validation[0], 1] = X[6, 1]
    X2[np.setdiff1d(np.arange(10), validation)[0], 1] = 1e12  # in a training row: it does
    with pytest.warns(UserWarning, match="swamps"):
        MLPClassifier(**QUICK, early_stopping=True, validation_fraction=0.2).fit(X2[:10], y[:10])


def test_the_rule_is_the_sd_of_the_other_rows_against_the_columns():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(300, 40)) * rng.uniform(0.1, 1e3, 40)
    X[rng.integers(300, size=10), np.arange(10)] = 1e5 * rng.choice([-1, 1], 10) * np.abs(
        X[:, :10]).max(axis=0)
    X[rng.integers(300), 10] = 1e308
    X[:, 11] = np.exp(3 * rng.normal(size=300))  # a heavy tail is no swamp
    expected = []
    for j in range(X.shape[1]):  # the definition, in exact rational arithmetic
        x = [Fraction(v) for v in X[:, j]]
        mean = sum(x) / len(x)
        i = max(range(len(x)), key=lambda r: abs(x[r] - mean))
        rest = x[:i] + x[i + 1:]
        rest_mean = sum(rest) / len(rest)
        squares = sum((v - mean) ** 2 for v in x) / len(x)
        rest_squares = sum((v - rest_mean) ** 2 for v in rest) / len(rest)
        if 0 < rest_squares < Fraction(1, 10**4) * squares:  # sd ratio below 1e-2
            expected.append((j, i))
    found = swamped_columns(X)
    assert [(j, i) for j, i, _ in found] == expected and len(expected) == 11
    assert swamped_columns(X[:, 11:].astype(np.float32)) == []


# --- 2. L-BFGS stopping at float32's precision -------------------------------------------------
def correlated_logistic(seed=1, n=1000, p=10):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(n, p))
    A[:, 1] = A[:, 0] + 0.05 * rng.normal(size=n)
    y = (A @ rng.normal(size=p) + rng.logistic(size=n) > 0).astype(int)
    Z = (A - A.mean(axis=0)) / A.std(axis=0)
    return Z, y, sm.Logit(y, sm.add_constant(Z)).fit(disp=0, method="newton").params


def test_lbfgs_in_float32_warns_when_it_stops_at_its_precision():
    Z, y, mle = correlated_logistic()
    fit = dict(hidden_layer_sizes=(), ridge=0.0, optimizer="lbfgs", epochs=2000,
               standardize=False, random_state=0)
    with pytest.warns(ConvergenceWarning, match=r"optimizer='lbfgs' stopped at float32's "
                      r"precision in iteration \d+: R no longer changes in float32, its largest "
                      r"\|gradient\| still \d.\de-0\d .*fit with dtype='float64' for the minimum"):
        model = MLPClassifier(**fit).fit(Z, y)
    coef = np.r_[model.intercepts_[0], model.coefs_[0].ravel()]
    assert np.abs(coef - mle).max() > 1e-2  # measured 0.13: what the warning is about
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # float64 converges by its gradient: no warning
        model = MLPClassifier(**fit, dtype="float64").fit(Z, y)
    coef = np.r_[model.intercepts_[0], model.coefs_[0].ravel()]
    assert np.abs(coef - mle).max() < 1e-6


# --- 3. separation -----------------------------------------------------------------------------
def test_separated_classes_without_a_penalty_warn_as_statsmodels_does():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 2))
    y = (X[:, 0] > 0).astype(int)
    with pytest.warns(PerfectSeparationWarning), np.errstate(over="ignore"):
        sm.GLM(y, sm.add_constant(X), family=sm.families.Binomial()).fit()
    for dtype, shown in (("float32", "exactly 1 in float32"), ("float64", "within 1e-08 of 1")):
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            model = MLPClassifier((), ridge=0.0, optimizer="lbfgs", epochs=1000, dtype=dtype,
                                  random_state=0).fit(X, y)
        messages = [str(w.message) for w in record]
        assert [w.category for w in record] == [SeparationWarning], messages  # no precision one
        assert f"separated, completely or quasi-completely (perfect separation or prediction) " \
               f"along 'x0'" in messages[0] and shown in messages[0] and "ridge=" in messages[0]
        P = model.predict_proba(X)
        assert np.any(P == 0) and np.any(P == 1)  # the symptom
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = MLPClassifier((), ridge=1e-3, optimizer="lbfgs", epochs=1000, dtype="float64",
                              random_state=0).fit(X, y)
    P = model.predict_proba(X)
    assert 0 < P.min() and P.max() < 1


def test_certain_rows_without_separation_do_not_warn():
    data = load_breast_cancer(as_frame=True)  # test_coefficients' columns: statsmodels' MLE
    X = data.frame[["mean radius", "mean texture", "mean smoothness", "mean area",
                    "worst concavity"]]
    y = data.target.to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = MLPClassifier((), ridge=0.0, optimizer="lbfgs", epochs=5000, dtype="float64",
                              random_state=0).fit(X, y)
    P = model.predict_proba(X)[np.arange(len(y)), y]
    assert np.count_nonzero(P >= 1 - 1e-8) == 23  # some rows certain, yet no separation
    with pytest.warns(SeparationWarning, match=r"along .*: 562 of the 569 training rows"):
        MLPClassifier((), ridge=0.0, optimizer="lbfgs", epochs=5000, dtype="float64",
                      random_state=0).fit(data.data, y)  # all 30: quasi-complete separation
    # (its weights grow to 9e4; statsmodels' GLM, whose rule needs every row, says nothing)


def test_a_network_that_separates_every_training_row_warns():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 2))
    y = (X[:, 0] > 0).astype(int)
    with pytest.warns(SeparationWarning, match=r"the network separates the training rows "
                      r"completely \(perfect prediction\): 100 of the 100 training rows"):
        MLPClassifier((8, 4), ridge=0.0, optimizer="lbfgs", epochs=2000, dtype="float64",
                      random_state=0).fit(X, y)


# --- 4 and 5. weights, and save ---------------------------------------------------------------
@pytest.mark.parametrize("make", [MLPClassifier, MLPRegressor])
def test_score_checks_its_weights_as_fit_does(make):
    X, y = near_one(60)
    model = make(**QUICK).fit(X, y)
    for bad, match in ((-np.ones(60), r"sample_weight\[0\] = -1.0 is invalid \(60 such"),
                       (np.r_[np.ones(59), np.nan], r"sample_weight\[59\] = nan is invalid"),
                       (np.zeros(60), "zero for every row"), (np.ones(3), "shape")):
        with pytest.raises(ValueError, match=match):
            make(**QUICK).fit(X, y, sample_weight=bad)
        with pytest.raises(ValueError, match=match):
            model.score(X, y, sample_weight=bad)
    w = np.random.default_rng(0).uniform(0, 3, 60)
    metric = accuracy_score if make is MLPClassifier else r2_score
    assert model.score(X, y, sample_weight=w) == pytest.approx(
        metric(y, model.predict(X), sample_weight=w), abs=1e-15)


def test_weights_whose_sum_overflows_are_refused_in_our_words():
    X, y = near_one(60)
    model = MLPClassifier(**QUICK).fit(X, y)
    w = np.ones(60)
    w[[3, 4]] = 1e308
    message = (r"sample_weight adds up to more than float64 holds \(the largest is "
               r"sample_weight\[3\] = 1e\+308\); only the ratios of the weights matter: divide "
               r"them all by a power of 10")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "overflow encountered in reduce" on the way
        with pytest.raises(ValueError, match=message):
            MLPClassifier(**QUICK).fit(X, y, sample_weight=w)
        with pytest.raises(ValueError, match=message):
            model.score(X, y, sample_weight=w)
    divided = MLPClassifier(**QUICK).fit(X, y, sample_weight=w / 1e300)  # as the message says
    repeated = MLPClassifier(**QUICK).fit(X, y, sample_weight=w / 1e308)
    assert np.allclose(divided.network_.theta, repeated.network_.theta, atol=1e-6)


def test_save_onto_a_folder_or_into_a_missing_one_says_so(tmp_path):
    model = MLPClassifier(**QUICK).fit(*near_one(30))
    with pytest.raises(IsADirectoryError, match=r"cannot save the model as '.*': that is a "
                       r"folder; give a file name, e.g. '.*model.nnfit'"):
        model.save(tmp_path)
    with pytest.raises(FileNotFoundError, match=r"the folder '.*nowhere' does not exist; create "
                       "it first"):
        model.save(tmp_path / "nowhere" / "model.nnfit")
    assert list(tmp_path.iterdir()) == []  # no temporary file left behind
    assert model.save(tmp_path / "model.nnfit").is_file()


def test_a_target_beyond_float32_once_standardized_names_its_row():
    # found by the weights fuzz: before, "y's values reach 2.96e+160 ...; keep
    # standardize_target=True" (it was True) for valid weights [0, 1, 1e-320]
    X = np.random.default_rng(3).normal(size=(3, 2))
    y = X[:, 0] - X[:, 1]
    with pytest.raises(ValueError, match=r"y's value in row 0 is 2.96e\+160 once standardized by "
                       r"y's mean 0.986 and sd 1.22e-160 \(weighted: the rows of positive weight "
                       r"may hold nearly one value\), beyond the range of float32 .*fit with "
                       r"dtype='float64', or leave that row out"):
        MLPRegressor(**QUICK, validation_fraction=0).fit(X, y, sample_weight=[0, 1, 1e-320])
    with pytest.raises(ValueError, match=r"y's value in row 0 is 4.6e\+39 once standardized by "
                       r"y's mean 0 and sd 1, beyond the range of float32 \(largest 3.4e\+38\); "
                       r"fit with dtype='float64', or set standardize_target=True$"):
        MLPRegressor(**QUICK, validation_fraction=0, standardize_target=False).fit(X, y * 1e39)
