"""``MLPClassifier``: softmax output and cross-entropy on one-hot labels.

For K > 2 classes the output layer has K units, f_m(x) = e^{Z_m} / sum_l e^{Z_l}, and the loss
is -sum_m y_im log f_m(x_i) with y_i one-hot; for two classes one logistic output unit.
Labels may be integers, strings or booleans; ``classes_`` holds them in sorted order.
``class_weight`` ("balanced" or a dict {label: weight}) weights each sample's loss by its
class's weight (see ``weights``).

The defaults ``early_stopping="auto"`` (hold out ``validation_fraction`` and stop early only from
10,000 rows on; smaller tables are fitted on all their rows for ``epochs`` epochs) and
``ridge=2e-3`` were chosen by 5-fold CV over 3 seeds against the alternatives tried
(``bench/defaults.py``; the figures are in bench/README.md, "The defaults").
"""
import numbers
import warnings

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import column_or_1d

from .base import _BaseMLP
from .docstrings import shared_docstring
from ..engine.losses import SigmoidBinaryCrossEntropy, SoftmaxCrossEntropy
from .weights import class_sample_weight


@shared_docstring
class MLPClassifier(ClassifierMixin, _BaseMLP):
    """Multilayer network classifier fitted by explicit backpropagation (ISLR2 chapter 10).

    The network computes A^(0) = X, A^(l) = g(A^(l-1) W_l + b_l) for each hidden layer (with
    dropout while training) and output values Z = A^(L-1) W_L + b_L; class probabilities are
    the softmax f_m(X) = exp(Z_m) / sum_l exp(Z_l) for K > 2 classes, the logistic function of
    one output for two.  Fitting minimizes::

        R(theta) = (1/n) sum_i w_i L(y_i, f(x_i)) + sum_l [ridge_l sum W_l^2 + lasso_l sum |W_l|]

    with L the cross-entropy -sum_m y_im log f_m(x_i) of the one-hot labels and w_i the sample
    weights (1 unless ``sample_weight`` or ``class_weight`` say otherwise), by minibatch
    stochastic gradient descent (or full-batch L-BFGS) on all the rows, or, from 10,000 rows on,
    with early stopping on a held-out part of them.  Labels may be integers, strings or booleans.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(100,)
        Width K_l of each hidden layer, input side first: ``(256, 128)`` is the lecture's MNIST
        network.  ``()`` gives no hidden layer: multinomial (or, for two classes, binary) logistic
        regression.
    $activation
    $dropout
    ridge : float or sequence of float, default=2e-3
        Ridge penalty lambda_l >= 0 on the weights of each layer (hidden and output, one value
        for all or one per layer): R(theta) gets ``lambda_l * sum W_l^2``.  Biases are not
        penalized.  The default was chosen by cross-validation on small tables (see the module
        docstring); pass 0 for none (the maximum-likelihood fit with ``hidden_layer_sizes=()``).
    $lasso
    $optimizer
    $momentum
    $learning_rate
    $learning_rate_decay
    batch_size : int, default=128
        Rows per minibatch; an epoch takes ceil(n / batch_size) steps.
    $epochs
    validation_fraction : float, default=0.1
        Share of the rows of ``fit`` held out (stratified by class, each class keeping a training
        row) to compute the validation loss and score after each epoch; 0 for none.  With
        ``early_stopping="auto"`` only from 10,000 rows on.
    early_stopping : bool or "auto", default="auto"
        Stop when the monitored value has not improved by more than ``tol`` for ``patience``
        epochs, and restore the parameters of the best epoch.  Without a validation set the
        training objective is monitored.  "auto" stops early (and holds out
        ``validation_fraction`` of the rows) only from 10,000 rows on; smaller data are fitted
        for ``epochs`` epochs on all rows, as by the regressor.
    monitor : {"loss", "score"}, default="loss"
        What early stopping watches: the validation loss, or the validation score
        (accuracy).
    $patience
    $tol
    $augment
    $callbacks
    $random_state
    $verbose
    $dtype
    $warm_start
    $standardize
    class_weight : "balanced", dict or None, default=None
        Weights of the classes in the loss: None weights every sample 1; a dict maps a label to
        its weight; "balanced" weights class c by n / (K n_c), so that every class counts as
        much as if the classes were equally frequent (for rare events, e.g. defaults).  Combined
        with ``sample_weight`` by multiplication.
    $device

    Attributes
    ----------
    classes_ : ndarray
        The class labels, sorted; column m of ``predict_proba`` is class ``classes_[m]``.
    $fitted_attributes

    See Also
    --------
    MLPRegressor : the same network with an identity output and the squared-error loss.
    nnfit.gradcheck : checks the backpropagated gradient against finite differences.
    nnfit.load : reads a model written by ``save``.

    Notes
    -----
    ``fit(X, y, sample_weight=None)`` fits from scratch (or continues, with ``warm_start``);
    ``partial_fit(X, y, classes=None, sample_weight=None)`` runs one epoch; ``predict`` returns a
    NumPy array of labels, ``predict_proba`` one column of probabilities per class, ``score``
    the accuracy; ``loss_gradient(X, y)`` returns R(theta) and its gradient at the fitted
    parameters; ``summary()`` prints the layer table; ``save(path)`` writes a model file.  X may
    be an array, a DataFrame of numbers or a SciPy sparse matrix.  A fit that runs all its
    ``epochs`` without stopping early warns with a ``ConvergenceWarning``.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from nnfit import MLPClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> model = MLPClassifier(hidden_layer_sizes=(32,), dropout=0.2, random_state=0).fit(X, y)
    >>> model.n_params_                     # (64 + 1) * 32 + (32 + 1) * 10
    2410
    >>> model.predict(X[:5]).tolist()
    [0, 1, 2, 3, 4]
    >>> model.predict_proba(X[:5]).shape
    (5, 10)
    """

    def __init__(self, hidden_layer_sizes=(100,), *, activation="relu", dropout=0.0, ridge=2e-3,
                 lasso=0.0, optimizer="adam", momentum=0.9, learning_rate=0.001, learning_rate_decay=1.0,
                 batch_size=128, epochs=200,
                 validation_fraction=0.1, early_stopping="auto", monitor="loss", patience=10,
                 tol=1e-4, augment=None, callbacks=None, random_state=None, verbose=0,
                 dtype="float32", warm_start=False, standardize=True, class_weight=None,
                 device="cpu"):
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

    score = _BaseMLP._accuracy  # its sample_weight checked as fit checks it

    # --- hooks of _BaseMLP -------------------------------------------------------------------
    def _y_kwargs(self):
        return {}

    def _check_y(self, y):
        return column_or_1d(y, warn=True)

    def _encode_targets(self, y, dtype, reset, classes=None, weights=None):
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

    def _class_weights(self, y, partial, sample_weight=None):
        """Each row's class weight under ``class_weight``, or None ("balanced" counts each class
        by its rows' sample weights)."""
        if partial and isinstance(self.class_weight, str) and self.class_weight == "balanced":
            raise ValueError("class_weight='balanced' needs the class counts of all the data, "
                             "which partial_fit never sees; pass a dict instead, e.g. from "
                             "sklearn.utils.class_weight.compute_class_weight('balanced', "
                             "classes=..., y=y_all)")
        return class_sample_weight(self.class_weight, y, self.classes_, sample_weight)

    def _check_classes(self, y, w, train):
        """Refuse weights that leave one class; warn, naming them, about classes without a
        training row of positive weight (all their rows held out, or weighted 0)."""
        weight = np.ones(len(y)) if w is None else w
        weighted = np.unique(y[weight > 0])
        if len(weighted) < 2:
            raise ValueError(f"only class {weighted.tolist()[0]!r} has rows of positive weight (sample_weight "
                             "times class_weight): a classifier needs rows of at least 2 classes "
                             "with weight > 0; give the other classes' rows a weight, or fit "
                             "only the data of several classes")
        rows = np.arange(len(y)) if train is None else train
        missing = np.setdiff1d(self.classes_, y[rows][weight[rows] > 0])
        if missing.size:
            where = ("" if train is None else
                     f" (validation_fraction={self.validation_fraction} holds out some rows)")
            warnings.warn(f"class(es) {missing.tolist()} have no training row of positive "
                          f"weight{where}: the network never learns them; give their rows a "
                          "weight, add rows of those classes, or lower validation_fraction",
                          UserWarning)


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
