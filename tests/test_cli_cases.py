"""The command-line cases of issues 10 and 11, replayed: an id column, best-vs-saved weights on
Hitters, a mistyped --target, a closed pipe, option names, evaluate's report, outputs that must
not destroy the user's files, Ctrl-C, damaged model files, inf cells."""
import inspect
import os
import re
import subprocess
import sys
from importlib.resources import files

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import balanced_accuracy_score, precision_recall_fscore_support, roc_auc_score

import nnfit
from nnfit.cli import main
from nnfit.cli import table_fit
from nnfit.cli.table_fit import option_names

HITTERS = str(files("nnfit.datasets") / "data" / "islr" / "Hitters.csv")
FAST = ["--epochs", "40", "--hidden", "16", "--learning-rate", "0.01", "--quiet"]


@pytest.fixture(scope="module")
def patients(tmp_path_factory):
    """400 patients, 5 % cases, a unique patient_id per row."""
    rng = np.random.default_rng(1)
    n = 400
    age, marker = rng.normal(60, 10, n), rng.normal(size=n)
    case = np.zeros(n, bool)
    case[np.argsort(-(marker + 0.05 * (age - 60) + rng.normal(0, 0.5, n)))[:20]] = True
    frame = pd.DataFrame({"patient_id": [f"P{i:04d}" for i in range(n)], "age": age,
                          "marker": marker, "sex": rng.choice(["f", "m"], n),
                          "case": np.where(case, "yes", "no")})
    path = tmp_path_factory.mktemp("patients") / "patients.csv"
    frame.to_csv(path, index=False)
    return str(path), frame


def test_patient_id_is_kept_out_and_carried_through(tmp_path, patients, capsys):
    path, frame = patients
    model = str(tmp_path / "m.nnfit")
    # without --id: patient_id is left out as an identifier (issue 26: it was one feature per
    # id), with one warning saying how to keep it, and the model is written
    assert main(["fit", path, "--target", "case", "--early-stopping", "true", "--out", model,
                 *FAST]) == 0
    captured = capsys.readouterr()
    warned = [line for line in captured.err.splitlines() if "'patient_id'" in line]
    assert warned == ["nnfit fit: warning: column 'patient_id' has a different value in each "
                      "of its 400 rows, as an identifier does, so it is left out of the "
                      "predictors (each value would be a feature that no new row shares); to "
                      "use it, keep=['patient_id'] (on the command line --keep patient_id); "
                      "--id patient_id on the command line copies it into predictions"]
    assert "validation report (40 held-out rows" in captured.out and os.path.exists(model)
    assert nnfit.load(model).estimator_.n_features_in_ == 2 + 2
    assert nnfit.load(model).identifiers_ == ["patient_id"]
    assert main(["fit", path, "--target", "case", "--id", "patient_id", "--out", model,
                 "--force", *FAST]) == 0
    assert "patient_id" not in capsys.readouterr().err
    fitted = nnfit.load(model)
    assert fitted.estimator_.n_features_in_ == 4 and fitted.excluded_ == ["patient_id"]
    preds = str(tmp_path / "p.csv")
    assert main(["predict", model, path, "--out", preds, "--proba"]) == 0
    out = pd.read_csv(preds)
    assert list(out.columns) == ["patient_id", "predicted_case", "proba_no", "proba_yes"]
    assert out["patient_id"].tolist() == frame["patient_id"].tolist()
    assert main(["fit", path, "--target", "case", "--exclude", "patient_id", "sex",
                 "--out", model, *FAST]) == 2  # an existing model is replaced only with --force
    assert f"--out {model} exists; choose another name, or add --force" in capsys.readouterr().err
    assert main(["fit", path, "--target", "case", "--exclude", "patient_id", "sex",
                 "--out", model, "--force", *FAST]) == 0
    assert nnfit.load(model).estimator_.n_features_in_ == 2


def test_model_is_written_even_if_the_report_fails(tmp_path, patients, capsys, monkeypatch):
    path, _ = patients
    model = tmp_path / "m.nnfit"

    def broken(*args):
        raise ValueError("the report broke")
    monkeypatch.setattr(table_fit, "evaluate", broken)
    assert main(["fit", path, "--target", "case", "--id", "patient_id", "--early-stopping",
                 "true", "--out", str(model), *FAST]) == 2
    assert "the validation report failed (the model was written): the report broke" in \
        capsys.readouterr().err
    assert nnfit.load(model).predict(pd.read_csv(path)).shape == (400,)


def _epoch_lines(text):
    return {int(m[1]): float(m[2]) for m in re.finditer(
        r"^epoch +(\d+)/\d+ .* validation loss ([\d.]+) +R\^2 [-\d.]+$", text, re.MULTILINE)}


def test_hitters_keeps_the_best_epoch_then_refits(tmp_path, capsys):
    """Issue 10: the command line kept the last epoch (saved MAE 202.2) rather than the best
    (194.6).  Now the saved model, without refit, is the best epoch's; with it, a fit of that
    many epochs on all rows."""
    model = tmp_path / "h.nnfit"
    assert main(["fit", HITTERS, "--target", "Salary", "--drop-missing", "--no-refit",
                 "--early-stopping", "true", "--out", str(model)]) == 0
    out = capsys.readouterr().out
    epochs = _epoch_lines(out)
    best = min(epochs, key=epochs.get)
    assert f"best validation loss {epochs[best]:.4f} (half the mean squared error of the target " \
           f"standardized by its training sd) at epoch {best}, whose weights were " \
           "restored (236 training, 27 validation rows)" in out
    assert max(epochs) == best + 10 < 200  # patience 10 ended it
    saved = nnfit.load(model)
    assert saved.estimator_.best_epoch_ == best and saved.estimator_.n_iter_ == best + 10
    assert "refit" not in out and f"the fit stopped at epoch {best}):" in out
    assert main(["fit", HITTERS, "--target", "Salary", "--drop-missing", "--quiet",
                 "--early-stopping", "true", "--out", str(model), "--force"]) == 0
    assert f"refit on all 263 rows for {best} epoch(s)" in capsys.readouterr().out
    assert nnfit.load(model).estimator_.n_iter_ == best


def test_mistyped_names_list_the_columns_and_suggest(tmp_path, capsys):
    out = str(tmp_path / "m.nnfit")
    assert main(["fit", HITTERS, "--target", "salary", "--out", out]) == 2
    err = capsys.readouterr().err
    assert err.startswith("nnfit fit: error: --target salary: no such column (did you mean "
                          "'Salary'?); the columns are 'AtBat', 'Hits'")
    assert main(["fit", HITTERS, "--target", "Salary", "--exclude", "leage", "--out", out]) == 2
    assert "--exclude leage: no such column (did you mean 'League'?)" in capsys.readouterr().err


def test_closed_pipe_exits_quietly(tmp_path, patients):
    path, _ = patients
    model = str(tmp_path / "m.nnfit")
    assert main(["fit", path, "--target", "case", "--id", "patient_id", "--out", model,
                 *FAST]) == 0
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first line, as after `| head -0`
    done = subprocess.run([sys.executable, "-m", "nnfit", "predict", model, path],
                          stdout=write, stderr=subprocess.PIPE, text=True, timeout=120)
    os.close(write)
    assert done.returncode == 141 and done.stderr == ""


def test_version_and_option_names_in_messages(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0 and capsys.readouterr().out == f"nnfit {nnfit.__version__}\n"
    for argv, message in [(["--epochs", "0"], "argument --epochs: 0 is invalid"),
                          (["--seed", "-1"], "argument --seed: -1 is invalid"),
                          (["--dropout", "1"], "argument --dropout: 1 is invalid"),
                          (["--learning-rate", "nan"], "argument --learning-rate: nan is inval")]:
        with pytest.raises(SystemExit):
            main(["fit", HITTERS, "--target", "Salary", "--out", "m.nnfit", *argv])
        err = capsys.readouterr().err
        assert message in err and "epochs=" not in err and "random_state" not in err
    error = option_names(ValueError("hidden_layer_sizes=(0,) is invalid; epochs=0 too"))
    assert str(error) == "--hidden (0,) is invalid; --epochs 0 too"


def test_evaluate_reports_per_class_and_balanced_metrics(tmp_path, patients, capsys):
    path, frame = patients
    model = str(tmp_path / "m.nnfit")
    assert main(["fit", path, "--target", "case", "--id", "patient_id", "--out", model,
                 *FAST]) == 0
    capsys.readouterr()
    report_path = tmp_path / "report.json"
    assert main(["evaluate", model, path, "--out", str(report_path)]) == 0
    out = capsys.readouterr().out
    fitted = nnfit.load(model)
    predicted, P = fitted.predict(frame), fitted.predict_proba(frame)
    truth = frame["case"].to_numpy()
    precision, recall, f1, support = precision_recall_fscore_support(truth, predicted)
    assert (f"balanced accuracy {balanced_accuracy_score(truth, predicted):.4f}  ROC AUC "
            f"{roc_auc_score(truth == 'yes', P[:, 1]):.4f} on 400 rows") in out
    assert re.search(rf"yes +{precision[1]:.4f} +{recall[1]:.4f} +{f1[1]:.4f} +20\n", out)
    assert "confusion matrix (rows: true class, columns: predicted)" in out
    report = pd.read_json(report_path, typ="series")
    assert report["per_class"][1]["support"] == 20 and len(report["confusion_matrix"]) == 2


@pytest.mark.skipif("class_weight" not in nnfit.MLPClassifier().get_params(),
                    reason="MLPClassifier has no class_weight yet")
def test_class_weight_balanced_finds_more_cases(tmp_path, patients, capsys):
    path, frame = patients
    recalls = []
    for extra in ([], ["--class-weight", "balanced"]):
        model = str(tmp_path / f"m{len(extra)}.nnfit")
        assert main(["fit", path, "--target", "case", "--id", "patient_id", "--out", model,
                     *FAST, *extra]) == 0
        predicted = nnfit.load(model).predict(frame)
        recalls.append(np.mean(predicted[frame["case"] == "yes"] == "yes"))
    assert recalls[1] > recalls[0]
    assert main(["fit", HITTERS, "--target", "Salary", "--class-weight", "balanced",
                 "--drop-missing", "--out", model, "--force"]) == 2
    assert "--class-weight is for classification" in capsys.readouterr().err


def test_out_may_not_destroy_an_input_or_another_kind_of_file(tmp_path, patients, capsys):
    path, frame = patients
    data = tmp_path / "data.csv"
    frame.to_csv(data, index=False)
    before = data.read_bytes()
    assert main(["fit", str(data), "--target", "case", "--out", str(data)]) == 2
    assert "is also an input of this command" in capsys.readouterr().err
    model = tmp_path / "m.nnfit"
    assert main(["fit", str(data), "--target", "case", "--id", "patient_id", "--out",
                 str(model), *FAST]) == 0
    model_bytes = model.read_bytes()
    assert main(["predict", str(model), str(data), "--out", str(model)]) == 2
    assert main(["predict", str(model), str(data), "--out", str(model), "--force"]) == 2
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes")
    assert main(["predict", str(model), str(data), "--out", str(notes)]) == 2
    assert "exists and is not a CSV file (.csv); choose another name, or add --force" in \
        capsys.readouterr().err
    assert main(["evaluate", str(model), str(data), "--out", str(notes)]) == 2
    assert data.read_bytes() == before and model.read_bytes() == model_bytes
    assert notes.read_text() == "my notes"
    assert main(["predict", str(model), str(data), "--out", str(notes), "--force"]) == 0
    assert pd.read_csv(notes).shape == (400, 2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.csv", "m.nnfit", "notes.txt"]


def test_ctrl_c_exits_130_and_says_what_was_written(tmp_path, patients, capsys, monkeypatch):
    path, frame = patients
    model = tmp_path / "m.nnfit"
    model.write_bytes(b"an older model")

    def interrupt(record):  # Ctrl-C in the first epoch: the estimator catches it
        raise KeyboardInterrupt
    with monkeypatch.context() as patch:
        patch.setattr(table_fit, "progress", lambda *args: interrupt)
        assert main(["fit", path, "--target", "case", "--out", str(model), "--force",
                     *FAST[:-1]]) == 130
    assert "nnfit fit: interrupted (Ctrl-C); no file was written" in capsys.readouterr().err
    assert model.read_bytes() == b"an older model"
    assert main(["fit", path, "--target", "case", "--id", "patient_id", "--out", str(model),
                 "--force", *FAST]) == 0
    preds = tmp_path / "p.csv"
    real = pd.DataFrame.to_csv

    def interrupted_write(self, target=None, **kwargs):  # Ctrl-C half way through the CSV
        target.write("patient_id,predicted_case\nP0000,no\n")
        raise KeyboardInterrupt
    monkeypatch.setattr(pd.DataFrame, "to_csv", interrupted_write)
    assert main(["predict", str(model), path, "--out", str(preds)]) == 130
    assert "no file was written" in capsys.readouterr().err
    monkeypatch.setattr(pd.DataFrame, "to_csv", real)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.nnfit"]  # no temporary left
    assert main(["evaluate", str(model), path, "--out", str(tmp_path / "r.json")]) == 0
    assert "report written to" in capsys.readouterr().out


def test_damaged_model_file_is_one_line(tmp_path, patients, capsys):
    path, _ = patients
    model = tmp_path / "m.nnfit"
    assert main(["fit", path, "--target", "case", "--id", "patient_id", "--out", str(model),
                 *FAST]) == 0
    capsys.readouterr()
    data = bytearray(model.read_bytes())
    data[len(data) // 2] ^= 0xFF
    model.write_bytes(bytes(data))
    assert main(["predict", str(model), path]) == 2
    err = capsys.readouterr().err
    assert err.startswith("nnfit predict: error: ") and err.count("\n") == 1
    assert "Traceback" not in err


def test_inf_cell_gets_the_message_of_a_missing_one(tmp_path, patients, capsys):
    path, frame = patients
    model = str(tmp_path / "m.nnfit")
    assert main(["fit", path, "--target", "case", "--id", "patient_id", "--out", model,
                 *FAST]) == 0
    for value in ("inf", "", "-inf"):
        bad = frame.astype({"marker": object})
        bad.loc[6, "marker"] = value
        data = tmp_path / "bad.csv"
        bad.to_csv(data, index=False)
        for argv in (["fit", str(data), "--target", "case", "--out", model, "--force", *FAST],
                     ["predict", model, str(data)]):
            assert main(argv) == 2
            assert "missing or infinite values (column 'marker': row 7); fill in or drop " \
                   "those rows" in capsys.readouterr().err


def test_impute_fills_missing_cells_and_id_falls_back_to_rows(tmp_path, patients, capsys):
    path, frame = patients
    holes = frame.astype({"sex": object})
    holes.loc[[2, 9], "marker"] = np.nan
    holes.loc[4, "sex"] = np.nan
    data, model = tmp_path / "holes.csv", str(tmp_path / "m.nnfit")
    holes.to_csv(data, index=False)
    assert main(["fit", str(data), "--target", "case", "--id", "patient_id", "--out", model,
                 *FAST]) == 2
    assert "(column 'marker': rows 3, 10; column 'sex': row 5)" in capsys.readouterr().err
    assert main(["fit", str(data), "--target", "case", "--id", "patient_id", "--impute",
                 "median", "--out", model, *FAST]) == 0
    fitted = nnfit.load(model)
    imputer = fitted.preprocessor_.named_transformers_["numeric"]["impute"]
    assert imputer.statistics_[1] == np.nanmedian(holes["marker"])
    capsys.readouterr()
    assert main(["predict", model, str(data)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("patient_id,predicted_case\nP0000,") and out.count("\n") == 401
    no_id = tmp_path / "no_id.csv"
    holes.drop(columns="patient_id").to_csv(no_id, index=False)
    assert main(["predict", model, str(no_id)]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("row,predicted_case\n1,")
    assert "no column 'patient_id' (the model's --id); the output numbers the rows" in \
        captured.err
