"""Writes the model-file fixtures v1_*.nnfit and v1_expected.json (run from the repository root).

They were written once with nnfit at commit f7f0b5a (model format version 1), before each owner
serialized itself, and are kept as they are: ``tests/test_v1_files.py`` checks that they still
load, predict the recorded numbers and continue a warm start as the model they were saved from
did.  Do not regenerate them with a newer nnfit: that would test nothing.
"""
import json
from pathlib import Path

import numpy as np
import pandas as pd

from nnfit import MLPClassifier, MLPRegressor, TabularClassifier

HERE = Path(__file__).resolve().parent
KEY = "a fixture key, not a secret"


def data():
    rng = np.random.default_rng(0)
    X = np.round(rng.normal(size=(60, 3)), 3)
    y_class = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5).astype(int)
    Y_reg = np.round(np.column_stack([X @ [1.0, -2.0, 0.5], X[:, 0] ** 2]), 3)
    frame = pd.DataFrame({"id": [f"r{i}" for i in range(60)], "x": X[:, 0], "z": X[:, 2],
                          "colour": np.array(["red", "green", "blue"])[
                              (X[:, 1] > 0).astype(int) + (X[:, 2] > 0)],
                          "flag": X[:, 2] > 0})
    frame.loc[[3, 17], "x"] = np.nan
    frame.loc[[5], "colour"] = None
    label = np.where(X[:, 0] + (frame["colour"] == "red") > 0.3, "yes", "no")
    return X, y_class, Y_reg, frame, label


def main():
    X, y_class, Y_reg, frame, label = data()
    records = {"X": X.tolist(), "y_class": y_class.tolist(), "Y_reg": Y_reg.tolist(),
               "frame": json.loads(frame.to_json(orient="split")), "label": label.tolist()}
    models = {
        "classifier": (MLPClassifier(hidden_layer_sizes=(4,), epochs=15, batch_size=16,
                                     learning_rate=0.01, class_weight={0: 1.0, 1: 2.0, 2: 1.0},
                                     random_state=1), X, y_class, KEY),
        "regressor": (MLPRegressor(hidden_layer_sizes=(5, 3), optimizer="rmsprop", dtype="float64",
                                   early_stopping=True, epochs=12, batch_size=8,
                                   random_state=2), X, Y_reg, None),
        "tabular": (TabularClassifier(MLPClassifier(hidden_layer_sizes=(3,), epochs=10,
                                                    batch_size=16, random_state=3),
                                      exclude=["id"], impute="median"), frame, label, None),
    }
    for name, (model, X_, y_, key) in models.items():
        model.fit(X_, y_)
        model.save(HERE / f"v1_{name}.nnfit", key=key)
        estimator = model.estimator_ if name == "tabular" else model
        predict = model.predict_proba if name != "regressor" else model.predict
        entry = {"predictions": np.asarray(predict(X_)).tolist(),
                 "labels": np.asarray(model.predict(X_)).tolist(), "key": key}
        if name != "tabular":  # a warm start after load continues as this one
            estimator.set_params(warm_start=True, epochs=3).fit(X_, y_)
            entry["after_warm_start"] = np.asarray(predict(X_)).tolist()
            entry["n_iter_after_warm_start"] = int(estimator.n_iter_)
        records[name] = entry
    (HERE / "v1_expected.json").write_text(json.dumps(records, indent=None) + "\n")


if __name__ == "__main__":
    main()
