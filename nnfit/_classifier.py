"""``MLPClassifier``: softmax output and cross-entropy on one-hot labels.

For K > 2 classes the output layer has K units, f_m(x) = e^{Z_m} / sum_l e^{Z_l}, and the loss
is -sum_m y_im log f_m(x_i) with y_i one-hot; for two classes one logistic output unit.
Labels may be integers, strings or booleans; ``classes_`` holds them in sorted order.
``class_weight`` ("balanced" or a dict {label: weight}) weights each sample's loss by its
class's weight (see ``_weights``).
"""
import numbers
import warnings

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import column_or_1d

from ._estimators import _BaseMLP
from ._losses import SigmoidBinaryCrossEntropy, SoftmaxCrossEntropy
from ._weights import class_sample_weight


class MLPClassifier(ClassifierMixin, _BaseMLP):
    """Multilayer perceptron classifier fitted by backpropagation (see the module docstring)."""

    def __init__(self, hidden_layer_sizes=(100,), *, activation="relu", dropout=0.0, ridge=0.0,
                 lasso=0.0, optimizer="adam", learning_rate=0.001, learning_rate_decay=1.0,
                 batch_size=128, epochs=200,
                 validation_fraction=0.1, early_stopping=True, monitor="loss", patience=10, tol=1e-4,
                 augment=None, callbacks=None, random_state=None, verbose=0, dtype="float32",
                 warm_start=False, standardize=True, class_weight=None, device="cpu"):
        params = dict(locals())
        del params["self"], params["__class__"], params["class_weight"]
        super().__init__(**params)
        self.class_weight = class_weight

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """One epoch over (X, y), continuing from the current parameters.

        Parameters
        ----------
        X : array-like or SciPy sparse matrix of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        classes : array-like, required on the first call
            Every label the model will see (e.g. ``np.unique(y_all)``).
        sample_weight : array-like of shape (n_samples,), optional
            Row weights; with a dict ``class_weight`` they are multiplied by the class weights.

        Returns
        -------
        self
        """
        if not hasattr(self, "network_") and classes is None:
            raise ValueError("classes must be given on the first call to partial_fit, "
                             "e.g. partial_fit(X, y, classes=np.unique(y_all))")
        return self._partial_fit(X, y, classes, sample_weight)

    def predict_proba(self, X):
        """Class probabilities f_m(x), one column per entry of ``classes_``.

        Parameters
        ----------
        X : array-like or SciPy sparse matrix of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        X_valid = self._validated_X(X)
        P = self._forward(X_valid, output=True)
        if P.shape[1] == 1:
            P = np.hstack([1 - P, P])
        return P

    def predict(self, X):
        """The most probable class of each row.

        Parameters
        ----------
        X : array-like or SciPy sparse matrix of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
            Labels from ``classes_``; a NumPy array whatever the type of X.
        """
        X_valid = self._validated_X(X)
        return self.classes_[self._class_index(self._forward(X_valid))]

    # --- hooks of _BaseMLP -------------------------------------------------------------------
    def _y_kwargs(self):
        return {}

    def _check_y(self, y):
        return column_or_1d(y, warn=True)

    def _encode_targets(self, y, dtype, reset, classes=None):
        _check_label_types(y, "y")
        if classes is not None:
            _check_label_types(np.asarray(classes), "classes")
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

    def _score_outputs(self, Z, Y, w=None):
        """Accuracy (weighted by ``w``) of the outputs Z against one-hot (or 0/1) targets Y."""
        truth = Y[:, 0].astype(int) if Y.shape[1] == 1 else Y.argmax(axis=1)
        return float(np.average(self._class_index(Z) == truth, weights=w))

    def _check_labels(self, y):
        """Missing or mixed-type labels, refused before scikit-learn's checks see them."""
        if y is None:
            return
        try:
            labels = np.asarray(y)
        except ValueError:  # ragged: a sequence among the labels
            raise ValueError("y must hold one label per sample (a number, string or boolean); "
                             "it holds sequences of different lengths: flatten or fix y") from None
        _check_label_types(labels, "y")

    def _class_weights(self, y, partial):
        """Each row's class weight under ``class_weight``, or None."""
        if partial and isinstance(self.class_weight, str) and self.class_weight == "balanced":
            raise ValueError("class_weight='balanced' needs the class counts of all the data, "
                             "which partial_fit never sees; pass a dict instead, e.g. from "
                             "sklearn.utils.class_weight.compute_class_weight('balanced', "
                             "classes=..., y=y_all)")
        return class_sample_weight(self.class_weight, y, self.classes_)

    def _check_training_classes(self, y_train):
        """Warn when the held-out rows took every sample of a class."""
        missing = np.setdiff1d(self.classes_, y_train)
        if missing.size:
            warnings.warn(f"the validation split (validation_fraction={self.validation_fraction})"
                          f" holds every sample of class(es) {list(missing)}: the network never "
                          "trains on them; add samples of those classes, or lower "
                          "validation_fraction (0: no validation split)", UserWarning)


def _check_label_types(y, name):
    """Refuse missing labels and labels mixing strings with numbers, naming the first bad row."""
    if y.dtype != object:
        return
    for i, label in enumerate(y.ravel()):
        if label is None or isinstance(label, float) and np.isnan(label):
            raise ValueError(f"{name}[{i}] is a missing label ({label}); drop the unlabelled rows "
                             "or give them a label")
    kinds = {"string" if isinstance(v, str) else "number" if isinstance(v, numbers.Number)
             else type(v).__name__ for v in y.ravel()}
    if len(kinds) > 1:
        raise TypeError(f"{name} mixes label types ({', '.join(sorted(kinds))}); give every label "
                        "the same type, e.g. all strings: y.astype(str)")
