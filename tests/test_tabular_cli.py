"""``nnfit fit -> predict -> evaluate`` on a temporary CSV, and every bad-input case."""
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import nnfit
from nnfit.cli import main
from nnfit.cli.table_fit import EXACT_FLOATS

FAST = ["--epochs", "60", "--hidden", "16", "--learning-rate", "0.01", "--quiet"]


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    """Numeric, categorical and boolean predictors; a numeric and a text target."""
    rng = np.random.default_rng(0)
    n = 160
    x1, x2 = rng.normal(size=n), rng.integers(0, 10, n)
    color, flag = rng.choice(["red", "green", "blue"], n), rng.random(n) > 0.5
    frame = pd.DataFrame({
        "x1": x1, "x2": x2, "color": color, "flag": flag,
        "price": 3 * x1 + 0.5 * x2 + 2 * (color == "red") + flag + rng.normal(0, 0.3, n),
        "kind": np.where(x1 + (color == "red") > 0.5, "big", "small")})
    path = tmp_path_factory.mktemp("table") / "train.csv"
    frame.to_csv(path, index=False)
    return path, frame


def write(tmp_path, frame, name="new.csv"):
    frame.to_csv(tmp_path / name, index=False)
    return str(tmp_path / name)


@pytest.mark.parametrize("target, task", [("price", "regression"), ("kind", "classification")])
def test_fit_predict_evaluate_end_to_end(tmp_path, table, capsys, target, task):
    path, frame = table
    model_path = str(tmp_path / "model.nnfit")
    drop = "kind" if target == "price" else "price"
    train = write(tmp_path, frame.drop(columns=drop), "train.csv")
    assert main(["fit", train, "--target", target, "--out", model_path, *FAST]) == 0
    out = capsys.readouterr().out
    assert f"task: {task}" in out and "validation report (32 held-out rows" in out
    assert "refit on all 160 rows for" in out and f"model written to {model_path}" in out

    preds = tmp_path / "preds.csv"
    extra = ["--proba"] if task == "classification" else []
    assert main(["predict", model_path, train, "--out", str(preds), *extra]) == 0
    result = pd.read_csv(preds, **EXACT_FLOATS)  # pandas 2's default parser may miss by an ulp
    assert len(result) == len(frame) and list(result["row"][:2]) == [1, 2]
    model = nnfit.load(model_path)
    assert np.array_equal(result[f"predicted_{target}"].to_numpy(), model.predict(frame))
    if task == "classification":  # the CSV keeps every float64 exactly, on any Python
        assert np.array_equal(result[["proba_big", "proba_small"]].to_numpy(),
                              model.predict_proba(frame))
    assert model.numeric_columns_ + model.categorical_columns_ == ["x1", "x2", "color", "flag"]

    assert main(["evaluate", model_path, train]) == 0
    report = capsys.readouterr().out
    if task == "classification":
        assert "accuracy" in report and "confusion matrix" in report
        assert set(result.columns) == {"row", "predicted_kind", "proba_big", "proba_small"}
        assert model.score(frame.drop(columns=target), frame[target]) > 0.8
    else:
        assert "MAE" in report and "RMSE" in report and "R^2" in report
        assert model.score(frame.drop(columns=target), frame[target]) > 0.7


def test_boolean_target_and_per_epoch_progress(tmp_path, table, capsys):
    _, frame = table
    data = write(tmp_path, frame.drop(columns=["kind"]).assign(flag=frame.x1 > 0))
    model_path = str(tmp_path / "b.nnfit")
    assert main(["fit", data, "--target", "flag", "--epochs", "3", "--out", model_path]) == 0
    out = capsys.readouterr().out
    assert "epoch    3/3" in out and "validation loss" in out and "accuracy" in out
    assert nnfit.load(model_path).classes_.dtype == bool


@pytest.fixture(scope="module")
def fitted(tmp_path_factory, table):
    path, _ = table
    model_path = str(tmp_path_factory.mktemp("model") / "price.nnfit")
    assert main(["fit", str(path), "--target", "price", "--out", model_path, *FAST]) == 0
    return model_path


@pytest.mark.parametrize("change, message", [
    (lambda f: f.drop(columns="color"), "'color'.* missing from the data"),
    (lambda f: f.assign(x2=list(f.x2[:2]) + ["seven"] + list(f.x2[3:])),
     "column 'x2', row 3: 'seven' is not a number"),
])
def test_bad_rows_name_column_and_row(tmp_path, table, fitted, capsys, change, message):
    _, frame = table
    data = write(tmp_path, change(frame))
    assert main(["predict", fitted, data]) == 2
    assert capsys.readouterr().err.startswith("nnfit predict: error: ")
    model = nnfit.load(fitted)
    with pytest.raises(ValueError, match=message):
        model.predict(pd.read_csv(data).rename(index=lambda i: i + 1))  # rows as in the file


def test_missing_values_are_counted_or_dropped(tmp_path, table, fitted, capsys):
    _, frame = table
    holes = frame.copy()
    holes.loc[[2, 5], "x1"] = np.nan
    holes.loc[5, "color"] = np.nan
    data = write(tmp_path, holes)
    assert main(["predict", fitted, data]) == 2
    err = capsys.readouterr().err
    assert ("missing or infinite values (column 'x1': rows 3, 6; column 'color': row 6)"
            in err and "--impute median" in err)
    out = tmp_path / "preds.csv"
    assert main(["predict", fitted, data, "--drop-missing", "--out", str(out)]) == 0
    assert "dropped 2 row(s)" in capsys.readouterr().err
    assert 3 not in pd.read_csv(out)["row"].to_list() and len(pd.read_csv(out)) == len(frame) - 2
    model_path = str(tmp_path / "m.nnfit")
    assert main(["fit", data, "--target", "price", "--out", model_path, *FAST]) == 2
    assert main(["fit", data, "--target", "price", "--out", model_path, "--drop-missing",
                 *FAST]) == 0


def test_other_bad_inputs(tmp_path, table, fitted, capsys):
    path, frame = table
    out = str(tmp_path / "m.nnfit")
    assert main(["fit", str(path), "--target", "nope", "--out", out]) == 2
    assert "--target nope: no such column" in capsys.readouterr().err
    assert main(["fit", str(tmp_path / "absent.csv"), "--target", "x1", "--out", out]) == 2
    assert main(["fit", str(path), "--target", "kind", "--task", "regression", "--out", out]) == 2
    assert "column 'kind', row 1: 'small' is not a finite number" in capsys.readouterr().err
    assert main(["evaluate", fitted, write(tmp_path, frame.drop(columns="price"))]) == 2
    assert "target column" in capsys.readouterr().err
    assert main(["predict", fitted, str(path), "--proba"]) == 2
    assert "--proba needs a classification model" in capsys.readouterr().err
    bare = nnfit.MLPRegressor((2,), epochs=1).fit(np.eye(3), [1.0, 2.0, 3.0])
    bare_path = str(bare.save(tmp_path / "bare.nnfit"))
    for command in ("predict", "evaluate"):  # each names itself as the command that needs it
        assert main([command, bare_path, str(path)]) == 2
        err = capsys.readouterr().err
        assert f"preprocessing that 'nnfit {command}' needs; fit it with 'nnfit fit'" in err


def test_unusable_output_path_is_refused_before_fitting(tmp_path, table, fitted, capsys,
                                                       monkeypatch):
    path, _ = table
    missing = tmp_path / "missing" / "dir" / "m.nnfit"
    assert main(["fit", str(path), "--target", "price", "--out", str(missing), *FAST]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # stopped before reading the data, let alone fitting
    assert f"the folder {missing.parent} does not exist; create it first" in captured.err
    assert not missing.parent.exists()
    assert main(["fit", str(path), "--target", "price", "--out", str(tmp_path)]) == 2
    assert "is a folder; give a file name inside it" in capsys.readouterr().err
    assert main(["predict", fitted, str(path), "--out", str(missing)]) == 2
    assert "does not exist" in capsys.readouterr().err
    from nnfit import _files  # root may write anywhere: fake a read-only folder
    monkeypatch.setattr(_files.os, "access", lambda *args, **kwargs: False)
    assert main(["fit", str(path), "--target", "price", "--out", str(tmp_path / "m.nnfit")]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and f"the folder {tmp_path} is not writable" in captured.err


@pytest.mark.parametrize("content, reason", [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe" * 20, "it is not UTF-8 text"),
    (b"a,b\n1,2\n1,2,3,4\n" + bytes(range(128)) * 4, "Error tokenizing data"),
    (b"", "is empty"),
])
def test_unreadable_data_file_is_named_with_advice(tmp_path, fitted, capsys, content, reason):
    data = tmp_path / "data.csv"
    data.write_bytes(content)
    out = str(tmp_path / "m.nnfit")
    for argv in (["fit", str(data), "--target", "x1", "--out", out],
                 ["predict", fitted, str(data)], ["evaluate", fitted, str(data)]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"nnfit {argv[0]}: error: {data} ") and reason in err
        assert "codec can't decode" not in err
        if reason != "is empty":
            assert "is not a readable CSV file" in err and "UTF-8" in err


def test_help_shows_every_option_with_its_default(capsys):
    with pytest.raises(SystemExit):
        main(["fit", "--help"])
    text = capsys.readouterr().out
    for option in ["--target", "--task", "--hidden", "--dropout", "--ridge", "--lasso",
                   "--epochs", "--validation", "--seed", "--drop-missing", "--out"]:
        assert option in text
    assert "(default: 100)" in text and "(default: 0.2)" in text and "--no-refit" in text
    assert "the library's is 128" in text  # a default unlike the library's says why


def test_entry_point_runs_as_a_module(tmp_path, table, fitted):
    path, _ = table
    done = subprocess.run([sys.executable, "-m", "nnfit", "evaluate", fitted, str(path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "MAE" in done.stdout and "R^2" in done.stdout


def test_parquet_is_read_or_needs_pyarrow(tmp_path, table, fitted, capsys):
    _, frame = table
    target = tmp_path / "new.parquet"
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        target.write_bytes(b"PAR1")
        assert main(["evaluate", fitted, str(target)]) == 2
        assert "pip install pyarrow" in capsys.readouterr().err
    else:
        frame.to_parquet(target)
        assert main(["evaluate", fitted, str(target)]) == 0
