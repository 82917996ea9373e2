"""MLPEnsemble (nnfit/estimators/ensemble.py): the members' mean and spread, the same members for
the same random_state whatever n_jobs, bootstrap samples, DataFrames, cross-validation, model
files of several members (checked like single ones), and bad settings refused."""
import doctest
import json
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score

import nnfit
from nnfit.datasets import load_default
from nnfit.estimators.classifier import MLPClassifier
from nnfit.estimators.ensemble import MLPEnsemble
from nnfit.estimators.ensemble_members import _bootstrap_counts, _seeded
from nnfit.estimators.regressor import MLPRegressor
from nnfit.tabular.models import TabularClassifier

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def small_classifier(**kw):
    return MLPClassifier((8,), epochs=15, **kw)


@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return X[:300], y[:300]


@pytest.fixture(scope="module")
def fitted(cancer):
    return MLPEnsemble(small_classifier(), n_estimators=5, random_state=0).fit(*cancer)


@pytest.fixture(scope="module")
def default_table():
    frame = load_default().frame.iloc[:800]
    return frame.drop(columns="default"), frame["default"]


def test_the_same_random_state_gives_the_same_members_whatever_n_jobs(cancer, fitted):
    again = MLPEnsemble(small_classifier(), n_estimators=5, random_state=0, n_jobs=2).fit(*cancer)
    np.testing.assert_array_equal(again.seeds_, fitted.seeds_)
    np.testing.assert_array_equal(again.predict_proba(cancer[0]), fitted.predict_proba(cancer[0]))
    other = MLPEnsemble(small_classifier(), n_estimators=5, random_state=1).fit(*cancer)
    assert not np.array_equal(other.seeds_, fitted.seeds_)
    # member k is the estimator fitted alone with random_state = seeds_[k]
    alone = small_classifier(random_state=int(fitted.seeds_[2])).fit(*cancer)
    np.testing.assert_array_equal(alone.predict_proba(cancer[0]),
                                  fitted.estimators_[2].predict_proba(cancer[0]))
    assert [m.random_state for m in fitted.estimators_] == fitted.seeds_.tolist()
    assert fitted.estimator.random_state is None  # the given estimator is left as it was


def test_predict_proba_is_the_mean_of_the_members_and_predict_its_argmax(cancer, fitted):
    X, y = cancer
    members = np.stack([m.predict_proba(X) for m in fitted.estimators_]).astype(np.float64)
    assert len({m.predict_proba(X)[0, 1] for m in fitted.estimators_}) == 5  # they differ
    np.testing.assert_allclose(fitted.predict_proba(X), members.mean(axis=0), rtol=1e-12)
    np.testing.assert_array_equal(fitted.predict(X), fitted.classes_[members.mean(0).argmax(1)])
    assert fitted.score(X, y) == np.mean(fitted.predict(X) == y)
    assert is_classifier(fitted) and not hasattr(fitted, "predict_interval")


def test_the_intervals_are_quantiles_of_the_members_and_hold_the_mean(cancer, fitted):
    X = cancer[0]
    members = np.stack([m.predict_proba(X) for m in fitted.estimators_]).astype(np.float64)
    for level in (0.6, 0.9, 0.99):  # level >= 1 - 2/K: the mean is inside
        proba, lower, upper = fitted.predict_proba_interval(X, level=level)
        np.testing.assert_allclose(lower, np.quantile(members, (1 - level) / 2, axis=0))
        np.testing.assert_allclose(upper, np.quantile(members, (1 + level) / 2, axis=0))
        assert (lower <= proba + 1e-12).all() and (proba <= upper + 1e-12).all()
        assert (members.min(0) <= lower).all() and (upper <= members.max(0)).all()
    narrow = fitted.predict_proba_interval(X, level=0.5)
    wide = fitted.predict_proba_interval(X, level=0.9)
    assert ((wide[2] - wide[1]) >= (narrow[2] - narrow[1]) - 1e-12).all()
    for level in (0, 1, 1.5, -0.1, 90, True, "0.9", None):
        with pytest.raises(ValueError, match="level="):
            fitted.predict_proba_interval(X, level=level)


def test_regression_mean_interval_and_score():
    X, y = load_diabetes(return_X_y=True)
    model = MLPEnsemble(MLPRegressor((8,), epochs=20), n_estimators=4, random_state=0).fit(X, y)
    members = np.stack([m.predict(X) for m in model.estimators_])
    prediction, lower, upper = model.predict_interval(X, level=0.8)
    np.testing.assert_allclose(prediction, members.mean(0), rtol=1e-12)
    np.testing.assert_array_equal(model.predict(X), prediction)
    assert (lower <= prediction).all() and (prediction <= upper).all() and (lower < upper).all()
    from sklearn.metrics import r2_score
    assert model.score(X, y) == pytest.approx(r2_score(y, prediction), rel=1e-12)
    assert is_regressor(model) and not hasattr(model, "predict_proba")
    with pytest.raises(ValueError, match="level="):
        model.predict_interval(X, level=1.0)


def test_bootstrap_draws_each_members_rows_within_each_class(cancer, fitted):
    X, y = cancer
    boot = MLPEnsemble(small_classifier(), n_estimators=5, bootstrap=True, random_state=0).fit(X, y)
    np.testing.assert_array_equal(boot.seeds_, fitted.seeds_)  # seeds first, then the samples
    for plain, resampled in zip(fitted.estimators_, boot.estimators_):
        assert not np.allclose(plain.predict_proba(X), resampled.predict_proba(X))
    rng = np.random.default_rng(3)
    counts = _bootstrap_counts(rng, y, len(y), stratified=True)
    assert counts.sum() == len(y) and (counts >= 0).all() and (counts == 0).any()
    for label in (0, 1):
        assert counts[y == label].sum() == (y == label).sum()  # each class keeps its rows
    # an estimator without sample_weight gets the drawn rows themselves
    tree = MLPEnsemble(_NoWeights(), n_estimators=2, bootstrap=True, random_state=0).fit(X, y)
    assert [m.n_rows_ for m in tree.estimators_] == [len(y), len(y)]
    assert [len(np.unique(m.rows_)) < len(y) for m in tree.estimators_] == [True, True]


class _NoWeights(LogisticRegression):
    def fit(self, X, y):
        self.n_rows_, self.rows_ = len(X), X[:, 0]
        return super().fit(X, y)


def test_tabular_members_on_a_dataframe_cross_validate_and_save(default_table, tmp_path):
    X, y = default_table
    model = MLPEnsemble(TabularClassifier(MLPClassifier((8,), epochs=30, learning_rate=0.01)),
                        n_estimators=3, bootstrap=True, random_state=0).fit(X, y)
    assert list(model.classes_) == ["No", "Yes"] and list(model.feature_names_in_) == list(X)
    assert model.predict(X.iloc[:5]).dtype == object
    path = model.save(tmp_path / "ensemble.nnfit")
    loaded = nnfit.load(path)
    assert isinstance(loaded, MLPEnsemble) and len(loaded.estimators_) == 3
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    np.testing.assert_array_equal(loaded.seeds_, model.seeds_)
    assert loaded.get_params()["bootstrap"] is True
    for scoring, low, high in (("roc_auc", 0.5, 1), ("neg_log_loss", -1, 0), (None, 0.5, 1)):
        scores = cross_val_score(clone(model), X, y, cv=2, scoring=scoring, error_score="raise")
        assert scores.shape == (2,) and (low < scores).all() and (scores < high).all(), scoring
    # the default network of a tabular model gets its seed too
    bare = MLPEnsemble(TabularClassifier(), n_estimators=2, random_state=0)
    assert _seeded(clone(bare.estimator), 7, False).estimator.random_state == 7


def test_a_saved_ensemble_is_checked_like_a_single_model(cancer, fitted, tmp_path):
    X = cancer[0]
    path = fitted.save(tmp_path / "five.nnfit", key="a secret of the lab")
    loaded = nnfit.load(path, key="a secret of the lab")
    np.testing.assert_array_equal(loaded.predict_proba(X), fitted.predict_proba(X))
    assert loaded.estimator.random_state is None and loaded.n_estimators == 5
    with pytest.raises(ValueError, match="signature does not match"):
        nnfit.load(path, key="another key")
    with zipfile.ZipFile(path) as archive:
        names = sorted(archive.namelist())
    assert "member4.theta.npy" in names and "theta.npy" not in names
    # a member's header edited (its architecture): refused, naming the member
    header, arrays = fitted._to_file_parts()
    header["members"][3]["architecture"][1] = 9
    from nnfit.modelfile.format import write
    write(tmp_path / "bad.nnfit", header, arrays)
    with pytest.raises(ValueError, match="member 3"):
        nnfit.load(tmp_path / "bad.nnfit")
    header, arrays = fitted._to_file_parts()
    del arrays["member2.x_scale"]
    write(tmp_path / "short.nnfit", header, arrays)
    with pytest.raises(ValueError, match="missing \\['member2.x_scale'\\]"):
        nnfit.load(tmp_path / "short.nnfit")
    header, arrays = fitted._to_file_parts()
    header["members"][1]["estimator"] = "MLPRegressor"
    del header["members"][1]["classes"]
    header["members"][1]["target_ndim"] = 1
    del header["members"][1]["params"]["class_weight"]
    write(tmp_path / "mixed.nnfit", header, arrays)
    with pytest.raises(ValueError, match="models of one kind"):
        nnfit.load(tmp_path / "mixed.nnfit")
    header, arrays = fitted._to_file_parts()
    header["ensemble"]["seeds"] = header["ensemble"]["seeds"][:4]
    write(tmp_path / "seeds.nnfit", header, arrays)
    with pytest.raises(ValueError, match="one per seed"):
        nnfit.load(tmp_path / "seeds.nnfit")
    header, arrays = fitted._to_file_parts()
    header["members"][0]["sha256"] = "0" * 64
    write(tmp_path / "keys.nnfit", header, arrays)
    with pytest.raises(ValueError, match="holds the file's key"):
        nnfit.load(tmp_path / "keys.nnfit")
    # the file's digest covers every member
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(tmp_path / "edited.nnfit", "w") as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "member1.theta.npy":
                data = data[:-4] + np.float32(0.5).tobytes()
            out.writestr(info, data)
    with pytest.raises(ValueError, match="SHA-256"):
        nnfit.load(tmp_path / "edited.nnfit")


def test_what_cannot_be_saved_is_refused_clearly(cancer, tmp_path):
    X, y = cancer
    foreign = MLPEnsemble(LogisticRegression(max_iter=50), n_estimators=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        foreign.fit(X, y)
    with pytest.raises(TypeError, match="LogisticRegression, which nnfit cannot write"):
        foreign.save(tmp_path / "foreign.nnfit")
    many = MLPEnsemble(MLPClassifier((2,), epochs=1), n_estimators=65, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="at most 64"):
        many.save(tmp_path / "many.nnfit")
    assert not (tmp_path / "many.nnfit").exists()
    with pytest.raises(ValueError, match="not fitted"):
        MLPEnsemble(small_classifier()).save(tmp_path / "unfitted.nnfit")


@pytest.mark.parametrize("n_estimators", [0, -1, 2.5, True, "5", None])
def test_a_bad_number_of_members_is_refused_in_fit(cancer, n_estimators):
    model = MLPEnsemble(small_classifier(), n_estimators=n_estimators)  # __init__ only stores
    assert model.n_estimators is n_estimators
    with pytest.raises(ValueError, match="n_estimators="):
        model.fit(*cancer)


def test_other_bad_settings_are_refused_in_fit(cancer):
    with pytest.raises(ValueError, match="bootstrap="):
        MLPEnsemble(small_classifier(), bootstrap="yes").fit(*cancer)
    with pytest.raises(TypeError, match="not an estimator"):
        MLPEnsemble("MLPClassifier").fit(*cancer)
    with pytest.raises(ValueError, match="no random_state"):
        MLPEnsemble(_Seedless()).fit(*cancer)
    with pytest.raises(TypeError, match="takes no sample_weight"):
        MLPEnsemble(_NoWeights()).fit(*cancer, sample_weight=np.ones(len(cancer[1])))


class _Seedless(LogisticRegression):
    def get_params(self, deep=True):
        return {k: v for k, v in super().get_params(deep).items() if k != "random_state"}


def test_survival_members_average_their_survival_functions(tmp_path):
    sksurv_util = pytest.importorskip("sksurv.util")
    brain = nnfit.datasets.load_brain_cancer()
    y = sksurv_util.Surv.from_arrays(brain.target["status"], brain.target["time"])
    X = brain.data
    model = MLPEnsemble(nnfit.MLPSurvival((4,), epochs=10), n_estimators=3, bootstrap=True,
                        random_state=0).fit(X, y)
    grid = model.unique_times_  # the union of the members' (each fitted on its bootstrap rows)
    members = []
    for member in model.estimators_:  # each a right-continuous step function, 1 before its first
        at = np.searchsorted(member.unique_times_, grid, side="right") - 1
        own = member.predict_survival_function(X, return_array=True)
        members.append(np.where(at >= 0, own[:, np.maximum(at, 0)], 1.0))
    S = np.mean(members, 0)
    np.testing.assert_allclose(model.predict_survival_function(X, return_array=True), S)
    steps = model.predict_survival_function(X.iloc[:2])
    np.testing.assert_allclose(steps[1](model.unique_times_), S[1])
    risk = np.mean([m.predict(X) for m in model.estimators_], axis=0)
    from nnfit.estimators.survival import concordance
    assert model.score(X, y) == concordance(y["event"], y["time"], risk)
    assert not hasattr(model, "predict_interval") and not hasattr(model, "predict_proba")
    loaded = nnfit.load(model.save(tmp_path / "survival.nnfit"))
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_the_docstring_example_runs(monkeypatch):
    monkeypatch.setattr(nnfit, "MLPEnsemble", MLPEnsemble, raising=False)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in doctest.DocTestFinder(recurse=False).find(MLPEnsemble, "MLPEnsemble", globs={}):
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.attempted > 0 and result.failed == 0


def test_the_file_header_is_plain_json(fitted):
    header, arrays = fitted._to_file_parts()
    assert json.loads(json.dumps(header)) == header
    assert header["ensemble"]["params"] == {"n_estimators": 5, "bootstrap": False,
                                            "n_jobs": None, "random_state": 0}
    assert sorted({name.split(".")[0] for name in arrays}) == [f"member{k}" for k in range(5)]


def test_the_bench_runs_quick():
    script = Path(__file__).resolve().parents[1] / "bench" / "ensemble.py"
    run = subprocess.run([sys.executable, str(script), "--quick"], capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    for table in ("default", "default500", "cancer", "diabetes"):
        assert any(line.startswith(f"{table}: system") for line in lines), table
    systems = [line.split()[0] for line in lines if line.startswith(" ") and "(" in line]
    assert systems.count("ens") == 4 and systems.count("ens-bal") == 2
    assert systems.count("LR-bal") == 3 and systems.count("members") == 4


def test_the_paired_bench_prints_the_differences():
    script = Path(__file__).resolve().parents[1] / "bench" / "ensemble.py"
    run = subprocess.run([sys.executable, str(script), "--quick", "--paired", "--tables",
                          "hitters"], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    differences = [line.split()[2] for line in run.stdout.splitlines()
                   if line.strip().startswith("ens - ") and ("[+" in line or "[-" in line)]
    assert differences == ["members", "best", "ens-boot", "LR", "LR-bal"]


def test_a_tabular_model_around_an_ensemble_is_not_saved_unreadable(default_table, tmp_path):
    """TabularClassifier(MLPEnsemble(...)) fits, but a model file has no place for one
    preprocessing around an ensemble: save refuses (it wrote a file nnfit.load refused)."""
    X, y = default_table
    inside = TabularClassifier(MLPEnsemble(MLPClassifier((4,), epochs=3), n_estimators=2,
                                           random_state=0)).fit(X.iloc[:200], y.iloc[:200])
    assert inside.predict_proba(X.iloc[:5]).shape == (5, 2)
    path = tmp_path / "inside.nnfit"
    with pytest.raises(TypeError, match=r"put the ensemble around the tabular model, "
                                        r"nnfit.MLPEnsemble\(nnfit.TabularClassifier"):
        inside.save(path)
    assert not path.exists()
