"""The Hitters and Khan labs: the loader, the protocol on a small budget, the baselines."""
import json

import numpy as np
import pytest

from nnfit import islr_lab
from nnfit.cli import main
from nnfit.datasets import load_hitters


def test_hitters_loader_rows_columns_and_one_hot():
    data = load_hitters()
    assert data.data.shape == (263, 19) and len(data.target) == 263
    assert {"League_N", "Division_W", "NewLeague_N"} <= set(data.feature_names)
    assert not {"League", "Division", "NewLeague", "Salary"} & set(data.feature_names)
    assert set(np.unique(data.data["Division_W"])) == {0.0, 1.0}
    assert data.target.notna().all()


def test_split_is_the_labs_one_third_with_standardized_training_predictors():
    X_train, X_test, y_train, y_test = islr_lab.hitters_split()
    assert (len(y_train), len(y_test)) == (175, 88)
    assert np.allclose(X_train.mean(axis=0), 0) and np.allclose(X_train.std(axis=0), 1)


def test_baselines_match_the_islp_lab():
    results = islr_lab.hitters_baselines(*islr_lab.hitters_split())
    assert results["linear"] == pytest.approx(259.7, abs=0.05)  # the lab's least squares
    assert 200 < results["lasso"] < results["linear"]  # the lab's 235.7 used another CV grid
    assert results["lasso_alpha"] > 0


def test_hitters_protocol_on_a_small_budget():
    results = islr_lab.run_hitters(seeds=2, epochs=30)
    maes = results["network_maes"]
    assert len(maes) == 2 and results["network_params"]["epochs"] == 30
    # the summary is computed from the per-seed list, and the seeds give different fits
    assert results["network_seed0"] == maes[0] and maes[0] != maes[1]
    assert results["network_mean"] == pytest.approx(np.mean(maes), rel=1e-12)
    assert results["network_sd"] == pytest.approx(np.std(maes, ddof=1), rel=1e-12)
    assert results["network_sd"] > 0
    assert (results["network_min"], results["network_max"]) == (min(maes), max(maes))
    # seed 1 alone reproduces its entry: one fit per seed, nothing shared between them
    split = islr_lab.hitters_split()
    assert islr_lab.hitters_network(*split, seed=1, epochs=30) == maes[1]
    # every fit learns: well below predicting the training mean (test MAE 351.5)
    X_train, X_test, y_train, y_test = split
    constant = islr_lab.mae(y_test, np.full(len(y_test), y_train.mean()))
    assert constant == pytest.approx(351.5, abs=0.1)
    assert np.all(np.isfinite(maes)) and max(maes) < 0.85 * constant
    assert results["network_mean"] < 1.2 * results["linear"]  # 30 epochs already learn a lot
    assert results["network_mean_beats_lasso"] == (results["network_mean"] < results["lasso"])
    json.dumps(results)


def test_mae_is_sklearns_and_checks_lengths():
    assert islr_lab.mae([1.0, 2.0, 4.0], [2.0, 2.0, 2.0]) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        islr_lab.mae([1.0, 2.0, 3.0], [1.0])  # NumPy would broadcast the one prediction


def test_epochs_and_seeds_below_one_are_refused(capsys):
    for argv in (["khan", "--epochs", "0"], ["hitters", "--epochs", "0"],
                 ["hitters", "--seeds", "0"]):
        with pytest.raises(SystemExit) as stop:
            main(argv)
        assert stop.value.code == 2
        assert "invalid: give a whole number >= 1" in capsys.readouterr().err


def test_hitters_and_khan_commands_write_json(tmp_path, capsys):
    assert main(["hitters", "--quick", "--json", str(tmp_path / "h.json")]) == 0
    table = capsys.readouterr().out
    assert "lasso (10-fold CV)" in table and "sd / min / max" in table
    assert json.loads((tmp_path / "h.json").read_text())["seeds"] == 2
    assert main(["khan", "--quick", "--json", str(tmp_path / "k.json")]) == 0
    assert "multinomial logistic regression" in capsys.readouterr().out
    results = json.loads((tmp_path / "k.json").read_text())
    assert (results["n_train"], results["n_test"], results["n_genes"]) == (63, 20, 2308)
    assert 0 <= results["network_test_errors"] <= 20
