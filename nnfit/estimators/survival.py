"""``MLPSurvival``: a network inside Cox's partial likelihood, in scikit-survival's conventions.

The network's one output is the log relative hazard eta(x) (Faraggi and Simon 1995, DeepSurv):
h(t | x) = h_0(t) exp(eta(x)).  Fitting minimizes Cox's negative log partial likelihood
(``engine.cox``, Efron's or Breslow's ties) plus the ridge and lasso penalties, by the same
backpropagation and optimizers as the other estimators.  After the fit, Breslow's estimator
on the rows given to ``fit`` gives the baseline cumulative hazard H_0 (``survival_data``), so
that ``predict_survival_function`` and ``predict_cumulative_hazard_function`` return what
scikit-survival's ``CoxPHSurvivalAnalysis`` returns.  y is scikit-survival's structured array
of (event, time); the estimator passes the times to the loss as ranks (so that float32 keeps
every tie) with the event indicator.  With ``hidden_layer_sizes=()`` and no penalty it is the
linear Cox model.  scikit-survival (``pip install 'nnfit[survival]'``) supplies the step
functions and Harrell's concordance index.

The defaults (one hidden layer of 32 ReLU units, ridge 0.03, Adam with learning rate 0.003 on
minibatches of 64 for 200 epochs, no hold-out below 10,000 rows) were chosen by 5-fold CV
repeated twice on nine survival tables of 87 to 7,874 rows (``bench/survival.py``; Harrell's C,
mean over the tables, and the integrated Brier score against linear Cox on the same folds):

    ridge 0.01, learning rate 0.001          C 0.714   worst table -0.011   IBS -0.0049
    ridge 0.03, learning rate 0.001          C 0.715   worst table -0.010   IBS -0.0080
    ridge 0.03, learning rate 0.001, 400 ep  C 0.718   worst table +0.001   IBS -0.0087
    ridge 0.03, learning rate 0.003          C 0.719   worst table +0.000   IBS -0.0086
    ridge 0.03, batch 32                     C 0.718   worst table +0.000   IBS -0.0087
    ridge 0.05, 400 epochs                   C 0.717   worst table -0.001   IBS -0.0083
    16 units                                 C 0.712   worst table -0.020   IBS -0.0039
    100 epochs                               C 0.704   worst table -0.050   IBS -0.0034
    L-BFGS (full batch), ridge 0.01          C 0.712   worst table -0.024   IBS +0.0060

(linear Cox: C 0.710; pycox's CoxPH network: C 0.688.)  Small tables get few minibatch steps an
epoch, so the number of steps, not of epochs, is what the short runs lacked.
"""
import functools

import numpy as np

from .base import _BaseMLP
from .docstrings import shared_docstring
from .survival_data import breslow, check_survival_y, weighted_rows
from .weights import check_sample_weight
from ..engine.cox import CoxPartialLikelihood


def _sksurv(what):
    try:
        import sksurv.functions
        import sksurv.metrics
    except ImportError:
        raise ImportError(f"{what} needs scikit-survival: pip install 'nnfit[survival]'") from None
    return sksurv


def concordance(event, time, risk):
    """Harrell's C of ``risk`` (higher = earlier event) by scikit-survival; NaN without a
    comparable pair."""
    try:
        return float(_sksurv("Harrell's C").metrics.concordance_index_censored(
            np.asarray(event, bool), np.asarray(time, np.float64), np.asarray(risk, np.float64))[0])
    except (ValueError, ZeroDivisionError):
        return float("nan")


@shared_docstring
class MLPSurvival(_BaseMLP):
    """Cox proportional-hazards network fitted by explicit backpropagation (DeepSurv's model).

    The network computes A^(0) = X, A^(l) = g(A^(l-1) W_l + b_l) for each hidden layer and one
    output eta(x), the log relative hazard: h(t | x) = h_0(t) exp(eta(x)).  Fitting minimizes::

        R(theta) = -(1/n) log PL(theta) + sum_l [ridge_l sum W_l^2 + lasso_l sum |W_l|]

    with PL Cox's partial likelihood (weighted by ``sample_weight``), Efron's or Breslow's
    handling of tied times.  On full batches (``optimizer="gd"`` or ``"lbfgs"``) it is the exact
    partial likelihood; on minibatches each batch's rows form the risk sets (as DeepSurv).
    ``hidden_layer_sizes=()`` with ``ridge=0`` is the linear Cox model.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(32,)
        Width of each hidden layer; ``()`` is linear Cox regression.
    $activation
    $dropout
    ridge : float or sequence of float, default=0.03
        Ridge penalty on the weights of each layer (biases are not penalized).  The defaults
        (with ``learning_rate``, ``batch_size`` and ``epochs``) were chosen by repeated CV on
        nine survival tables (module docstring); pass 0 and ``hidden_layer_sizes=()`` for the
        maximum partial likelihood linear Cox model.
    $lasso
    $optimizer
    $momentum
    learning_rate : float, default=0.003
        The learning rate of the minibatch optimizers.
    $learning_rate_decay
    batch_size : int, default=64
        Rows per minibatch: each minibatch's rows are its risk sets.
    $epochs
    validation_fraction : float, default=0.1
        Share of the rows of ``fit`` held out (stratified by event) to compute the validation
        partial likelihood and C-index after each epoch; 0 for none.
    early_stopping : bool or "auto", default="auto"
        Stop when the monitored value has not improved for ``patience`` epochs and restore the
        best epoch's parameters; "auto" does so (holding out ``validation_fraction``) from
        10,000 rows on.
    monitor : {"loss", "score"}, default="loss"
        What early stopping watches: the validation partial likelihood or Harrell's C.
    $patience
    $tol
    ties : {"efron", "breslow"}, default="efron"
        How tied event times enter the partial likelihood (Efron's, as R's coxph and lifelines;
        Breslow's, as scikit-survival's ``CoxPHSurvivalAnalysis``).
    $callbacks
    $random_state
    $verbose
    $dtype
    $warm_start
    $standardize
    $device

    Attributes
    ----------
    $fitted_attributes
    unique_times_ : ndarray
        The distinct times of the rows given to ``fit``.
    cum_baseline_hazard_ : ndarray
        Breslow's baseline cumulative hazard H_0 at ``unique_times_``.

    See Also
    --------
    MLPRegressor : the same network for a number (``loss="poisson"`` for counts).

    Notes
    -----
    ``predict`` returns the risk score eta(x) (higher = earlier event); ``score`` is Harrell's
    C; ``predict_survival_function`` and ``predict_cumulative_hazard_function`` return
    scikit-survival step functions (or arrays over ``unique_times_``).

    Examples
    --------
    >>> import numpy as np
    >>> from sksurv.util import Surv
    >>> from nnfit import MLPSurvival
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 3))
    >>> time = rng.exponential(np.exp(-X[:, 0]))
    >>> y = Surv.from_arrays(event=rng.random(200) < 0.7, time=time)
    >>> model = MLPSurvival(hidden_layer_sizes=(8,), random_state=0).fit(X, y)
    >>> model.score(X, y) > 0.6
    True
    """

    def __init__(self, hidden_layer_sizes=(32,), *, activation="relu", dropout=0.0, ridge=0.03,
                 lasso=0.0, optimizer="adam", momentum=0.9, learning_rate=0.003,
                 learning_rate_decay=1.0, batch_size=64, epochs=200, validation_fraction=0.1,
                 early_stopping="auto", monitor="loss", patience=10, tol=1e-4, ties="efron",
                 callbacks=None, random_state=None, verbose=0, dtype="float32", warm_start=False,
                 standardize=True, device="cpu"):
        params = dict(locals())
        del params["self"], params["__class__"], params["ties"]
        super().__init__(augment=None, **params)
        self.ties = ties

    def fit(self, X, y, sample_weight=None):
        """Fit the network by the partial likelihood, then Breslow's baseline hazard.

        Parameters
        ----------
        X : array-like or SciPy sparse matrix of shape (n_samples, n_features)
        y : structured array of (event, time), as ``sksurv.util.Surv`` makes it
        sample_weight : array-like of shape (n_samples,), optional

        Returns
        -------
        self
        """
        _sksurv("MLPSurvival")
        X, y, sample_weight, kept = weighted_rows(X, y, sample_weight)
        super().fit(X, y, sample_weight=sample_weight)
        if kept is not None:  # the held-out rows as positions of the X given
            self.validation_indices_ = kept[self.validation_indices_]
        return self._fit_baseline(X, y, sample_weight)

    def partial_fit(self, X, y, sample_weight=None):
        """One epoch over (X, y); the baseline hazard is then Breslow's on these rows."""
        _sksurv("MLPSurvival")
        X, y, sample_weight, _ = weighted_rows(X, y, sample_weight)
        self._partial_fit(X, y, sample_weight=sample_weight)
        return self._fit_baseline(X, y, sample_weight)

    def _fit_baseline(self, X, y, sample_weight):
        event, time = check_survival_y(y)
        w = check_sample_weight(sample_weight, len(time))
        self.unique_times_, self.cum_baseline_hazard_ = breslow(self.predict(X), event, time, w)
        return self

    def predict(self, X):
        """The risk score eta(x), the log relative hazard (higher = earlier event): log h(t | x)
        - log h_0(t), relative to the baseline hazard h_0 of ``cum_baseline_hazard_`` (Breslow's
        on the fitting rows), which is the hazard of a row with eta = 0.

        The partial likelihood fixes eta only up to an additive constant, which h_0 absorbs (S(t
        | x) and every concordance are the same for any constant): the output's bias b, to which
        the likelihood is blind, stays where the fit leaves it.  Without a hidden layer eta(x) =
        b + sum_j beta_j (x_j - m_j) / s_j over the standardized columns, with b = 0 after the
        full-batch linear Cox fit (``optimizer="lbfgs"``, float64): 0 at the training rows'
        column means m_j, whereas scikit-survival's ``CoxPHSurvivalAnalysis.predict``, x . beta,
        is larger by the constant sum_j beta_j m_j / s_j.  Compare the risk scores of different
        models or fits by their differences between rows, not by their levels.

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        return self._forward(self._validated_X(X)).astype(np.float64)[:, 0]

    def predict_cumulative_hazard_function(self, X, return_array=False):
        """H(t | x) = H_0(t) exp(eta(x)): scikit-survival step functions, or with
        ``return_array`` an array of shape (n_samples, n_unique_times) over ``unique_times_``."""
        H = self.cum_baseline_hazard_[None, :] * np.exp(self.predict(X))[:, None]
        return H if return_array else self._step_functions(H)

    def predict_survival_function(self, X, return_array=False):
        """S(t | x) = exp(-H_0(t) exp(eta(x))): scikit-survival step functions, or with
        ``return_array`` an array of shape (n_samples, n_unique_times) over ``unique_times_``."""
        S = np.exp(-self.predict_cumulative_hazard_function(X, return_array=True))
        return S if return_array else self._step_functions(S)

    def _step_functions(self, values):
        StepFunction = _sksurv("step functions").functions.StepFunction
        return np.array([StepFunction(self.unique_times_, row) for row in values], dtype=object)

    def score(self, X, y):
        """Harrell's concordance index of ``predict(X)`` on the survival outcomes y."""
        event, time = check_survival_y(y, n=None)
        return concordance(event, time, self.predict(X))

    def _to_file_parts(self):
        header, arrays = super()._to_file_parts()
        header["n_unique_times"] = int(self.unique_times_.size)
        arrays["unique_times"] = self.unique_times_
        arrays["cum_baseline_hazard"] = self.cum_baseline_hazard_
        return header, arrays

    @classmethod
    def _from_file_parts(cls, header, arrays):
        est = super()._from_file_parts(header, arrays)
        est.unique_times_, est.cum_baseline_hazard_ = arrays["unique_times"], arrays["cum_baseline_hazard"]
        return est

    # --- hooks of _BaseMLP -------------------------------------------------------------------
    def _checked_Xy(self, X, y, reset):
        return super()._checked_Xy(X, self._check_y(y), reset)

    def _y_kwargs(self):
        return {"multi_output": True, "y_numeric": True}

    def _check_y(self, y):
        event, time = check_survival_y(y)
        return np.column_stack([time, event.astype(np.float64)])

    def _encode_targets(self, y, dtype, reset, classes=None, weights=None):
        """(rank of the time, event): ranks keep every tie and the order in float32."""
        if reset:
            if not (y[:, 1] > 0).any():
                raise ValueError("no row of y has an event (every time is censored), so the "
                                 "partial likelihood is constant; a survival model needs rows "
                                 "with event=True")
            self._target_mean, self._target_scale, self._target_ndim = np.zeros(1), np.ones(1), 1
        ranks = np.unique(y[:, 0], return_inverse=True)[1].reshape(-1)
        return np.column_stack([ranks, y[:, 1]]).astype(dtype)

    def _make_loss(self, n_out):
        return functools.partial(CoxPartialLikelihood, ties=self.ties)

    def _build(self, n_in, n_out, *args, **kwargs):
        if self.ties not in ("efron", "breslow"):
            raise ValueError(f"ties must be 'efron' or 'breslow', got {self.ties!r}")
        super()._build(n_in, 1, *args, **kwargs)  # one output, eta, for the two columns of y

    def _stratify(self, y):
        return y[:, 1]

    def _score_outputs(self, Z, Y, w=None):
        """Harrell's C of the outputs Z on the held-out (rank, event) targets Y."""
        return concordance(Y[:, 1] > 0, Y[:, 0], Z[:, 0])

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        return tags
