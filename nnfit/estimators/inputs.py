"""Inputs as the fitted network sees them (a mixin of ``_BaseMLP``): X validated by scikit-learn's
``validate_data`` (finite floats, CSR/CSC accepted, a DataFrame's column names recorded and
checked), standardized by the training rows' column means and standard deviations (see
``standardize``; a value that swamps its column's scaling is warned about, naming column and
row, as on the tabular path: ``swamp``), targets encoded and the weights' column appended for
the objective.
"""
import numpy as np
import scipy.sparse
from sklearn.utils.validation import check_is_fitted, validate_data

from ..backends.numpy_backend import host_array
from .standardize import apply_scaling, check_finite, fit_scaling
from .swamp import warn_swamped
from .validation import input_errors_said_clearly
from .weights import check_sample_weight, combine, with_weights


class _Inputs:
    def _checked_Xy(self, X, y, reset):
        """(X, y) validated: X finite floats (or CSR/CSC), feature names recorded or checked."""
        self._check_labels(y)
        with input_errors_said_clearly(X):
            X, y = validate_data(self, X, y, reset=reset, **self._x_kwargs(self.dtype),
                                 **self._y_kwargs())
        check_finite(X, getattr(self, "feature_names_in_", None))
        if scipy.sparse.issparse(X) and self.augment is not None:
            raise ValueError("augment works on dense arrays; pass X as a NumPy array or "
                             "set augment=None for sparse input")
        return X, y

    def _fit_scaling(self, X, rows, weights=None):
        """Column means and sds (float64) of the training rows, weighted by the sample weights
        ``weights`` (one per row of X) if given, or none with standardize=False."""
        if self.standardize:
            self._x_mean, self._x_scale = fit_scaling(X, rows, weights)
            if not scipy.sparse.issparse(X):  # the tabular rule and wording (``swamp``)
                names = getattr(self, "feature_names_in_", None)
                label = (lambda j: f"column {j}") if names is None else (
                    lambda j: f"column {names[j]!r}")
                warn_swamped(X, label, lambda i: i, rows, stacklevel=3)
        else:
            self._x_mean, self._x_scale = None, np.ones(X.shape[1])

    def _scaled(self, X, rows, dtype):
        """Rows ``rows`` (all if None) of X standardized, in ``dtype``."""
        return apply_scaling(X, self._x_mean, self._x_scale, dtype,
                             getattr(self, "feature_names_in_", None), rows)

    def _validated_X(self, X):
        check_is_fitted(self, "network_")
        with input_errors_said_clearly(X):
            X = validate_data(self, host_array(X), reset=False,
                              **self._x_kwargs(self.network_.dtype))
        check_finite(X, getattr(self, "feature_names_in_", None))
        return self._scaled(X, None, self.network_.dtype)

    def objective_inputs(self, X, y, sample_weight=None):
        """The fitted objective R(theta) and (X, Y) as it sees them: standardized inputs, encoded
        targets, and the weights' column when there are sample or class weights (what
        ``loss_gradient`` and ``nnfit.gradcheck`` evaluate R on).

        Returns
        -------
        objective : nnfit.Objective
        X, Y : ndarray
        """
        X = self._validated_X(X)
        y = self._check_y(host_array(y))
        dtype = self.network_.dtype
        Y = self._encode_targets(y, dtype, False)
        sample_w = check_sample_weight(sample_weight, X.shape[0])
        w = combine(sample_w, self._class_weights(y, False, sample_w))
        self._objective.weighted = w is not None
        return self._objective, X, Y if w is None else with_weights(Y, w, dtype)

    @staticmethod
    def _x_kwargs(dtype):
        """validate_data's options: float32 and float64 input kept as given (checked against
        the model's dtype when standardized), other numbers converted to the model's dtype."""
        floats = [np.float32, np.float64]
        if np.dtype(dtype) == np.float64:
            floats.reverse()
        return {"dtype": floats, "order": "C", "ensure_min_samples": 1,
                "accept_sparse": ["csr", "csc"], "ensure_all_finite": False}

