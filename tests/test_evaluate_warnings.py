"""``nnfit evaluate`` gives the warnings of ``nnfit report`` on its scores: a model no better
than its baseline, calibration off, class weights (pointing at thresholds), few events; a sound
model gets none."""
import numpy as np
import pytest

from nnfit.cli import main
from nnfit.datasets import load_default, load_hitters

FAST = ["--hidden", "8", "--epochs", "30", "--seed", "0", "--quiet"]


@pytest.fixture(scope="module")
def default_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("evaluate_warnings")
    frame = load_default().frame
    frame.iloc[:2000].to_csv(folder / "train.csv", index=False)
    frame.iloc[2000:5000].to_csv(folder / "test.csv", index=False)
    return folder


def _evaluate(argv, capsys):
    code = main(argv)
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return [line for line in captured.err.splitlines() if ": warning: " in line]


def test_class_weights_are_warned_about_with_thresholds(default_files, capsys):
    model = default_files / "weighted.nnfit"
    assert main(["fit", str(default_files / "train.csv"), "--target", "default",
                 "--class-weight", "balanced", "--out", str(model), *FAST]) == 0
    capsys.readouterr()
    said = _evaluate(["evaluate", str(model), str(default_files / "test.csv"), "--bootstrap",
                      "200"], capsys)
    text = "\n".join(said)
    assert "class_weight='balanced'" in text and "--threshold best:P" in text
    assert "no better than the prevalence baseline" in text  # Brier 0.09 against 0.034
    assert "calibration in the large" in text and "too high on average" in text


def test_a_sound_model_gets_no_warning(default_files, capsys):
    model = default_files / "plain.nnfit"
    assert main(["fit", str(default_files / "train.csv"), "--target", "default",
                 "--out", str(model), "--seed", "0", "--quiet"]) == 0  # the defaults
    capsys.readouterr()
    assert _evaluate(["evaluate", str(model), str(default_files / "test.csv"), "--bootstrap",
                      "200"], capsys) == []


def test_a_regression_on_shuffled_targets_is_no_better_than_the_mean(tmp_path, capsys):
    frame = load_hitters().frame.dropna().reset_index(drop=True)
    frame["Salary"] = np.random.default_rng(0).permutation(frame["Salary"].to_numpy())
    frame.iloc[:180].to_csv(tmp_path / "train.csv", index=False)
    frame.iloc[180:].to_csv(tmp_path / "test.csv", index=False)
    assert main(["fit", str(tmp_path / "train.csv"), "--target", "Salary", "--out",
                 str(tmp_path / "m.nnfit"), *FAST]) == 0
    capsys.readouterr()
    said = _evaluate(["evaluate", str(tmp_path / "m.nnfit"), str(tmp_path / "test.csv"),
                      "--bootstrap", "200", "--json", str(tmp_path / "r.json")], capsys)
    assert len(said) == 1 and "no better than the mean baseline" in said[0], said
    assert "RMSE" in said[0]
