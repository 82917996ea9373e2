"""``MLPClassifier``: softmax output and cross-entropy on one-hot labels.

For K > 2 classes the output layer has K units, f_m(x) = e^{Z_m} / sum_l e^{Z_l}, and the loss
is -sum_m y_im log f_m(x_i) with y_i one-hot; for two classes one logistic output unit.
Labels may be integers, strings or booleans; ``classes_`` holds them in sorted order.
"""
import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import column_or_1d

from ._estimators import _BaseMLP
from ._losses import SigmoidBinaryCrossEntropy, SoftmaxCrossEntropy


class MLPClassifier(ClassifierMixin, _BaseMLP):
    """Multilayer perceptron classifier fitted by backpropagation (see the module docstring)."""

    def partial_fit(self, X, y, classes=None):
        """One epoch over (X, y); ``classes`` (all labels) is required on the first call."""
        if not hasattr(self, "network_") and classes is None:
            raise ValueError("classes must be given on the first call to partial_fit, "
                             "e.g. partial_fit(X, y, classes=np.unique(y_all))")
        return self._partial_fit(X, y, classes)

    def predict_proba(self, X):
        """Class probabilities f_m(x), one column per entry of ``classes_``."""
        X_valid = self._validated_X(X)
        P = self._forward(X_valid, output=True)
        if P.shape[1] == 1:
            P = np.hstack([1 - P, P])
        return P  # an array, also for DataFrame input, so that P[:, 1] works as in scikit-learn

    def predict(self, X):
        X_valid = self._validated_X(X)
        labels = self.classes_[self._class_index(self._forward(X_valid))]
        return self._output_frame(labels, X)

    # --- hooks of _BaseMLP -------------------------------------------------------------------
    def _y_kwargs(self):
        return {}

    def _check_y(self, y):
        return column_or_1d(y, warn=True)

    def _encode_targets(self, y, dtype, reset, classes=None):
        check_classification_targets(y)
        if type_of_target(y) not in ("binary", "multiclass"):
            raise ValueError(f"MLPClassifier takes one label per sample; got {type_of_target(y)} y")
        if not reset and classes is not None and not np.array_equal(np.unique(classes), self.classes_):
            raise ValueError(f"classes={list(np.unique(classes))} differs from the classes of the "
                             f"first partial_fit call, {list(self.classes_)}; start a new model "
                             "to change them")
        if reset:
            self.classes_ = np.unique(y if classes is None else np.asarray(classes))
            if len(self.classes_) < 2:
                raise ValueError(f"y has only one class ({self.classes_[0]!r}); a classifier "
                                 "needs samples of at least 2 classes")
        index = np.searchsorted(self.classes_, y)
        clipped = np.minimum(index, len(self.classes_) - 1)
        unseen = self.classes_[clipped] != y
        if np.any(unseen):
            raise ValueError(f"y has labels not among the classes {list(self.classes_)}: "
                             f"{list(np.unique(np.asarray(y)[unseen]))[:10]}; pass every label "
                             "in `classes` on the first call to partial_fit")
        if len(self.classes_) == 2:
            return (index == 1).astype(dtype)[:, None]
        return np.eye(len(self.classes_), dtype=dtype)[index]

    def _make_loss(self, n_out):
        return SigmoidBinaryCrossEntropy if n_out == 1 else SoftmaxCrossEntropy

    def _stratify(self, y):
        return y

    @staticmethod
    def _class_index(Z):
        return (Z[:, 0] > 0).astype(int) if Z.shape[1] == 1 else Z.argmax(axis=1)

    def _score_outputs(self, Z, Y):
        """Accuracy of the outputs Z against one-hot (or 0/1) targets Y."""
        truth = Y[:, 0].astype(int) if Y.shape[1] == 1 else Y.argmax(axis=1)
        return float(np.mean(self._class_index(Z) == truth))
