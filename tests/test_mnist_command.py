"""``nnfit mnist --quick --json`` end to end, in process."""
import json

import pytest

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
        assert r["book_error"] == mnist_table.BOOK[row]
        assert r["test_error"] * 10 == pytest.approx(round(r["test_error"] * 10))  # of 1,000
    # quick run (6,000 images, 5 epochs), seeds 0 / 1: ridge 6.1 / 7.9 %, dropout 6.8 / 6.7 %,
    # logistic 12.6 / 11.5 %, LDA 14.4 / 15.3 %; chance is 90 %
    assert 0 < results["ridge"]["test_error"] < 15 and 0 < results["dropout"]["test_error"] < 15
    assert 0 < results["logistic"]["test_error"] < 20 and 0 < results["lda"]["test_error"] < 30
    assert [results[row]["epochs"] for row in ("ridge", "dropout", "logistic")] == [5, 5, 5]
    assert results["lda"]["epochs"] is None
    assert results["dropout"]["n_params"] == 235_146
    assert 0 < results["dropout"]["validation_error"] < 15 and results["lda"]["validation_error"] is None
    assert results["logistic"]["n_params"] == 7_850
    assert results["dropout"]["test_error"] < results["logistic"]["test_error"]
    assert results["ridge"]["test_error"] < results["logistic"]["test_error"]
    printed = capsys.readouterr().out
    assert "235,146" in printed and "| Neural network + dropout | 1.8 % |" in printed
    assert "The network of the ridge and dropout rows (the ridge row's without the Dropout" in printed
    for name in ("report.md", "learning_curves.png", "misclassified.png", "first_layer_weights.png"):
        assert (out / name).stat().st_size > 1000


def test_the_ridge_row_alone_shows_its_network_without_dropout_layers(tmp_path, capsys):
    assert main(["mnist", "--quick", "--epochs", "1", "--rows", "ridge", "--no-progress",
                 "--out", str(tmp_path / "out")]) == 0
    printed = capsys.readouterr().out
    table = printed.split("The ridge row's network:\n", 1)[1].split("\n\n", 1)[0]
    assert table.splitlines()[1].startswith("Dense(784, 256)") and "Dropout" not in table
    assert table.splitlines()[-1].split() == ["total", "235,146"]


def test_unknown_row_is_a_clear_error(capsys):
    assert main(["mnist", "--rows", "ridge,svm", "--quick"]) == 2
    assert "unknown rows ['svm']" in capsys.readouterr().err


def test_epochs_below_one_are_refused_and_quick_keeps_given_epochs(tmp_path, capsys):
    for epochs in ("0", "-1"):
        with pytest.raises(SystemExit) as stop:
            main(["mnist", "--quick", "--epochs", epochs])
        assert stop.value.code == 2
        assert "argument --epochs" in capsys.readouterr().err
    report = tmp_path / "table.json"
    assert main(["mnist", "--quick", "--epochs", "2", "--rows", "logistic", "--no-progress",
                 "--out", str(tmp_path / "out"), "--json", str(report)]) == 0
    assert json.loads(report.read_text())["rows"][0]["epochs"] == 2


def test_repeats_report_the_spread_over_seeds(tmp_path, capsys):
    report = tmp_path / "table.json"
    assert main(["mnist", "--quick", "--epochs", "2", "--rows", "logistic,lda", "--repeats", "3",
                 "--seed", "4", "--no-progress", "--out", str(tmp_path / "out"),
                 "--json", str(report)]) == 0
    logistic, lda = json.loads(report.read_text())["rows"]
    assert logistic["seeds"] == [4, 5, 6] and len(set(logistic["test_errors"])) > 1
    assert logistic["test_error"] == logistic["test_errors"][0]  # the main column is --seed's
    errors = logistic["test_errors"]
    mean = sum(errors) / 3
    assert logistic["test_error_mean"] == pytest.approx(mean)
    assert logistic["test_error_sd"] == pytest.approx((sum((e - mean) ** 2 for e in errors) / 2) ** 0.5)
    assert "seeds" not in lda  # deterministic: fitted once
    printed = capsys.readouterr().out
    assert "mean ± sd, 3 seeds" in printed and "(deterministic)" in printed


def test_threads_limits_blas_during_the_fits(tmp_path, monkeypatch):
    from threadpoolctl import threadpool_info

    seen = []
    fit_row = mnist_table.fit_row

    def recording(*args, **kwargs):
        seen.append({i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"})
        return fit_row(*args, **kwargs)

    monkeypatch.setattr(mnist_table, "fit_row", recording)
    report = tmp_path / "table.json"
    assert main(["mnist", "--quick", "--epochs", "1", "--rows", "logistic", "--threads", "1",
                 "--no-progress", "--out", str(tmp_path / "out"), "--json", str(report)]) == 0
    assert seen == [{1}]
    assert json.loads(report.read_text())["blas_threads"] == 1
    outside = {i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"}
    if outside == {1}:
        pytest.skip("BLAS runs one thread here anyway: the limit made no visible difference")
