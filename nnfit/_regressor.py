"""``MLPRegressor``: identity output and the squared-error loss 1/2 ||y - f(x)||^2.

By default the target is standardized before fitting, y~ = (y - mean) / sd per output, and
predictions are mapped back, f(x) = mean + sd * f~(x): the network then fits numbers of order
one whatever the target's units (Salary in thousands, diabetes progression in the hundreds).
R(theta) and ``loss_gradient`` are in the standardized units.  Several outputs are allowed.
Unlike the classifier, the inputs are used as given by default (``standardize=False``): with
features already on a common scale, as in scikit-learn's diabetes data, standardizing them
lets the network overfit 300 samples within a few epochs (test R^2 0.2 instead of 0.37).
"""
import numpy as np
from sklearn.base import RegressorMixin
from sklearn.metrics import r2_score
from sklearn.utils.validation import check_array

from ._estimators import _BaseMLP
from ._losses import SquaredError


class MLPRegressor(RegressorMixin, _BaseMLP):
    """Multilayer perceptron regressor fitted by backpropagation (see the module docstring)."""

    def __init__(self, hidden_layer_sizes=(100,), *, activation="relu", dropout=0.0, ridge=0.0,
                 lasso=0.0, optimizer="adam", learning_rate=0.001, learning_rate_decay=1.0,
                 batch_size=128, epochs=200,
                 validation_fraction=0.1, early_stopping=True, monitor="loss", patience=10, tol=1e-4,
                 augment=None, callbacks=None, random_state=None, verbose=0, dtype="float32",
                 warm_start=False, standardize=False, standardize_target=True, device="cpu"):
        params = dict(locals())
        del params["self"], params["__class__"], params["standardize_target"]
        super().__init__(**params)
        self.standardize_target = standardize_target

    def partial_fit(self, X, y):
        """One epoch over (X, y), continuing from the current parameters."""
        return self._partial_fit(X, y)

    def predict(self, X):
        X_valid = self._validated_X(X)
        Y = self._forward(X_valid) * self._target_scale + self._target_mean
        return self._output_frame(Y[:, 0] if self._target_ndim == 1 else Y, X)

    # --- hooks of _BaseMLP -------------------------------------------------------------------
    def _y_kwargs(self):
        return {"multi_output": True, "y_numeric": True}

    def _check_y(self, y):
        return check_array(y, ensure_2d=False, dtype=np.float64)

    def _encode_targets(self, y, dtype, reset, classes=None):
        Y = np.asarray(y, dtype=np.float64).reshape(y.shape[0], -1)
        if reset:
            self._target_ndim = np.ndim(y)
            self._target_mean = Y.mean(axis=0) if self.standardize_target else np.zeros(Y.shape[1])
            scale = Y.std(axis=0) if self.standardize_target else np.ones(Y.shape[1])
            self._target_scale = np.where(scale > 0, scale, 1.0)
        if Y.shape[1] != self._target_mean.shape[0]:
            raise ValueError(f"y has {Y.shape[1]} outputs but the model was fitted with "
                             f"{self._target_mean.shape[0]}")
        return ((Y - self._target_mean) / self._target_scale).astype(dtype)

    def _make_loss(self, n_out):
        return SquaredError

    def _stratify(self, y):
        return None

    def _score_outputs(self, Z, Y):
        return float(r2_score(Y, Z)) if len(Y) > 1 else float("nan")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
