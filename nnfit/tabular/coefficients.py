"""The coefficient table of a table model without a hidden layer, in the units of its own
columns, as statsmodels' formula interface prints it (``smf.logit("y ~ a + b + c", frame)``).

The network of ``TabularClassifier``, ``TabularRegressor`` or ``TabularSurvival`` sees the
preprocessing's design matrix: a numeric column x_j as x~_j = (x_j - m_j) / s_j (the training
mean and sd), a categorical column c with the (sorted, as text) categories l_1, ..., l_L as L
0/1 columns.  Its linear predictor

    eta = b + sum_j W_j x~_j + sum_c sum_l W_(c,l) 1[c = l]

is not identified (the L columns of c sum to 1, the intercept's column), so the network's own
coefficients have no standard errors.  Every training row has one category of each column, so
1[c = l_1] = 1 - sum_(l > 1) 1[c = l] and

    eta = (b + sum_c W_(c,l_1)) + sum_j W_j x~_j + sum_c sum_(l > 1) (W_(c,l) - W_(c,l_1)) 1[c = l]:

the same function of the rows in reference (treatment) coding, the first category of each
column the reference, as patsy codes a column in a formula.  These identified parameters are
a linear map of the network's, and the observed information is evaluated on their design (the
numeric columns standardized, the dummies 0/1), at them, by the steps of
``nnfit.estimators.coefficients`` (``linear_table``): existence of the estimate, the inverse of
the information, the Newton-step check, then the exact linear map to the original units,
beta_j = gamma_j / s_j and an intercept at every numeric column 0 and every category at its
reference, beta_0 = gamma_0 - sum_j gamma_j m_j / s_j (statsmodels' Intercept; none for Cox).

The rows are named and ordered as statsmodels' formula interface (patsy) gives them for a
formula listing the columns in the table's order: ``Intercept``, then each category but the
first of each categorical column, ``column[T.category]`` (patsy says ``C(column)[T.category]``
when the formula wraps the column in ``C()``), then the numeric columns by name.

The rows given must be the fit's: a category the model never saw (in a row of positive weight)
is refused, as it has no coefficient.  Numeric columns filled by imputation enter with their
imputed values, as the network saw them.
"""
import warnings

import numpy as np
from sklearn.utils.validation import check_is_fitted

from .checks import check_frame, rows
from .preprocess import UnseenCategoryWarning, parts
from ..estimators.coefficients import check_memory, check_model, linear_table, targets


def coefficients_in_units(model, X, y, sample_weight=None, *, alpha=0.05, robust=False):
    """The coefficients of a table model without a hidden layer, with standard errors, Wald
    statistics, p-values and (1 - alpha) intervals, per unit of each numeric column and for
    each category against the column's first, as statsmodels' formula interface gives them.

    For an inner estimator with ``hidden_layer_sizes=()`` fitted with ``ridge=0`` and
    ``lasso=0`` (best with ``optimizer="lbfgs"``, ``dtype="float64"`` and
    ``validation_fraction=0``: L-BFGS to convergence on every row): logistic, multinomial,
    least-squares, Poisson or linear Cox regression.  The standard errors come from the
    observed information at the fitted parameters on (X, y): give the rows and weights of the
    fit (see ``nnfit.tabular.coefficients``).

    Parameters
    ----------
    X : pandas.DataFrame
        The table the model was fitted on (a model keeps no training rows).
    y : array-like
        The fit's target: labels, numbers or rates, or the (event, time) array of survival.
    sample_weight : array-like of shape (n_samples,), optional
        The fit's weights, as frequencies (a weight of 2 = the row twice; the exposures of
        Poisson rates) unless ``robust``.
    alpha : float, default=0.05
        One minus the coverage of the intervals (0.05: 95 % intervals).
    robust : bool, default=False
        The sandwich (HC0) standard errors, with z statistics: for survey or
        inverse-probability weights, whose scale must not change them (Cox: Lin and Wei's).

    Returns
    -------
    pandas.DataFrame
        One row per term: ``Intercept`` (not for Cox), ``column[T.category]`` for each category
        but the first (the reference) of each categorical column, then each numeric column;
        statsmodels' columns ``coef``, ``std err``, ``z``, ``P>|z|``, ``[0.025``, ``0.975]``
        (``t`` and ``P>|t|`` for least squares, on sum(w) - q degrees of freedom).
        Multinomial: rows (class, term) for each class but the first, the log-odds against
        ``classes_[0]``.

    Examples
    --------
    >>> from nnfit import MLPClassifier, TabularClassifier
    >>> from nnfit.datasets import load_default
    >>> frame = load_default().frame
    >>> X, y = frame.drop(columns="default"), frame["default"]
    >>> network = MLPClassifier((), ridge=0, optimizer="lbfgs", dtype="float64",
    ...                         validation_fraction=0)
    >>> model = TabularClassifier(network).fit(X, y)
    >>> table = model.coefficients(X, y)    # smf.logit("default ~ student + balance + income")
    >>> table[["coef", "std err"]].round(4)
                       coef  std err
    Intercept      -10.8690   0.4923
    student[T.Yes]  -0.6468   0.2363
    balance          0.0057   0.0002
    income           0.0000   0.0000
    """
    check_is_fitted(model, "estimator_")
    network = model.estimator_
    kind = check_model(network, alpha, robust)
    frame = check_frame(X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnseenCategoryWarning)  # refused below, by row
        Z = model._design(frame)
    check_memory(network, *Z.shape)
    Y, w = targets(network, kind, np.asarray(model._checked_target(y, frame)), sample_weight,
                   len(Z))
    scaler, encoder = parts(model.preprocessor_)[:2]
    W = np.array(network.coefs_[0], np.float64)
    b = np.array(network.intercepts_[0], np.float64)
    numeric, features = model.numeric_columns_, list(model.get_feature_names_out())
    k = len(numeric)
    dummies, terms = [], []
    levels = encoder.categories_ if encoder is not None else ()
    for name, categories in zip(model.categorical_columns_, levels):
        block = slice(k, k + len(categories))
        unseen = (Z[:, block].sum(axis=1) == 0) & (w > 0)
        if unseen.any():
            values = frame[name][unseen].astype(str).unique()
            raise ValueError(f"column {name!r} has categories the model never saw "
                             f"({', '.join(map(repr, values[:5]))}) in "
                             f"{rows(frame.index[unseen])}: give coefficients() the rows of "
                             "the fit")
        b += W[k]
        W[k + 1:block.stop] -= W[k]
        dummies += range(k + 1, block.stop)
        terms += [f"{name}[T.{category}]" for category in categories[1:]]
        k = block.stop
    # patsy's order: the categorical terms, then the numeric columns (then any 0/1 columns
    # after the categories: missing-value indicators)
    keep = dummies + list(range(len(numeric))) + list(range(k, Z.shape[1]))
    terms += list(numeric) + features[k:]
    mean, scale = np.zeros(Z.shape[1]), np.ones(Z.shape[1])
    if numeric:
        mean[:len(numeric)], scale[:len(numeric)] = scaler.mean_, scaler.scale_
    return linear_table(network, kind, Z[:, keep], Y, w, (W[keep], b), terms,
                        (mean[keep], scale[keep]), alpha, const="Intercept", robust=robust)
