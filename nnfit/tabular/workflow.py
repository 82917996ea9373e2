"""The fitting workflow of ``TabularClassifier`` and ``TabularRegressor``, and so of ``nnfit fit``:
hold rows out, stop early on them, refit on all rows for the best epoch count.

With ``refit=True`` (the default) a fit whose inner estimator holds rows out runs twice:

1. the inner estimator is fitted as configured: it holds out ``validation_fraction`` of the rows
   (stratified by class for a classifier), computes the validation loss after each epoch
   (weighted like the training objective when there are sample or class weights), stops after
   ``patience`` epochs without a gain larger than ``tol`` and keeps the weights of the best
   epoch b;
2. a fresh copy with the same parameters (the same ``random_state``) is fitted on all rows for
   exactly b epochs, with nothing held out and no early stopping.  It is the model.

The first fit is kept (``early_stopped_estimator_``), with the labels of its held-out rows
(``validation_index_``): scored on those rows it estimates the error of a network fitted for
b epochs on rows it never saw.  When nothing is held out (``validation_fraction=0``,
``early_stopping=False``, or the regressor's ``early_stopping="auto"`` below 10,000 rows) the
first fit used every row already and is the model; ``refit=False`` keeps the first fit too.
A fit stopped by Ctrl-C is not refitted.
"""
import warnings

from sklearn.base import clone


def fit_with_holdout(estimator, Z, y, sample_weight, refit):
    """(model, early-stopped fit) of ``estimator`` on (Z, y), as the module docstring says.

    Parameters
    ----------
    estimator : MLPClassifier or MLPRegressor
        Unfitted; fitted in place (step 1).
    Z : ndarray of shape (n_samples, n_features)
        The design matrix.
    y : ndarray of shape (n_samples,)
    sample_weight : ndarray of shape (n_samples,) or None
        Weights of the rows, used by both fits.
    refit : bool
        Whether to refit on all rows for the best epoch count.

    Returns
    -------
    model, early_stopped : fitted estimators
        The same object when there is no refit.
    """
    weights = {} if sample_weight is None else {"sample_weight": sample_weight}
    estimator.fit(Z, y, **weights)
    held_out = len(getattr(estimator, "validation_indices_", ()))
    if not refit or held_out == 0 or estimator.interrupted_:
        return estimator, estimator
    best = int(estimator.best_epoch_)
    if best == 0:
        warnings.warn("the validation loss was lowest before the first epoch (the initial "
                      "weights were restored), so there is no epoch count to refit with; the "
                      "model is the early-stopped fit.  Try a smaller learning_rate or more "
                      "data", UserWarning, stacklevel=3)
        return estimator, estimator
    model = clone(estimator).set_params(epochs=best, early_stopping=False,
                                        validation_fraction=0.0)
    model.fit(Z, y, **weights)
    return model, estimator
