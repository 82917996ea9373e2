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
    assert len(results["network_maes"]) == 2 and results["network_params"]["epochs"] == 30
    assert results["network_min"] <= results["network_mean"] <= results["network_max"]
    assert results["network_mean"] < 1.2 * results["linear"]  # 30 epochs already learn a lot
    json.dumps(results)


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
