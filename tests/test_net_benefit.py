"""Net benefit (nnfit/estimators/decision.py) equals the reference implementation, dcurves's
``dca``, on the same predictions; weights are repeated rows; bad input is refused by name."""
import warnings

import numpy as np
import pandas as pd
import pytest

from nnfit.datasets import load_default
from nnfit.estimators.classifier import MLPClassifier
from nnfit.estimators.decision import best_threshold, net_benefit

RATES = ["test_pos_rate", "tp_rate", "fp_rate", "net_benefit"]


def _dca(y, risk, thresholds):
    dcurves = pytest.importorskip("dcurves")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas' notices inside dcurves
        table = dcurves.dca(data=pd.DataFrame({"y": y, "model": risk}), outcome="y",
                            modelnames=["model"], thresholds=list(thresholds))
    return {name: part.reset_index(drop=True) for name, part in table.groupby("model")}


@pytest.fixture(scope="module")
def default_predictions():
    """Held-out risks of a small network on ISLR2 Default: 3.3 % defaults, an imbalanced
    outcome (fitted on the odd rows, predicted on the even rows)."""
    data = load_default()
    X, y = data.data.to_numpy(float), (np.asarray(data.target) == "Yes").astype(int)
    model = MLPClassifier((8,), epochs=5, random_state=0).fit(X[1::2], y[1::2])
    return y[::2], model.predict_proba(X[::2])[:, 1]


def test_equals_dcurves_on_held_out_predictions_of_an_imbalanced_outcome(default_predictions):
    y, risk = default_predictions
    assert 0.02 < y.mean() < 0.05
    thresholds = np.arange(100) / 100  # dcurves's default grid, 0 included
    ours, ref = net_benefit(y, risk), _dca(y, risk, thresholds)
    np.testing.assert_array_equal(ours["threshold"], thresholds)
    for column in RATES:
        np.testing.assert_allclose(ours[column], ref["model"][column], rtol=0, atol=1e-9)
    np.testing.assert_allclose(ours["treat_all"], ref["all"]["net_benefit"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(ours["treat_none"], ref["none"]["net_benefit"], rtol=0, atol=1e-9)
    # net interventions avoided: dcurves divides by the odds, 0 at threshold 0
    np.testing.assert_allclose(ours["net_intervention_avoided"][1:],
                               ref["model"]["net_intervention_avoided"][1:], rtol=0, atol=1e-9)
    assert np.isnan(ours["net_intervention_avoided"][0])
    assert (ours["net_benefit"] > ours["treat_all"]).any()  # the model is of some use


def test_equals_dcurves_with_ties_and_risks_of_exactly_0_and_1():
    rng = np.random.default_rng(3)
    risk = np.round(rng.beta(1, 6, size=400), 2)  # many ties, and thresholds equal to risks
    risk[:6], risk[6:9] = 0.0, 1.0
    y = (rng.random(400) < risk).astype(int)
    y[:2] = 1  # events among the risks of 0, which dcurves never treats
    thresholds = [0, 0.01, 0.05, 0.1, 0.12, 0.2, 1 / 3, 0.5, 0.75, 0.99]
    ours, ref = net_benefit(y, risk, thresholds), _dca(y, risk, thresholds)
    for column in RATES:
        np.testing.assert_allclose(ours[column], ref["model"][column], rtol=0, atol=1e-9)
    np.testing.assert_allclose(ours["treat_all"], ref["all"]["net_benefit"], rtol=0, atol=1e-9)


def test_a_small_table_by_hand():
    y = np.array([1, 0, 1, 0, 1, 0])
    risk = np.array([0.0, 0.0, 0.2, 0.2, 0.6, 0.9])
    table = net_benefit(y, risk, [0.0, 0.2, 0.5])
    # p_t = 0: the risks of 0 are not treated; 0.2: risk >= 0.2 is treated (2 events, 2 not)
    assert table["tp"].tolist() == [2, 2, 1] and table["fp"].tolist() == [2, 2, 1]
    np.testing.assert_allclose(table["net_benefit"], [2 / 6, 2 / 6 - 2 / 6 * 0.25, 0.0])
    np.testing.assert_allclose(table["treat_all"], [0.5, 0.5 - 0.5 * 0.25, 0.0])
    assert table["treat_none"].tolist() == [0.0, 0.0, 0.0]
    np.testing.assert_allclose(table["net_intervention_avoided"][1:],
                               [(2 / 6 - 2 / 6 * 0.25 - 0.375) / 0.25, 0.0])


def test_treat_all_and_treat_none_are_the_constant_risks_1_and_0():
    rng = np.random.default_rng(0)
    y, t = rng.integers(0, 2, 50), np.linspace(0, 0.95, 20)
    ones, zeros = net_benefit(y, np.ones(50), t), net_benefit(y, np.zeros(50), t)
    np.testing.assert_allclose(ones["net_benefit"], ones["treat_all"], rtol=0, atol=1e-15)
    assert (zeros["net_benefit"] == 0).all() and (zeros["treat_none"] == 0).all()


def test_weights_are_repeated_rows():
    rng = np.random.default_rng(1)
    y, risk = rng.integers(0, 2, 80), rng.random(80)
    w = rng.integers(0, 4, 80)  # zero weights included: those rows drop out
    t = [0, 0.1, 0.25, 0.5, 0.8]
    weighted = net_benefit(y, risk, t, sample_weight=w)
    repeated = net_benefit(np.repeat(y, w), np.repeat(risk, w), t)
    pd.testing.assert_frame_equal(weighted, repeated, check_exact=False, rtol=0, atol=1e-12)
    for p_t in (0.1, 0.3, 0.6):
        assert best_threshold(y, risk, p_t, sample_weight=w) == \
            best_threshold(np.repeat(y, w), np.repeat(risk, w), p_t)


def test_bools_and_a_constant_outcome_are_fine():
    risk = np.array([0.1, 0.4, 0.7])
    as_bool = net_benefit(np.array([False, True, True]), risk, [0.3])
    pd.testing.assert_frame_equal(as_bool, net_benefit([0, 1, 1], risk, [0.3]))
    none = net_benefit([0, 0, 0], risk, [0.3])  # no events: NB = -FP/n odds, still defined
    np.testing.assert_allclose(none["net_benefit"], [-2 / 3 * 0.3 / 0.7])


@pytest.mark.parametrize("risk, message", [
    ([0.1, 1.2, 0.5], r"risk must be a probability in \[0, 1\]; row 1 has 1.2"),
    ([-0.1, 0.2, 0.5], "row 0 has -0.1"),
    ([0.1, np.nan, 0.5], "finite numbers"),
    (["a", "b", "c"], "finite numbers"),
    ([[0.9, 0.1], [0.5, 0.5], [0.2, 0.8]], r"predict_proba\(X\)\[:, 1\]"),
    ([0.1, 0.2], "y has 3 rows but risk has 2"),
])
def test_bad_risks_are_refused(risk, message):
    with pytest.raises(ValueError, match=message):
        net_benefit([0, 1, 1], risk, [0.1])


@pytest.mark.parametrize("y", [[0, 2, 1], ["no", "yes", "yes"], [0, np.nan, 1], [-1, 1, 1]])
def test_outcomes_other_than_0_1_are_refused(y):
    with pytest.raises(ValueError, match="y must hold 0/1 or False/True"):
        net_benefit(y, [0.1, 0.5, 0.9], [0.1])


@pytest.mark.parametrize("thresholds", [[0.1, 1.0], [-0.05], [1.5], [np.nan], [], ["0.1"]])
def test_thresholds_outside_0_1_are_refused(thresholds):
    with pytest.raises(ValueError, match=r"thresholds must"):
        net_benefit([0, 1, 1], [0.1, 0.5, 0.9], thresholds)


@pytest.mark.parametrize("w, message", [([1, -1, 1], "finite numbers >= 0"),
                                        ([1, 1], "3 finite numbers"),
                                        ([0, 0, 0], "sums to 0")])
def test_bad_weights_are_refused(w, message):
    with pytest.raises(ValueError, match=message):
        net_benefit([0, 1, 1], [0.1, 0.5, 0.9], [0.1], sample_weight=w)


def test_no_rows_are_refused():
    with pytest.raises(ValueError, match="no rows"):
        net_benefit([], [], [0.1])


def test_best_threshold_is_the_cutoff_of_largest_net_benefit_at_a_fixed_threshold(
        default_predictions):
    """For each p_t: the grid cutoff c maximizing TP(c)/n - FP(c)/n * p_t/(1 - p_t) (by brute
    force, from net_benefit's counts), nearest p_t among ties; calibrated risks give about
    p_t, risks shifted up on the logit scale (class weights) a higher cutoff."""
    y, risk = default_predictions
    grid = np.round(np.arange(100) / 100, 12)
    table = net_benefit(y, risk, grid)
    for p_t in (0.05, 0.1, 0.2, 0.5):
        nb = (table["tp"] - table["fp"] * p_t / (1 - p_t)).to_numpy() / len(y)
        best = best_threshold(y, risk, p_t)
        ties = grid[nb >= nb.max() - 1e-12]
        assert best == ties[np.argmin(np.abs(ties - p_t))]
        assert nb[np.flatnonzero(grid == best)[0]] >= nb[np.flatnonzero(grid == p_t)[0]]
    shifted = 1 / (1 + np.exp(-(np.log(risk / (1 - risk)) + 2)))  # every risk too high
    assert best_threshold(y, shifted, 0.1) > 0.3
    inside = best_threshold(y, risk, 0.1, low=0.2, high=0.3)  # within the range given
    part = (grid >= 0.2) & (grid <= 0.3)
    nb = (table["tp"] - table["fp"] / 9).to_numpy()[part]
    assert inside == grid[part][np.argmax(nb)]
    assert best_threshold(y, risk, 0.1, low=0.1, high=0.12, step=0.05) in (0.1, 0.12)


@pytest.mark.parametrize("p_t, low, high, step", [
    (0.1, -0.1, 0.5, 0.01), (0.1, 0.5, 0.4, 0.01), (0.1, 0.1, 1.0, 0.01), (0.1, 0.1, 0.5, 0),
    (0.1, 0.1, 0.5, -1), (0.1, None, 0.5, 0.01), (0.1, 0.1, 0.5, True), (0, 0, 0.5, 0.01),
    (1.0, 0, 0.5, 0.01), (None, 0, 0.5, 0.01)])
def test_best_threshold_refuses_a_bad_threshold_or_range(p_t, low, high, step):
    with pytest.raises(ValueError, match="invalid"):
        best_threshold([0, 1, 1], [0.1, 0.5, 0.9], p_t, low=low, high=high, step=step)


def test_best_threshold_takes_no_range_as_its_threshold():
    """The former best_threshold(y, risk, low, high) fails loudly instead of reading low as p_t."""
    with pytest.raises(TypeError):
        best_threshold([0, 1, 1], [0.1, 0.5, 0.9], 0.05, 0.5)


def test_p_t_itself_is_a_candidate_off_the_grid():
    """p_t = 0.155 between grid points: the rule at p_t (NB 0.5) beats 0.15 (NB 0.408)."""
    assert best_threshold([0, 1], [0.152, 0.158], 0.155) == 0.155
