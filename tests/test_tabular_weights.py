"""A sample weight of 2 is the row repeated, 0 the row left out, on the tabular path too: the
preprocessing's means, sds and imputed values are weighted (nnfit/tabular/weighted.py), so that
at full batch (L-BFGS, float64) the weighted fit equals the fit on repeated rows."""
import contextlib
import io
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.utils.estimator_checks import check_sample_weight_equivalence_on_dense_data

from nnfit import MLPClassifier, MLPRegressor, TabularClassifier, TabularRegressor, load
from nnfit.cli import main
from nnfit.cli.app import build_parser
from nnfit.cli.table_data import row_weights
from nnfit.tabular.preprocess import parts
from nnfit.tabular.weighted import weighted_mean, weighted_median, weighted_mode

FULL_BATCH = dict(optimizer="lbfgs", dtype="float64", early_stopping=False,
                  validation_fraction=0, random_state=0, epochs=1000)


@pytest.fixture(scope="module")
def table():
    """40 rows: two numeric columns with missing ages, two categorical ones with missing sites;
    a class and a number to predict; whole weights 0 to 3 and the rows repeated by them."""
    rng = np.random.default_rng(1)
    n = 40
    X = pd.DataFrame({"age": rng.normal(50, 10, n).round(1), "dose": rng.exponential(2, n),
                      "sex": rng.choice(["F", "M"], n), "site": rng.choice(["a", "b", "c"], n)})
    X.loc[[3, 8, 20], "age"] = np.nan
    X.loc[[5, 11], "site"] = np.nan
    logit = 0.05 * (X["age"].fillna(50) - 50) + 0.5 * X["dose"] - (X["sex"] == "M")
    labels = np.where(rng.random(n) < 1 / (1 + np.exp(-logit)), "yes", "no")
    number = (logit + rng.normal(0, 0.5, n)).to_numpy()
    weight = rng.integers(0, 4, n)
    return X, labels, number, weight, np.repeat(np.arange(n), weight)


@pytest.mark.parametrize("impute", ["mean", "median", "most_frequent"])
@pytest.mark.parametrize("hidden, ridge", [((), 0.0), ((4,), 1.0)])
def test_weights_equal_repeated_rows(table, impute, hidden, ridge):
    """To 1e-8 in predictions, for logistic / least squares without a penalty and for a hidden
    layer of 4 (a non-convex fit: with a ridge of 1 L-BFGS ends in a few dozen iterations; with
    a small one, hundreds of iterations amplify the rounding differences of the two objectives
    to 1e-2, as for the array estimators, tests/test_estimators.py)."""
    X, labels, number, weight, repeated = table
    network = dict(FULL_BATCH, hidden_layer_sizes=hidden, ridge=ridge)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning of separable rows, unpenalized
        for tabular, inner, y, output in [(TabularRegressor, MLPRegressor, number, "predict"),
                                          (TabularClassifier, MLPClassifier, labels,
                                           "predict_proba")]:
            weighted = tabular(inner(**network), impute=impute).fit(X, y, sample_weight=weight)
            rows = tabular(inner(**network), impute=impute).fit(X.iloc[repeated], y[repeated])
            scaler, _, numeric, categorical = parts(weighted.preprocessor_)
            other = parts(rows.preprocessor_)
            np.testing.assert_allclose(scaler.mean_, other[0].mean_, rtol=1e-13)
            np.testing.assert_allclose(scaler.scale_, other[0].scale_, rtol=1e-13)
            np.testing.assert_allclose(numeric.statistics_, other[2].statistics_, rtol=1e-13)
            assert list(categorical.statistics_) == list(other[3].statistics_)
            np.testing.assert_allclose(getattr(weighted, output)(X), getattr(rows, output)(X),
                                       rtol=0, atol=1e-8)


def test_unweighted_preprocessing_misses_the_repeated_rows(table):
    """What the issue saw: the preprocessing's statistics differ from the repeated rows' unless
    they are weighted (here the imputed median and the sds of the weighted fit are the
    repeated rows', not the unweighted table's)."""
    X, labels, _, weight, repeated = table
    network = MLPClassifier((), **FULL_BATCH)
    plain = parts(TabularClassifier(network, impute="median").fit(X, labels).preprocessor_)
    rows = parts(TabularClassifier(network, impute="median").fit(
        X.iloc[repeated], labels[repeated]).preprocessor_)
    assert np.abs(plain[0].scale_ / rows[0].scale_ - 1).max() > 1e-3
    assert plain[2].statistics_[0] != rows[2].statistics_[0]


class _Frames:
    """The tabular estimators take DataFrames; scikit-learn's check gives arrays: name their
    columns x0, x1, ..."""

    @staticmethod
    def _frame(X):
        return pd.DataFrame(X, columns=[f"x{j}" for j in range(np.shape(X)[1])])

    def fit(self, X, y, sample_weight=None):
        return super().fit(self._frame(X), y, sample_weight=sample_weight)

    def predict(self, X):
        return super().predict(self._frame(X))


class FrameClassifier(_Frames, TabularClassifier):
    def predict_proba(self, X):
        return super().predict_proba(self._frame(X))


class FrameRegressor(_Frames, TabularRegressor):
    pass


@pytest.mark.parametrize("estimator", [
    FrameClassifier(MLPClassifier((), ridge=0.1, **FULL_BATCH)),
    FrameClassifier(MLPClassifier((4,), ridge=1.0, **FULL_BATCH)),
    FrameRegressor(MLPRegressor((), ridge=0.0, **FULL_BATCH)),
    FrameRegressor(MLPRegressor((4,), ridge=1.0, **FULL_BATCH)),
], ids=["classifier-linear", "classifier-4", "regressor-linear", "regressor-4"])
def test_scikit_learns_weights_are_repeats_check(estimator):
    """scikit-learn's own check (random whole weights with zeros, the rows shuffled), on the
    tabular estimators through DataFrames with named columns."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_sample_weight_equivalence_on_dense_data(type(estimator).__name__, estimator)


def test_a_category_only_in_rows_of_weight_zero_is_not_encoded(table):
    X, labels, _, weight, repeated = table
    X = X.assign(site=X["site"].mask(weight == 0, "gone"))
    network = MLPClassifier((), ridge=0.1, **FULL_BATCH)
    weighted = TabularClassifier(network, impute="mean").fit(X, labels, sample_weight=weight)
    rows = TabularClassifier(network, impute="mean").fit(X.iloc[repeated], labels[repeated])
    assert "site_gone" not in weighted.get_feature_names_out()
    assert list(weighted.get_feature_names_out()) == list(rows.get_feature_names_out())


def test_equal_weights_give_the_unweighted_fit_bit_for_bit(table):
    X, labels, _, _, _ = table
    network = MLPClassifier((3,), epochs=5, random_state=0)
    plain = TabularClassifier(network, impute="median").fit(X, labels)
    equal = TabularClassifier(network, impute="median").fit(X, labels,
                                                            sample_weight=np.full(len(X), 3.0))
    assert np.array_equal(plain.predict_proba(X), equal.predict_proba(X))


def test_weights_are_checked_before_the_preprocessing(table):
    X, labels, _, weight, _ = table
    with pytest.raises(ValueError, match=r"sample_weight\[2\] = -1.0 is invalid"):
        TabularClassifier().fit(X, labels, sample_weight=np.r_[1, 1, -1, np.ones(len(X) - 3)])
    with pytest.raises(ValueError, match="one weight per row"):
        TabularClassifier().fit(X, labels, sample_weight=weight[:5])
    only = np.where(X["age"].isna(), 1.0, 0.0)  # the positive weights fall on missing ages
    with pytest.raises(ValueError, match="'age' have no values at all in the rows of positive"):
        TabularClassifier(impute="mean").fit(X, labels, sample_weight=only)


@pytest.mark.parametrize("seed", range(5))
def test_weighted_statistics_are_those_of_the_repeated_values(seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 6, (12, 3)).astype(float)
    x[rng.random(x.shape) < 0.2] = np.nan
    x[0] = 1.0  # every column has a value of positive weight
    w = rng.integers(0, 4, 12).astype(float)
    w[0] = 1.0
    repeated = np.repeat(x, w.astype(int), axis=0)
    np.testing.assert_allclose(weighted_mean(x, w), np.nanmean(repeated, axis=0), rtol=1e-14)
    np.testing.assert_array_equal(weighted_median(x, w), np.nanmedian(repeated, axis=0))
    for j in range(3):
        values, counts = np.unique(repeated[~np.isnan(repeated[:, j]), j], return_counts=True)
        assert weighted_mode(x[:, j:j + 1], w) == [values[np.argmax(counts)]]


def test_weighted_median_with_fractional_weights():
    x = np.array([[1.0], [2.0], [3.0]])
    assert weighted_median(x, np.array([0.5, 0.5, 1.0]))[0] == 2.5  # half the weight each side
    assert weighted_median(x, np.array([0.2, 0.2, 1.0]))[0] == 3.0


def _cli_has(option):
    try:  # argparse exits, with its usage on stderr, for an unknown option
        with contextlib.redirect_stderr(io.StringIO()):
            build_parser().parse_args(["fit", "data.csv", "--out", "m.nnfit", option, "w"])
    except SystemExit:
        return False
    return True


def test_weight_column_checks_name_the_rows():
    frame = pd.DataFrame({"w": [1, -2.5, "abc", None]}, index=[1, 2, 3, 4])
    for rows, message in [(4, "the weight is missing in row 4; .* \\(--drop-missing\\)"),
                          (3, "the weight is not a number in row 3 \\('abc'\\)"),
                          (2, "the weight is negative in row 2 \\(-2.5\\)")]:
        with pytest.raises(ValueError, match="--weight w: " + message):
            row_weights(frame.iloc[:rows], "w")
    with pytest.raises(ValueError, match="add up to more than float64 holds"):
        row_weights(pd.DataFrame({"w": [1e308, 1e308]}), "w")
    assert row_weights(pd.DataFrame({"w": [1.0, 2.0]}), "w", [2.0, 3.0]).tolist() == [2.0, 6.0]


@pytest.mark.skipif(not _cli_has("--weight"), reason="nnfit fit has no --weight yet")
def test_the_command_lines_weight_is_the_librarys_sample_weight(tmp_path, table):
    X, labels, _, weight, _ = table
    path = tmp_path / "weighted.csv"
    X.assign(w=weight, y=labels).to_csv(path, index=False)
    out = tmp_path / "m.nnfit"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["fit", str(path), "--target", "y", "--weight", "w", "--impute", "median",
                     "--hidden", "none", "--optimizer", "lbfgs", "--dtype", "float64",
                     "--validation", "0", "--ridge", "0.1", "--quiet", "--out", str(out)]) == 0
    library = TabularClassifier(MLPClassifier((), ridge=0.1, **FULL_BATCH), impute="median").fit(
        X, labels, sample_weight=weight)
    frame = X.set_axis(pd.RangeIndex(1, len(X) + 1))
    np.testing.assert_array_equal(load(out).predict_proba(frame), library.predict_proba(frame))


def test_a_weighted_model_file_keeps_the_weighted_preprocessing(tmp_path, table):
    X, labels, _, weight, _ = table
    model = TabularClassifier(MLPClassifier((), ridge=0.1, **FULL_BATCH), impute="median").fit(
        X, labels, sample_weight=weight)
    model.save(tmp_path / "m.nnfit")
    np.testing.assert_array_equal(load(tmp_path / "m.nnfit").predict_proba(X),
                                  model.predict_proba(X))
