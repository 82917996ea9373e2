"""Looking into a fitted estimator (a mixin of ``_BaseMLP``): the weight matrices and biases as
scikit-learn names them, the parameter count, the layer table and, for a model without a hidden
layer, the coefficient table with standard errors (``coefficients``).
"""
from sklearn.utils.validation import check_is_fitted

from ..engine.network import mlp, summary_table
from .coefficients import coefficient_table
from .validation import check_params


class _Inspection:
    @property
    def coefs_(self):
        """Weight matrices W_l, shape (n_in, n_out): views of the fitted parameter vector."""
        check_is_fitted(self, "network_")
        return [self.network_.backend.to_numpy(d.W) for d in self.network_.dense]

    @property
    def intercepts_(self):
        check_is_fitted(self, "network_")
        return [self.network_.backend.to_numpy(d.b) for d in self.network_.dense]

    @property
    def n_params_(self):
        check_is_fitted(self, "network_")
        return self.network_.n_params

    def summary(self, n_features=None, n_outputs=None):
        """Print (and return) the layer table with parameter counts.

        Before fitting, give ``n_features`` and ``n_outputs`` (e.g. 784 and 10 for MNIST)."""
        if n_features is None:
            network = self.network_ if hasattr(self, "network_") else None
            if network is None:
                raise ValueError("summary() before fit needs n_features and n_outputs")
        else:
            hidden, dropout, dtype = check_params(self)
            network = mlp(n_features, hidden, n_outputs, self.activation, dropout, dtype)
        rows, total = summary_table(network)
        lines = [f"{'layer':<22}{'output':>8}{'parameters':>14}"]
        lines += [f"{name:<22}{width:>8}{n:>14,}" for name, width, n in rows]
        lines.append(f"{'total':<22}{'':>8}{total:>14,}")
        text = "\n".join(lines)
        print(text)
        return text

    def coefficients(self, X, y, sample_weight=None, *, alpha=0.05, robust=False):
        """The coefficients of a model without a hidden layer, with standard errors, Wald
        statistics, p-values and (1 - alpha) intervals, in the original units of X and y.

        For ``hidden_layer_sizes=()`` fitted with ``ridge=0`` and ``lasso=0`` (best with
        ``optimizer="lbfgs"``, ``dtype="float64"``): logistic, multinomial, least-squares,
        Poisson or linear Cox regression.  The standard errors come from the observed
        information (the exact Hessian of the negative log-likelihood) at the fitted parameters
        on (X, y), so give the rows and weights of the fit (see ``estimators.coefficients``).
        The table models' own ``coefficients`` gives the table of their columns, per unit and
        with categories in reference coding (``nnfit.tabular.coefficients``).

        Parameters
        ----------
        X : array-like or SciPy sparse matrix of shape (n_samples, n_features)
            The rows the model was fitted on (the estimators keep no training data).
        y : array-like
            Their targets, as given to ``fit``.
        sample_weight : array-like of shape (n_samples,), optional
            The weights of the fit, read as frequency weights (2 = the row twice) unless
            ``robust``.
        alpha : float, default=0.05
            1 - the intervals' coverage.
        robust : bool, default=False
            The sandwich (HC0) standard errors, with z statistics: for survey or
            inverse-probability weights, whose scale must not change them (Cox: Lin and
            Wei's, the infinitesimal jackknife).

        Returns
        -------
        pandas.DataFrame
            statsmodels' columns ``coef``, ``std err``, ``z``, ``P>|z|``, ``[0.025``, ``0.975]``
            (``t`` and ``P>|t|`` for least squares, on sum(w) - q degrees of freedom); a row per
            column of X (named by ``feature_names_in_``, else x0, x1, ...) after ``const``, the
            intercept (none for Cox).  Multinomial: rows (class, term) for each class but the
            first, the log-odds against ``classes_[0]``, as statsmodels' MNLogit.

        Examples
        --------
        >>> import numpy as np
        >>> from nnfit import MLPRegressor
        >>> rng = np.random.default_rng(0)
        >>> X = rng.normal(size=(100, 2)); y = 1 + X @ [2.0, -1.0] + rng.normal(size=100)
        >>> model = MLPRegressor((), ridge=0, optimizer="lbfgs", dtype="float64").fit(X, y)
        >>> table = model.coefficients(X, y)        # statsmodels' OLS(y, add_constant(X))
        >>> list(table.columns)
        ['coef', 'std err', 't', 'P>|t|', '[0.025', '0.975]']
        >>> table[["coef", "std err"]].round(3)
                coef  std err
        const  0.837    0.113
        x0     1.892    0.116
        x1    -0.825    0.119
        """
        return coefficient_table(self, X, y, sample_weight, alpha, robust)
