"""The scores of ``nnfit.estimators.metrics``: hand-computed values on tiny inputs, the weighted
(bootstrap) formulas against scikit-learn on resampled rows, calibration intercept and slope on
simulated data, and the intervals' reproducibility and coverage."""
import numpy as np
import pytest
from scipy.special import expit, logit
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (brier_score_loss, log_loss, mean_absolute_error, r2_score,
                             roc_auc_score, root_mean_squared_error)

from nnfit.estimators import metrics
from nnfit.estimators.calibration import calibration_fit
from nnfit.estimators.metrics import score_predictions
from nnfit.estimators.scoring import ClassScores, NumberScores, weighted_auc

Y4 = np.array(["no", "no", "yes", "yes"])
P4 = np.array([[0.9, 0.1], [0.6, 0.4], [0.3, 0.7], [0.2, 0.8]])


def estimates(report, name="model"):
    return {key: value["estimate"] for key, value in report["scores"][name].items()}


def test_hand_computed_scores_of_four_rows():
    report = score_predictions(Y4, {"model": P4}, ["no", "yes"], n_bootstrap=0)
    got = estimates(report)
    assert got["brier"] == pytest.approx((0.1**2 + 0.4**2 + 0.3**2 + 0.2**2) / 4)  # 0.075
    assert got["log_loss"] == pytest.approx(-np.log([0.9, 0.6, 0.7, 0.8]).mean())
    assert got["roc_auc"] == 1.0 and got["accuracy"] == 1.0
    assert report["positive_class"] == "yes" and report["n"] == 4
    # p = 0.1, 0.4, 0.7, 0.8 sums to the 2 events: calibration in the large is exact
    assert got["calibration_intercept"] == pytest.approx(0, abs=1e-9)
    # the probabilities separate the outcomes: no finite slope, and a note says why
    assert got["calibration_slope"] is None
    assert any("calibration_slope undefined: the predicted probabilities separate" in note
               for note in report["notes"])
    wrong = score_predictions(Y4, {"model": P4[:, ::-1]}, ["no", "yes"], n_bootstrap=0)
    assert estimates(wrong)["roc_auc"] == 0.0 and estimates(wrong)["accuracy"] == 0.0


def test_hand_computed_regression_scores():
    y, predicted = np.array([1.0, 2.0, 3.0, 6.0]), np.array([1.0, 3.0, 2.0, 4.0])
    report = score_predictions(y, {"model": predicted}, n_bootstrap=0)
    got = estimates(report)
    assert got["mae"] == pytest.approx((0 + 1 + 1 + 2) / 4)
    assert got["rmse"] == pytest.approx(np.sqrt((0 + 1 + 1 + 4) / 4))
    assert got["r2"] == pytest.approx(1 - 6 / 14)  # sum (y - 3)^2 = 4 + 1 + 0 + 9
    assert report["task"] == "regression" and "positive_class" not in report


def test_multiclass_scores_are_scikit_learns():
    rng = np.random.default_rng(3)
    classes = np.array(["a", "b", "c"])
    P = rng.dirichlet([1, 1, 1], 60)
    y = classes[[rng.choice(3, p=p) for p in P]]
    report = score_predictions(y, {"model": P}, classes, n_bootstrap=50)
    got = report["scores"]["model"]
    assert got["log_loss"]["estimate"] == pytest.approx(log_loss(y, P, labels=classes))
    assert got["roc_auc"]["estimate"] == pytest.approx(
        roc_auc_score(y, P, multi_class="ovr", labels=classes))
    Y = (y[:, None] == classes).astype(float)
    assert got["brier"]["estimate"] == pytest.approx(((P - Y) ** 2).sum(axis=1).mean())
    assert [row["class"] for row in got["calibration"]] == ["a", "b", "c"]
    slope = got["calibration"][0]["slope"]
    assert slope["low"] <= slope["estimate"] <= slope["high"]


@pytest.mark.parametrize("k", [2, 3])
def test_weighted_scores_equal_scikit_learn_on_resampled_rows(k):
    rng = np.random.default_rng(k)
    n = 80
    P = rng.dirichlet(np.ones(k), n)
    P[:10] = P[10:20]  # tied probabilities
    y = np.array([rng.choice(k, p=p) for p in P])
    scorer = ClassScores(y, P, list(range(k)))
    scorer.estimates()
    idx = rng.integers(0, n, size=(3, n))
    W = np.stack([np.bincount(i, minlength=n) for i in idx]).astype(float)
    got = scorer.weighted(W)
    for b, rows in enumerate(idx):
        yb, Pb = y[rows], P[rows]
        assert got["log_loss"][b] == pytest.approx(log_loss(yb, Pb, labels=list(range(k))))
        assert got["accuracy"][b] == pytest.approx(np.mean(Pb.argmax(axis=1) == yb))
        if k == 2:
            assert got["brier"][b] == pytest.approx(brier_score_loss(yb, Pb[:, 1]))
            assert got["roc_auc"][b] == pytest.approx(roc_auc_score(yb, Pb[:, 1]))
        else:
            assert got["roc_auc"][b] == pytest.approx(
                roc_auc_score(yb, Pb, multi_class="ovr", labels=list(range(k))))
        for j in ([1] if k == 2 else range(k)):  # the calibration of the resampled rows
            key = "calibration_slope" + ("" if k == 2 else f":{j}")
            fit = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000).fit(
                logit(Pb[:, [j]]), yb == j)
            assert got[key][b] == pytest.approx(fit.coef_[0, 0], rel=1e-4)


def test_weighted_regression_scores_equal_scikit_learn_on_resampled_rows():
    rng = np.random.default_rng(0)
    y, predicted = rng.normal(size=50), rng.normal(size=50)
    idx = rng.integers(0, 50, size=(2, 50))
    W = np.stack([np.bincount(i, minlength=50) for i in idx]).astype(float)
    got = NumberScores(y, predicted).weighted(W)
    for b, rows in enumerate(idx):
        assert got["mae"][b] == pytest.approx(mean_absolute_error(y[rows], predicted[rows]))
        assert got["rmse"][b] == pytest.approx(root_mean_squared_error(y[rows], predicted[rows]))
        assert got["r2"][b] == pytest.approx(r2_score(y[rows], predicted[rows]))


def test_weighted_auc_of_a_single_class_is_nan():
    W = np.ones((1, 4))
    assert np.isnan(weighted_auc(W, np.array([True] * 4), np.arange(4.0)))[0]
    assert weighted_auc(W, np.array([False, True, False, True]), np.array([1, 1, 0, 2.0]))[0] \
        == pytest.approx(roc_auc_score([0, 1, 0, 1], [1, 1, 0, 2]))


def simulated(n, seed, scale=1.0, shift=0.0):
    """Outcomes drawn from p = expit(z); predictions expit(scale z + shift)."""
    rng = np.random.default_rng(seed)
    z = rng.normal(0, 1.5, n)
    y = (rng.random(n) < expit(z)).astype(float)
    return y, expit(scale * z + shift)


def test_calibration_of_calibrated_overconfident_timid_and_shifted_predictions():
    y, p = simulated(20_000, 0)
    (a,), (b,) = calibration_fit(np.ones(len(y)), y, logit(p))
    assert abs(a) < 0.05 and abs(b - 1) < 0.05  # standard errors about 0.017 and 0.02
    y, p = simulated(20_000, 1, scale=2.0)  # logits twice too large: overconfident
    (a,), (b,) = calibration_fit(np.ones(len(y)), y, logit(p))
    assert abs(b - 0.5) < 0.03
    reference = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000).fit(logit(p)[:, None], y)
    assert b == pytest.approx(reference.coef_[0, 0], rel=1e-6)
    y, p = simulated(20_000, 2, scale=0.5)  # too timid
    assert abs(calibration_fit(np.ones(len(y)), y, logit(p))[1][0] - 2) < 0.1
    y, p = simulated(20_000, 3, shift=-1.0)  # probabilities too low on average
    (a,), (b,) = calibration_fit(np.ones(len(y)), y, logit(p))
    assert 0.85 < a < 1.15 and abs(b - 1) < 0.05


def test_calibration_without_a_finite_maximum_is_nan():
    ones = np.ones((1, 4))
    intercept, slope = calibration_fit(ones, np.array([0, 0, 0, 0.0]), np.array([0, 1, 2, 3.0]))
    assert np.isnan(intercept[0]) and np.isnan(slope[0])  # one outcome only
    intercept, slope = calibration_fit(ones, np.array([0, 1, 0, 1.0]), np.zeros(4))
    assert intercept[0] == pytest.approx(0) and np.isnan(slope[0])  # constant predictions


def test_intervals_hold_the_estimate_and_repeat_with_the_seed(monkeypatch):
    y, p = simulated(500, 4)
    P = np.c_[1 - p, p]
    first = score_predictions(y, {"model": P}, [0.0, 1.0], n_bootstrap=300, random_state=7)
    again = score_predictions(y, {"model": P}, [0.0, 1.0], n_bootstrap=300, random_state=7)
    other = score_predictions(y, {"model": P}, [0.0, 1.0], n_bootstrap=300, random_state=8)
    assert first == again and first["scores"] != other["scores"]
    for key, score in first["scores"]["model"].items():
        assert score["low"] < score["estimate"] < score["high"], key
    monkeypatch.setattr(metrics, "CELLS", 777)  # other chunks of resamples: the same draws
    chunked = score_predictions(y, {"model": P}, [0.0, 1.0], n_bootstrap=300, random_state=7)
    for key, score in first["scores"]["model"].items():  # up to the rounding of the sums
        assert chunked["scores"]["model"][key] == pytest.approx(score, rel=1e-12), key
    bare = score_predictions(y, {"model": P}, [0.0, 1.0], n_bootstrap=0)
    assert bare["scores"]["model"]["brier"] == {**first["scores"]["model"]["brier"],
                                                "low": None, "high": None}


def test_intervals_cover_the_true_brier_score():
    # calibrated p: the expected Brier score is E p (1 - p); 95 % intervals should cover it
    z = np.random.default_rng(99).normal(0, 1.5, 1_000_000)
    truth = float(np.mean(expit(z) * (1 - expit(z))))
    covered = 0
    for seed in range(40):
        y, p = simulated(300, 100 + seed)
        report = score_predictions(y, {"m": np.c_[1 - p, p]}, [0.0, 1.0], n_bootstrap=200,
                                   random_state=seed, calibrate=[])
        brier = report["scores"]["m"]["brier"]
        covered += brier["low"] <= truth <= brier["high"]
    assert covered >= 34  # 38 expected; below 34 has probability < 1 % if coverage is 95 %


def test_differences_are_paired():
    y, p = simulated(400, 5)
    P, Q = np.c_[1 - p, p], np.full((400, 2), 0.5)
    report = score_predictions(y, {"a": P, "b": Q, "c": P}, [0.0, 1.0], n_bootstrap=200)
    a, b = report["scores"]["a"], report["scores"]["b"]
    difference = report["differences"]["a - b"]["brier"]
    assert difference["estimate"] == pytest.approx(a["brier"]["estimate"] - b["brier"]["estimate"])
    assert difference["high"] < 0  # the model beats the coin for sure
    same = report["differences"]["a - c"]["log_loss"]
    assert same == {"estimate": 0.0, "low": 0.0, "high": 0.0}
    assert b["calibration_slope"]["estimate"] is None  # constant: no slope, and no note
    assert not any(note.startswith("b:") for note in report["notes"])


def test_undefined_scores_are_noted():
    report = score_predictions(np.array(["x", "x", "x"]), {"m": np.full((3, 2), 0.5)},
                               ["x", "y"], n_bootstrap=10)
    assert report["scores"]["m"]["roc_auc"]["estimate"] is None
    assert "m: roc_auc undefined: needs both outcomes among the rows" in report["notes"]
    rare = score_predictions(np.array([0] * 19 + [1]), {"m": np.tile([0.9, 0.1], (20, 1))},
                             [0, 1], n_bootstrap=100)
    assert any("roc_auc undefined in" in note and "of 100 resamples" in note
               for note in rare["notes"])


@pytest.mark.parametrize("call, message", [
    (lambda: score_predictions(Y4, {"m": P4}, ["no", "maybe"]),
     "y_true holds the label 'yes', which is not one of the classes"),
    (lambda: score_predictions(Y4, {"m": P4[:, :1]}, ["no", "yes"]),
     "class probabilities must have shape (4, 2)"),
    (lambda: score_predictions(Y4, {"m": P4}, ["no", "yes"], n_bootstrap=-1),
     "n_bootstrap=-1 is invalid"),
    (lambda: score_predictions(np.ones(3), {"m": np.ones(2)}), "predictions must have shape (3,)"),
    (lambda: score_predictions([], {"m": []}), "there are no rows to score")])
def test_bad_input_is_one_clear_error(call, message):
    with pytest.raises(ValueError, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        call()
