"""The tabular preprocessing's statistics weighted by the rows' sample weights w_i, so that a
row of weight 2 counts as the row repeated and one of weight 0 as the row left out (its
categories are not among the encoder's; ``preprocess.fit_preprocessor`` fits on the rows of
positive weight only), as the inner estimators' own standardization does
(``nnfit.estimators.weights``):

- the imputed value of a numeric column: the weighted mean sum_i w_i x_i / sum_i w_i over its
  non-missing values; the weighted median, the midpoint of the smallest value whose cumulative
  weight (values sorted) reaches half the total and the smallest one whose cumulative weight
  passes it (with whole weights, ``numpy.median`` of the repeated values); or the value of the
  largest total weight (the smallest such value on a tie, as ``SimpleImputer``);
- the mean and sd of ``StandardScaler``: its own ``fit(x, sample_weight=w)`` on the imputed
  column, mean = sum_i w_i x_i / sum_i w_i and sd^2 = sum_i w_i (x_i - mean)^2 / sum_i w_i;
- the most frequent category imputed into a categorical column: the category of the largest
  total weight (the first in sorted order on a tie, as ``SimpleImputer``).

The fitted scikit-learn steps keep their usual attributes (``statistics_``, ``mean_``,
``scale_``), which ``transform`` and the model file use unchanged.
"""
import numpy as np
import pandas as pd


def weigh(steps, prepared, n_numeric, weight):
    """Replace the statistics of the fitted steps (scaler, encoder, numeric imputer,
    categorical imputer) of ``preprocess.parts`` by the weighted ones of the rows of
    ``prepared`` (all of positive ``weight``)."""
    scaler, _, numeric_imputer, categorical_imputer = steps
    if scaler is not None:
        x = prepared.iloc[:, :n_numeric].to_numpy(dtype=np.float64, copy=True)
        if numeric_imputer is not None:
            statistic = {"mean": weighted_mean, "median": weighted_median,
                         "most_frequent": weighted_mode}[numeric_imputer.strategy]
            numeric_imputer.statistics_ = np.asarray(statistic(x, weight), dtype=np.float64)
            rows, columns = np.nonzero(np.isnan(x))
            x[rows, columns] = numeric_imputer.statistics_[columns]
        scaler.fit(x, sample_weight=weight)
    if categorical_imputer is not None:
        block = prepared.iloc[:, n_numeric:].to_numpy(dtype=object)
        categorical_imputer.statistics_ = np.asarray(weighted_mode(block, weight), dtype=object)


def weighted_mean(x, weight):
    """The weighted mean of each column of x over its non-missing values."""
    present = ~np.isnan(x)
    w = np.where(present, weight[:, None], 0.0)
    return np.sum(w * np.where(present, x, 0.0), axis=0) / np.sum(w, axis=0)


def weighted_median(x, weight):
    """The weighted median of each column of x over its non-missing values (module
    docstring)."""
    order = np.argsort(x, axis=0, kind="stable")  # NaN last
    values = np.take_along_axis(x, order, axis=0)
    w = np.where(np.isnan(values), 0.0, weight[order])
    cumulative = np.cumsum(w, axis=0)
    half = cumulative[-1] / 2
    lower = np.argmax(cumulative >= half, axis=0)
    upper = np.argmax(cumulative > half, axis=0)
    columns = np.arange(x.shape[1])
    return (values[lower, columns] + values[upper, columns]) / 2


def weighted_mode(block, weight):
    """The value of the largest total weight in each column of ``block`` (missing values
    skipped), the smallest such value on a tie."""
    modes = []
    for column in np.asarray(block).T:
        values = pd.Series(column)
        present = values.notna().to_numpy()
        totals = pd.Series(weight[present]).groupby(values[present].to_numpy(), sort=True).sum()
        modes.append(totals.index[int(np.argmax(totals.to_numpy()))])
    return modes
