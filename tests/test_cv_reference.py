"""The reference model of ``nnfit cv`` (``nnfit.tabular.reference``, shared with ``nnfit report``):
a logistic regression that separates a fold's training rows is replaced there by the
ridge-penalized one, and a note names those folds once; where nothing separates, the reference
is the unpenalized fit, as before, rebuilt here by hand on the same folds."""
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss
from sklearn.model_selection import StratifiedKFold

from nnfit import MLPClassifier, TabularClassifier
from nnfit.cli import main
from nnfit.datasets import load_default
from nnfit.tabular.crossval import cross_validate_table
from nnfit.tabular.reference import SEPARATED, fit_reference, refit_note


@pytest.fixture(scope="module")
def rows():
    """600 rows of Default (150 defaults) and a marker: the outcome plus noise below 0.9 in two
    of every three rows (a perfect separator), pure noise in the others."""
    frame = load_default().frame
    frame = pd.concat([frame[frame.default == "Yes"].iloc[:150],
                       frame[frame.default == "No"].iloc[:450]])
    frame = frame.sample(frac=1, random_state=0).reset_index(drop=True)
    rng = np.random.default_rng(0)
    frame["marker"] = (frame["default"] == "Yes") + rng.uniform(0, 0.9, len(frame))
    return frame


def network():
    return MLPClassifier(hidden_layer_sizes=(), epochs=10, early_stopping=False, random_state=0)


def by_hand(X, y, estimator, folds=3, seed=0):
    """Out-of-fold P(Yes) of ``TabularClassifier(estimator)`` on cv's folds."""
    p = np.zeros(len(y))
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=seed).split(X, y):
        fitted = TabularClassifier(estimator).fit(X.iloc[train], y.iloc[train])
        p[test] = fitted.predict_proba(X.iloc[test])[:, 1]
    return p


def test_a_separated_reference_is_the_penalized_one_and_the_note_names_the_folds(rows):
    X, y = rows.drop(columns="default"), rows["default"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ConvergenceWarning of the separated fit comes out
        report = cross_validate_table(TabularClassifier(network()), X, y, folds=3,
                                      n_bootstrap=200)
    assert report["notes"] == [
        "the unpenalized logistic regression separates the training rows in fold(s) 1, 2, 3 "
        "of 3 (it classifies every training row right: no finite maximum-likelihood fit); the "
        "reference there is the ridge-penalized one instead (LogisticRegression(C=1))"]
    logistic = report["scores"]["scores"]["logistic"]
    penalized = by_hand(X, y, LogisticRegression(C=1, max_iter=1000))
    assert logistic["brier"]["estimate"] == pytest.approx(
        brier_score_loss(y == "Yes", penalized), rel=1e-9)
    intercept = logistic["calibration_intercept"]
    assert abs(intercept["estimate"]) < 1 and intercept["high"] - intercept["low"] < 1.5
    # the unpenalized fit it replaced: a coefficient far beyond SEPARATED (wherever it stopped)
    separated = TabularClassifier(LogisticRegression(C=np.inf, max_iter=1000))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        separated.fit(X, y)
    assert np.max(np.abs(separated.estimator_.coef_)) > 2 * SEPARATED


def test_the_note_names_the_folds_whose_fit_separates_with_their_reasons(rows):
    """A marker whose classes overlap a little: a finite fit with a coefficient beyond
    SEPARATED on the standardized scale, in some folds at least; those are named, once."""
    rng = np.random.default_rng(0)
    X = rows.drop(columns="default").assign(
        marker=(rows["default"] == "Yes") + rng.uniform(0, 1.1, len(rows)))
    y = rows["default"]
    whys = {}
    for k, (train, _) in enumerate(StratifiedKFold(3, shuffle=True, random_state=0).split(X, y), 1):
        _, _, why = fit_reference(TabularClassifier, "classification", X.iloc[train],
                                  y.iloc[train])
        if why:
            whys[k] = why
    assert whys and all(why.startswith("its largest coefficient is ") for why in whys.values())
    report = cross_validate_table(TabularClassifier(network()), X, y, folds=3, n_bootstrap=0)
    assert report["notes"] == [refit_note("classification", whys, 3)]
    named = ", ".join(map(str, sorted(whys)))
    assert f"separates the training rows in fold(s) {named} of 3 (" in report["notes"][0]


def test_the_note_names_each_fold_once_and_their_reasons():
    assert refit_note("classification", {4: "b", 2: "a"}, 5) == (
        "the unpenalized logistic regression separates the training rows in fold(s) 2, 4 of 5 "
        "(fold 2: a; fold 4: b: no finite maximum-likelihood fit); the reference there is the "
        "ridge-penalized one instead (LogisticRegression(C=1))")
    assert refit_note("counts", "its fit did not converge") == (
        "the unpenalized Poisson regression did not converge (a category or value range "
        "without any count?); the reference is PoissonRegressor(alpha=0.0001) instead, with a "
        "small ridge penalty")


def test_where_nothing_separates_the_reference_is_the_unpenalized_fit_as_before(rows):
    X, y = rows.drop(columns=["default", "marker"]), rows["default"]
    report = cross_validate_table(TabularClassifier(network()), X, y, folds=3, n_bootstrap=0)
    assert report["notes"] == []
    unpenalized = by_hand(X, y, LogisticRegression(C=np.inf, max_iter=1000))
    assert report["scores"]["scores"]["logistic"]["brier"]["estimate"] == pytest.approx(
        brier_score_loss(y == "Yes", unpenalized), rel=1e-12)
    fitted, how, why = fit_reference(TabularClassifier, "classification", X, y)
    assert why is None and how.startswith("unpenalized logistic regression")


def test_cv_prints_the_note(rows, tmp_path, capsys):
    path = tmp_path / "marker.csv"
    rows.to_csv(path, index=False)
    assert main(["cv", str(path), "--target", "default", "--folds", "3", "--hidden", "none",
                 "--epochs", "10", "--bootstrap", "0", "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert ("note: the unpenalized logistic regression separates the training rows in fold(s) "
            "1, 2, 3 of 3") in printed


def test_cv_leaves_out_the_identifiers_of_the_whole_table():
    """A 1..n row number fills only 80 % of its range in a training fold; cv decides on the
    whole table, as fit does, so no fold uses it."""
    import nnfit
    frame = load_default().frame.iloc[:1000].reset_index(drop=True)
    X, y = frame.drop(columns="default").assign(seq=np.arange(1, 1001)), frame["default"]
    model = nnfit.TabularClassifier(nnfit.MLPClassifier((4,), epochs=3, random_state=0))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = nnfit.cross_validate_table(model, X, y, folds=3, n_bootstrap=0,
                                            random_state=0)
    said = [str(w.message) for w in caught if "'seq'" in str(w.message)]
    assert len(said) == 1 and "left out of the predictors" in said[0], said
    assert report["target"] == "default"
