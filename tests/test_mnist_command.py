"""``nnfit mnist --quick --json`` end to end, in process."""
import json

from nnfit import mnist_table
from nnfit.cli import main


def test_quick_table_end_to_end(tmp_path, capsys):
    out, report = tmp_path / "out", tmp_path / "table.json"
    code = main(["mnist", "--quick", "--no-progress", "--out", str(out), "--json", str(report)])
    assert code == 0
    results = {r["row"]: r for r in json.loads(report.read_text())["rows"]}
    assert list(results) == mnist_table.DEFAULT_ROWS
    for row, r in results.items():
        assert set(r) >= {"method", "test_error", "book_error", "epochs", "seconds", "n_params",
                          "hyperparameters"}
        assert 0 <= r["test_error"] < 100 and r["book_error"] == mnist_table.BOOK[row]
    assert results["dropout"]["n_params"] == 235_146
    assert results["logistic"]["n_params"] == 7_850
    assert results["dropout"]["test_error"] < results["logistic"]["test_error"]
    assert results["ridge"]["test_error"] < results["logistic"]["test_error"]
    printed = capsys.readouterr().out
    assert "235,146" in printed and "| Neural network + dropout | 1.8 % |" in printed
    for name in ("report.md", "learning_curves.png", "misclassified.png", "first_layer_weights.png"):
        assert (out / name).stat().st_size > 1000


def test_unknown_row_is_a_clear_error(capsys):
    assert main(["mnist", "--rows", "ridge,svm", "--quick"]) == 2
    assert "unknown rows ['svm']" in capsys.readouterr().err
