"""Commands that keep their word (issue 26): what an option promises is what the fit does and
what the command prints, and bad input gets nnfit's message naming the column, the row and what
to do, never another library's.  Ctrl-C is tests/test_signals.py's."""
import numpy as np
import pandas as pd
import pytest

import nnfit
from nnfit import MLPClassifier, TabularClassifier
from nnfit.cli import main
from nnfit.cli.table_args import option_names
from nnfit.cli.table_data import EXACT_FLOATS

NET = ["--hidden", "8", "--learning-rate", "0.05", "--epochs", "40", "--quiet"]
PARAMS = dict(hidden_layer_sizes=(8,), learning_rate=0.05, epochs=40, random_state=0)


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    rng = np.random.default_rng(0)
    n = 160
    x1, x2 = rng.normal(size=n), rng.integers(0, 10, n)
    color = rng.choice(["red", "green", "blue"], n)
    frame = pd.DataFrame({"x1": x1, "x2": x2, "color": color,
                          "price": 3 * x1 + 0.5 * x2 + rng.normal(0, 0.3, n),
                          "kind": np.where(x1 + (color == "red") > 0.5, "big", "small")})
    path = tmp_path_factory.mktemp("word") / "t.csv"
    frame.to_csv(path, index=False)
    return path, pd.read_csv(path, **EXACT_FLOATS)


def write(tmp_path, frame, name="d.csv"):
    frame.to_csv(tmp_path / name, index=False)
    return str(tmp_path / name)


def python_fit(frame, refit=True, **params):
    X, y = frame.drop(columns=["kind", "price"]), frame["kind"]
    return TabularClassifier(MLPClassifier(**PARAMS, **params), refit=refit).fit(X, y)


def test_early_stopping_false_holds_nothing_out_and_keeps_the_last_epoch(tmp_path, table, capsys):
    # before: 16 rows held out, "best validation loss ... whose weights were restored", a refit
    path, frame = table
    out = str(tmp_path / "m.nnfit")
    assert main(["fit", str(path), "--target", "kind", "--exclude", "price", *NET,
                 "--early-stopping", "false", "--out", out]) == 0
    text = capsys.readouterr().out
    assert ("no early stopping: 40 epoch(s) on all 160 rows, the last epoch's weights kept"
            in text)
    assert "restored" not in text and "refit" not in text and "validation report" not in text
    model = nnfit.load(out)
    assert model.estimator_.n_iter_ == 40  # (the held-out rows are not in the file)
    same = python_fit(frame, early_stopping=False, validation_fraction=0.0)
    X = frame.drop(columns=["kind", "price"])
    assert np.array_equal(model.predict_proba(X), same.predict_proba(X))


def test_early_stopping_false_with_validation_only_monitors(tmp_path, table, capsys):
    # before: the refit ran for the epoch of the lowest validation loss (10 of 40), not 40
    path, frame = table
    out = str(tmp_path / "m.nnfit")
    assert main(["fit", str(path), "--target", "kind", "--exclude", "price", *NET,
                 "--early-stopping", "false", "--validation", "0.25", "--out", out]) == 0
    text = capsys.readouterr().out
    model = nnfit.load(out)
    assert model.estimator_.n_iter_ == 40
    same = python_fit(frame, refit=False, early_stopping=False, validation_fraction=0.25)
    X = frame.drop(columns=["kind", "price"])
    assert np.array_equal(model.predict_proba(X), same.predict_proba(X))
    loss = same.estimator_.history_["val_loss"]
    assert (f"no early stopping: 40 epoch(s) on 120 training rows, the last epoch's weights "
            f"kept; the 40 --validation rows only monitored the fit, not trained on "
            f"(validation loss {loss[-1]:.4f} at the last epoch, lowest {min(loss):.4f} at "
            f"epoch {int(np.argmin(loss)) + 1})") in text
    assert "validation report (40 held-out rows, the last epoch's weights, epoch 40):" in text
    assert "refit" not in text and "restored" not in text


def test_cv_says_all_epochs_ran_without_early_stopping(table, capsys):
    # before: "network's best epoch 39" (the training objective's lowest) on each fold
    path, _ = table
    assert main(["cv", str(path), "--target", "kind", "--exclude", "price", "--folds", "3",
                 "--bootstrap", "0", *NET[:-1]]) == 0
    folds = [line for line in capsys.readouterr().out.splitlines() if line.startswith("fold ")]
    assert len(folds) == 3 and all("held out, no early stop: all 40 epochs (" in line
                                   for line in folds)
    assert main(["cv", str(path), "--target", "kind", "--exclude", "price", "--folds", "3",
                 "--bootstrap", "0", *NET[:-1], "--early-stopping", "true", "--no-refit"]) == 0
    folds = [line for line in capsys.readouterr().out.splitlines() if line.startswith("fold ")]
    assert len(folds) == 3 and all(", early stopping kept epoch " in line for line in folds)


@pytest.mark.parametrize("target, other", [("kind", "price"), ("price", "kind")])
def test_evaluate_names_the_rows_with_a_missing_target(tmp_path, table, capsys, target, other):
    # before: "the target has labels the model never saw: 'nan'" / "has missing, non-numeric
    # or infinite values; drop those rows" without the rows
    path, frame = table
    out = str(tmp_path / "m.nnfit")
    assert main(["fit", str(path), "--target", target, "--exclude", other, *NET[:-2], "3",
                 "--quiet", "--out", out]) == 0
    holes = frame.copy()
    holes.loc[[3, 7], target] = np.nan
    data = write(tmp_path, holes)
    capsys.readouterr()
    assert main(["evaluate", out, data]) == 2
    assert capsys.readouterr().err == (
        f"nnfit evaluate: error: the target column {target!r} has missing values in rows 4, 8: a "
        "row without its true value cannot be scored; drop those rows (--drop-missing on the "
        "command line) or fill in their values\n")
    assert main(["evaluate", out, data, "--drop-missing", "--bootstrap", "0"]) == 0
    assert "on 158 rows" in capsys.readouterr().out or target == "price"


def test_evaluate_names_a_target_that_is_no_number(tmp_path, table, capsys):
    path, frame = table
    out = str(tmp_path / "m.nnfit")
    assert main(["fit", str(path), "--target", "price", "--exclude", "kind", "--epochs", "3",
                 "--quiet", "--out", out]) == 0
    bad = frame.astype({"price": object})
    bad.loc[5, "price"] = "abc"
    assert main(["evaluate", out, write(tmp_path, bad)]) == 2
    assert capsys.readouterr().err == (
        "nnfit evaluate: error: the target column 'price', row 6: 'abc' is not a finite number, "
        "which a regression model's scores need; correct or drop those rows\n")


def test_cv_with_more_folds_than_any_class_has_rows(tmp_path, table, capsys):
    # before: scikit-learn's "n_splits=8 cannot be greater than the number of members in each
    # class." after a warning that some folds would lack a class
    _, frame = table
    eight = write(tmp_path, frame.head(8))
    shares = frame.head(8)["kind"].value_counts()
    assert main(["cv", eight, "--target", "kind", "--exclude", "price", "--folds", "8",
                 "--epochs", "2"]) == 2
    err = capsys.readouterr().err
    assert err == (f"nnfit cv: error: --folds 8 is more than the {shares.max()} rows of the "
                   f"largest class ('{shares.index[0]}'), too few for 8 folds stratified by "
                   f"class; give at most {shares.max()}\n")


def test_a_row_with_extra_fields(tmp_path, table, capsys):
    # before: "... is not a readable CSV file (Error tokenizing data. C error: Expected 5
    # fields in line 6, saw 6); check that it is a comma-separated table ..."
    path, _ = table
    lines = path.read_text().splitlines()
    lines[5] += ",99"
    bad = tmp_path / "extra.csv"
    bad.write_text("\n".join(lines) + "\n")
    assert main(["fit", str(bad), "--target", "kind", "--out", str(tmp_path / "m.nnfit")]) == 2
    assert capsys.readouterr().err == (
        f"nnfit fit: error: {bad} has 6 fields in line 6, but its header line names 5 columns; a "
        "value holding the separator (comma) must be in double quotes, or that line has a "
        "stray separator: correct it\n")


@pytest.mark.parametrize("value, message", [
    (1e308, "the weight in row 5 (1e+308) is more than 1e+08 times the median weight (1), so "
            "the other rows would count for nothing in a fit or a score (a code for missing, "
            "or a typo?); correct or drop those rows"),
    (np.inf, "the weight is infinite in row 5 (inf); weights are numbers >= 0: fix or drop "
             "those rows"),
    (-1.0, "the weight is negative in row 5 (-1); weights are numbers >= 0: fix or drop those "
           "rows"),
])
@pytest.mark.parametrize("command", ["fit", "cv", "evaluate"])
def test_weights_that_cannot_be_used(tmp_path, table, capsys, value, message, command):
    # before, for 1e308: fit and cv said "y's values reach 1.82e+153, beyond the range of
    # float32 ...; keep standardize_target=True, or fit with --dtype 'float64'"
    path, frame = table
    weighted = frame.assign(w=1.0)
    weighted.loc[4, "w"] = value
    data = write(tmp_path, weighted)
    model = str(tmp_path / "m.nnfit")
    words = {"fit": ["fit", data, "--target", "price", "--exclude", "kind", "--epochs", "2",
                     "--out", model],
             "cv": ["cv", data, "--target", "price", "--exclude", "kind", "--epochs", "2"]}
    if command == "evaluate":
        assert main(["fit", str(path), "--target", "price", "--exclude", "kind", "--epochs",
                     "2", "--quiet", "--out", model]) == 0
        capsys.readouterr()
    assert main(words.get(command, ["evaluate", model, data]) + ["--weight", "w"]) == 2
    assert capsys.readouterr().err == f"nnfit {command}: error: --weight w: {message}\n"


def test_lbfgs_in_float32_names_dtype_float64_once(table, tmp_path, capsys):
    path, _ = table
    assert main(["fit", str(path), "--target", "price", "--exclude", "kind", "--optimizer",
                 "lbfgs", "--hidden", "8", "--epochs", "500", "--quiet",
                 "--out", str(tmp_path / "m.nnfit")]) == 0
    err = capsys.readouterr().err
    assert err.count("--dtype float64") == 1 and "dtype=" not in err and "'float64'" not in err
    assert len(err.splitlines()) == 1 and "--optimizer lbfgs stopped at float32's" in err


def test_option_names_as_they_are_typed():
    text = str(option_names(ValueError("fit with dtype='float64' or optimizer='lbfgs', "
                                       "epochs=3 and validation_fraction=0")))
    assert text == "fit with --dtype float64 or --optimizer lbfgs, --epochs 3 and --validation 0"
