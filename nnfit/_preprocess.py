"""The tabular preprocessing step of ``nnfit fit | predict | evaluate``, and ``TabularModel``.

``TabularPreprocessor.fit`` sorts the predictor columns of a pandas DataFrame into numeric ones
(integer and float dtypes), standardized as x~ = (x - mean) / sd with the training mean and sd,
and categorical ones (strings, booleans, pandas categories), one-hot encoded with one 0/1 column
per category seen in training.  Its whole state is plain JSON (column names, categories, means,
sds), so a model file holds it without pickle and ``transform`` replays it exactly on new data.
Bad new data is an error naming the column and the row: a missing column, a value that is not a
number where the model was trained on numbers, a category not seen in training, a missing value.
Rows are numbered from 1 in the order of the data, the header line not counted.

``TabularModel`` is the preprocessing step, the fitted estimator and the target column's name,
saved and loaded as one ``.nnfit`` file (see ``_io``).
"""
import numpy as np
import pandas as pd
from sklearn.metrics import confusion_matrix, mean_absolute_error, r2_score, root_mean_squared_error

MAX_SHOWN = 10


def missing_counts(frame, columns):
    """{column: number of missing values} for the given columns that have any."""
    counts = frame[columns].isna().sum()
    return {name: int(n) for name, n in counts.items() if n}


def check_columns(frame, columns, what="the model was fitted on"):
    absent = [c for c in columns if c not in frame.columns]
    if absent:
        raise ValueError(f"column(s) {_names(absent)} missing from the data; {what} "
                         f"{_names(columns)}")


def _names(values):
    shown = ", ".join(repr(str(v)) for v in list(values)[:MAX_SHOWN])
    return shown + (f" and {len(values) - MAX_SHOWN} more" if len(values) > MAX_SHOWN else "")


def _row(column, position):
    """The row's number in the file read (its index label + 1, so kept after dropping rows)."""
    label = column.index[position]
    return f"row {label + 1}" if isinstance(label, (int, np.integer)) else f"row {label!r}"


def is_numeric_column(series):
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


class TabularPreprocessor:
    """Standardize numeric columns, one-hot encode categorical ones (see the module docstring)."""

    def __init__(self, numeric=(), categorical=()):
        self.numeric = dict(numeric)          # name -> {"mean": float, "sd": float}
        self.categorical = dict(categorical)  # name -> sorted list of category strings

    @classmethod
    def fit(cls, frame):
        """Infer the column kinds of ``frame`` and learn means, sds and categories from it."""
        if frame.shape[1] == 0:
            raise ValueError("the data has no predictor columns besides the target")
        numeric, categorical = {}, {}
        for name in frame.columns:
            column = frame[name]
            if column.isna().any():
                raise ValueError(f"column {name!r} has {int(column.isna().sum())} missing "
                                 "value(s); drop or fill them before fitting")
            if is_numeric_column(column):
                values = column.to_numpy(np.float64)
                sd = float(values.std())
                numeric[str(name)] = {"mean": float(values.mean()), "sd": sd if sd > 0 else 1.0}
            else:
                categorical[str(name)] = sorted(set(column.astype(str)))
        return cls(numeric, categorical)

    @property
    def columns(self):
        return list(self.numeric) + list(self.categorical)

    @property
    def feature_names(self):
        return list(self.numeric) + [f"{name}={category}"
                                     for name, categories in self.categorical.items()
                                     for category in categories]

    def transform(self, frame):
        """The float64 design matrix: standardized numeric columns, then the one-hot blocks."""
        check_columns(frame, self.columns)
        blocks = [self._numeric(frame[name], name, **stats) for name, stats in self.numeric.items()]
        blocks += [self._one_hot(frame[name], name, categories)
                   for name, categories in self.categorical.items()]
        return np.column_stack(blocks) if blocks else np.empty((len(frame), 0))

    def _numeric(self, column, name, mean, sd):
        self._check_present(column, name)
        values = pd.to_numeric(column, errors="coerce")
        bad = np.flatnonzero(values.isna().to_numpy())
        if bad.size:
            raise ValueError(f"column {name!r}, {_row(column, bad[0])}: {column.iloc[bad[0]]!r} "
                             f"is not a number, but the model was trained on numbers in this "
                             f"column ({bad.size} such value(s)); fix or drop those rows")
        return (values.to_numpy(np.float64) - mean) / sd

    def _one_hot(self, column, name, categories):
        self._check_present(column, name)
        values = column.astype(str)
        index = values.map({category: i for i, category in enumerate(categories)})
        unseen = np.flatnonzero(index.isna().to_numpy())
        if unseen.size:
            raise ValueError(f"column {name!r}, {_row(column, unseen[0])}: category "
                             f"{values.iloc[unseen[0]]!r} was not seen in training (known: "
                             f"{_names(categories)}); {unseen.size} such value(s) in all")
        return np.eye(len(categories))[index.to_numpy(np.int64)]

    @staticmethod
    def _check_present(column, name):
        missing = np.flatnonzero(column.isna().to_numpy())
        if missing.size:
            raise ValueError(f"column {name!r}, {_row(column, missing[0])}: missing value "
                             f"({missing.size} in this column); drop those rows "
                             "(--drop-missing) or fill them in")

    def to_dict(self):
        """Lists, not dicts, of columns: their order is the order of the features."""
        return {"numeric": [dict(column=name, **stats) for name, stats in self.numeric.items()],
                "categorical": [{"column": name, "categories": categories}
                                for name, categories in self.categorical.items()]}

    @classmethod
    def from_dict(cls, state):
        numeric = {c["column"]: {"mean": c["mean"], "sd": c["sd"]} for c in state["numeric"]}
        return cls(numeric, {c["column"]: c["categories"] for c in state["categorical"]})


class TabularModel:
    """Preprocessing + fitted estimator + target name: what ``nnfit fit`` saves."""

    def __init__(self, preprocessor, estimator, target):
        self.preprocessor, self.estimator, self.target = preprocessor, estimator, target

    @property
    def task(self):
        return "classification" if hasattr(self.estimator, "classes_") else "regression"

    def predict(self, frame):
        return self.estimator.predict(self.preprocessor.transform(frame))

    def predict_proba(self, frame):
        if self.task != "classification":
            raise ValueError("class probabilities need a classification model; this model "
                             f"predicts the number {self.target!r}")
        return self.estimator.predict_proba(self.preprocessor.transform(frame))

    def evaluate(self, frame):
        """Accuracy and confusion matrix, or MAE, RMSE and R^2, of the predictions on ``frame``."""
        check_columns(frame, [self.target], "evaluating needs the target column")
        predicted = self.predict(frame)
        return evaluate_predictions(frame[self.target].to_numpy(), predicted, self.task,
                                    getattr(self.estimator, "classes_", None))

    def save(self, path, key=None):
        from ._io import save
        return save(self, path, key)

    def to_dict(self):
        return {"preprocessing": self.preprocessor.to_dict(), "target": self.target}

    @classmethod
    def from_dict(cls, state, estimator):
        return cls(TabularPreprocessor.from_dict(state["preprocessing"]), estimator,
                   state["target"])


def evaluate_predictions(truth, predicted, task, classes=None):
    """The report dict of ``TabularModel.evaluate`` from true and predicted targets."""
    if task == "classification":
        truth = _as_labels(truth, classes)
        return {"task": task, "n": len(truth), "accuracy": float(np.mean(truth == predicted)),
                "classes": [str(c) for c in classes],
                "confusion_matrix": confusion_matrix(truth, predicted, labels=classes).tolist()}
    truth = pd.to_numeric(pd.Series(truth), errors="coerce").to_numpy(np.float64)
    if np.isnan(truth).any():
        raise ValueError("the target column has missing or non-numeric values; drop those rows")
    return {"task": task, "n": len(truth), "mae": float(mean_absolute_error(truth, predicted)),
            "rmse": float(root_mean_squared_error(truth, predicted)),
            "r2": float(r2_score(truth, predicted)) if len(truth) > 1 else float("nan")}


def _as_labels(truth, classes):
    """True labels with the classes' type (a CSV may read 1/0 labels where bools were trained)."""
    truth = np.asarray(truth)
    if classes.dtype == object:
        truth = truth.astype(str).astype(object)
    unseen = sorted({str(t) for t in truth} - {str(c) for c in classes})
    if unseen:
        raise ValueError(f"the target has labels the model never saw: {_names(unseen)} "
                         f"(known: {_names(classes)})")
    return truth
