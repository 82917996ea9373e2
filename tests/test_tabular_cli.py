"""``nnfit fit -> predict -> evaluate`` on a temporary CSV, and every bad-input case."""
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import nnfit
from nnfit.cli import main
from nnfit.cli.table_data import EXACT_FLOATS
from nnfit.cli.table_fit import tabular_model

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
    assert f"task: {task}" in out and f"model written to {model_path}" in out
    # both estimators' early stopping is "auto": from 10,000 rows on (tests below ask for it)
    assert "no validation rows (--early-stopping auto holds rows out from 10,000 rows on" \
           in out and "60 epoch(s) on all 160 rows" in out and "validation report" not in out

    preds = tmp_path / "preds.csv"
    extra = ["--proba"] if task == "classification" else []
    assert main(["predict", model_path, train, "--out", str(preds), *extra]) == 0
    result = pd.read_csv(preds, **EXACT_FLOATS)  # pandas 2's default parser may miss by an ulp
    assert len(result) == len(frame) and list(result["row"][:2]) == [1, 2]
    model = nnfit.load(model_path)
    assert np.array_equal(result[f"predicted_{target}"].to_numpy(), model.predict(frame))
    if task == "classification":  # float32 probabilities at their own precision, exactly
        P = model.predict_proba(frame)
        assert P.dtype == np.float32
        assert np.array_equal(result[["proba_big", "proba_small"]].to_numpy(np.float32), P)
        digits = [len(text.split("e")[0].replace("-", "").replace(".", "").lstrip("0"))
                  for text in open(preds).read().split()[1].split(",")[2:]]
        assert 1 <= max(digits) <= 9  # not the 17 digits of a float64
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
    assert main(["fit", data, "--target", "flag", "--epochs", "3", "--early-stopping", "true",
                 "--out", model_path]) == 0
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
    assert err == ("nnfit predict: error: missing or infinite values (column 'x1': rows 3, 6; "
                   "column 'color': row 6); fill in or drop those rows (on the command line: "
                   "--drop-missing), or fit the model again with impute='median' (nnfit fit "
                   "--impute median) so that it fills them in\n")  # predict has no --impute
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
    (b"a,b\n1,2\n1,2,3,4\n" + bytes(range(128)) * 4, "has 4 fields in line 3"),
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
        if reason == "it is not UTF-8 text":  # (a line with extra fields: which, and why)
            assert "is not a readable CSV file" in err and "UTF-8" in err


def test_help_shows_every_option_with_its_default(capsys):
    with pytest.raises(SystemExit):
        main(["fit", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for option in ["--target", "--task", "--hidden", "--dropout", "--ridge", "--lasso",
                   "--epochs", "--validation", "--seed", "--drop-missing", "--out"]:
        assert option in text
    assert "(default: 100)" in text and "(default: 0.1)" in text and "--no-refit" in text
    # where MLPClassifier and MLPRegressor differ, each task gets its own estimator's default
    assert "(default: the library's, 32 for regression and 128 for classification)" in text


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


@pytest.mark.parametrize("target, extra", [("price", []), ("kind", []),
                                           ("kind", ["--class-weight", "balanced"]),
                                           ("price", ["--early-stopping", "true"]),
                                           ("kind", ["--early-stopping", "true"])])
def test_nnfit_fit_gives_the_library_model(tmp_path, table, target, extra):
    """One workflow: ``nnfit fit`` at its defaults is ``TabularX(MLPX(random_state=seed))``,
    hold-out, early stopping and refit included, parameter for parameter."""
    _, frame = table
    other = "kind" if target == "price" else "price"
    data = write(tmp_path, frame.drop(columns=other))
    model_path = tmp_path / "m.nnfit"
    assert main(["fit", data, "--target", target, "--seed", "3", "--quiet", *extra,
                 "--out", str(model_path)]) == 0
    X, y = frame.drop(columns=[other, target]), frame[target]
    settings = {"random_state": 3}
    if extra:
        settings[extra[0][2:].replace("-", "_")] = extra[1] if extra[1] != "true" else True
    if target == "kind":
        python = nnfit.TabularClassifier(nnfit.MLPClassifier(**settings)).fit(X, y)
    else:
        python = nnfit.TabularRegressor(nnfit.MLPRegressor(**settings)).fit(X, y)
    cli = nnfit.load(model_path)
    assert np.array_equal(cli.estimator_.network_.theta, python.estimator_.network_.theta)
    assert np.array_equal(cli.predict(X), python.predict(X))
    refit = python.estimator_ is not python.early_stopped_estimator_
    assert refit == ("--early-stopping" in extra)
    assert cli.estimator_.n_iter_ == python.estimator_.n_iter_


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_every_default_of_nnfit_fit_is_the_librarys(task, capsys):
    """The model the options describe when none is given has the library's parameters, but
    for the seed, whose help says why."""
    from nnfit.cli.app import build_parser
    args = build_parser().parse_args(["fit", "t.csv", "--target", "y", "--out", "m.nnfit",
                                      "--quiet"])
    built = tabular_model(args, task, exclude=[])
    library = (nnfit.TabularClassifier(nnfit.MLPClassifier()) if task == "classification"
               else nnfit.TabularRegressor(nnfit.MLPRegressor()))
    ours, theirs = built.get_params(), library.get_params()
    assert ours.pop("estimator__random_state") == 0
    assert theirs.pop("estimator__random_state") is None
    del ours["estimator"], theirs["estimator"]
    assert ours == theirs
    with pytest.raises(SystemExit):
        main(["fit", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "the library's random_state is None: here a run repeats exactly) (default: 0)" in \
        help_text


def test_rare_class_and_tiny_tables_say_so_before_training(tmp_path, table, capsys):
    """Issue 19: a class seen once no longer fails after training with scikit-learn's "y_true
    contains values ... not belonging to the passed labels"; a table too small to split is
    refused before training, in nnfit's words."""
    _, frame = table
    rare = frame.drop(columns="price").assign(kind=lambda f: f["kind"].where(f.index != 7, "mid"))
    model_path = tmp_path / "m.nnfit"
    assert main(["fit", write(tmp_path, rare), "--target", "kind", "--early-stopping", "true",
                 "--out", str(model_path), *FAST]) == 0
    captured = capsys.readouterr()
    assert captured.err.count("class(es) 'mid' of the target have a single row (of 160)") == 1
    assert "y_true" not in captured.err and "validation report (16 held-out rows" in captured.out
    assert list(nnfit.load(model_path).classes_) == ["big", "mid", "small"]
    one_row = write(tmp_path, frame.drop(columns="kind").iloc[:1], "one.csv")
    assert main(["fit", one_row, "--target", "price", "--early-stopping", "true",
                 "--out", str(tmp_path / "one.nnfit"), *FAST]) == 2
    captured = capsys.readouterr()
    assert captured.err == ("nnfit fit: error: 1 sample(s) are too few to hold out --validation "
                            "0.1; pass --validation 0 or more data\n")
    assert "task:" in captured.out and "epoch" not in captured.out  # refused before training
    assert not (tmp_path / "one.nnfit").exists()


def test_numeric_identifier_is_warned_once_and_id_removes_it(tmp_path, table, capsys):
    """The ``Unnamed: 0`` that DataFrame.to_csv writes, and a numeric ``ID``: warned by name."""
    _, frame = table
    rng = np.random.default_rng(5)
    with_ids = frame.drop(columns="kind").assign(ID=rng.permutation(len(frame)) * 7 + 1000)
    data = tmp_path / "ids.csv"
    with_ids.to_csv(data)  # index=True: the unnamed row-number column
    model_path = tmp_path / "m.nnfit"
    assert main(["fit", str(data), "--target", "price", "--out", str(model_path), *FAST]) == 0
    warned = [line for line in capsys.readouterr().err.splitlines() if "whole number" in line]
    assert warned == ["nnfit fit: warning: column(s) 'Unnamed: 0', 'ID' hold a different whole "
                      "number in each of the 160 rows, as a row identifier does (named so, "
                      "counting the rows or a fixed-width record number), so they are left out "
                      "of the predictors; to use one, keep=[...] (on the command line --keep "
                      "COLUMN)"]
    assert nnfit.load(model_path).identifiers_ == ["Unnamed: 0", "ID"]
    assert main(["fit", str(data), "--target", "price", "--id", "ID", "--exclude", "Unnamed: 0",
                 "--out", str(model_path), "--force", *FAST]) == 0
    assert "whole number" not in capsys.readouterr().err
