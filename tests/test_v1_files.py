"""Model files written by nnfit before each owner serialized itself (format version 1, commit
f7f0b5a; ``tests/data/make_v1_model_files.py``) still load, predict the numbers recorded with
them and continue a warm start as the model they were saved from did."""
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import nnfit
from nnfit import MLPClassifier, MLPRegressor, TabularClassifier

DATA = Path(__file__).resolve().parent / "data"
EXPECTED = json.loads((DATA / "v1_expected.json").read_text())


def _inputs(name):
    if name == "tabular":
        split = EXPECTED["frame"]
        frame = pd.DataFrame(split["data"], columns=split["columns"], index=split["index"])
        return frame, np.array(EXPECTED["label"], dtype=object)
    X = np.array(EXPECTED["X"])
    return X, np.array(EXPECTED["y_class"] if name == "classifier" else EXPECTED["Y_reg"])


def _load(name):
    return nnfit.load(DATA / f"v1_{name}.nnfit", key=EXPECTED[name]["key"])


@pytest.mark.parametrize("name, kind", [("classifier", MLPClassifier), ("regressor", MLPRegressor),
                                        ("tabular", TabularClassifier)])
def test_a_version_1_file_loads_and_predicts_the_recorded_numbers(name, kind):
    model, (X, _) = _load(name), _inputs(name)
    assert type(model) is kind
    predict = model.predict if name == "regressor" else model.predict_proba
    np.testing.assert_allclose(predict(X), EXPECTED[name]["predictions"], rtol=1e-6, atol=1e-7)
    assert np.asarray(model.predict(X)).tolist() == EXPECTED[name]["labels"]


@pytest.mark.parametrize("name", ["classifier", "regressor"])
def test_a_version_1_file_continues_a_warm_start_as_the_saved_model(name):
    model, (X, y) = _load(name), _inputs(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # early stopping that used all of its 3 epochs
        model.set_params(warm_start=True, epochs=3).fit(X, y)
    predict = model.predict if name == "regressor" else model.predict_proba
    assert model.n_iter_ == EXPECTED[name]["n_iter_after_warm_start"]
    np.testing.assert_allclose(predict(X), EXPECTED[name]["after_warm_start"], rtol=1e-5,
                               atol=1e-6)


def test_the_signed_version_1_file_needs_its_key():
    assert EXPECTED["classifier"]["key"]
    with pytest.raises(ValueError, match="HMAC-SHA256 signature does not match"):
        nnfit.load(DATA / "v1_classifier.nnfit", key="another key")


def test_a_version_1_tabular_file_keeps_its_preprocessing():
    model = _load("tabular")
    assert model.excluded_ == ["id"] and model.impute_ == "median"
    assert model.numeric_columns_ == ["x", "z"]
    assert model.categorical_columns_ == ["colour", "flag"]
    assert model.classes_.tolist() == ["no", "yes"]
