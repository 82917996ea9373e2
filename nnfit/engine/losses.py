"""Losses, each fused with the output transform whose derivative makes it simple.

With Z the output layer's linear combinations (n samples), Y the targets and the loss taken
as a mean over the n samples, each ``__call__`` returns the loss and dR/dZ:

- SquaredError (identity output, regression): L = 1/n sum_i 1/2 ||y_i - z_i||^2,
  dZ = (Z - Y) / n.
- SoftmaxCrossEntropy (softmax output, multinomial): f_m = e^{Z_m} / sum_l e^{Z_l},
  L = -1/n sum_i sum_m y_im log f_m(x_i) with one-hot Y, dZ = (P - Y) / n.
- SigmoidBinaryCrossEntropy (logistic output, two classes or several 0/1 outputs):
  L = -1/n sum_i sum_m [y log s(z) + (1 - y) log(1 - s(z))], dZ = (s(Z) - Y) / n.
- PoissonDeviance (log link, counts or rates): mu = e^z, L = 1/n sum_i [y log(y/mu) - y + mu],
  half the Poisson deviance (0 at mu = y); as y log y - y does not depend on z,
  dL/dz = (e^z - y) / n.  With weights w_i = exposure and y = count / exposure this is the
  Poisson likelihood of the counts with a log(exposure) offset (scikit-learn's convention).
- CoxPartialLikelihood (``engine.cox``): Cox's partial likelihood, which couples the rows
  through their risk sets.

With sample weights w (``w`` of shape (n,), scaled by the caller to mean 1 over the training
rows) each sample's loss and its row of dZ are multiplied by w_i: L = 1/n sum_i w_i L_i, which
on a batch holding all the rows is sum_i w_i L_i / sum_i w_i.  Without ``w`` the arithmetic is
the unweighted one above, bit for bit.

``output(Z)`` gives the fitted f(X): predictions, class probabilities.
"""


_COMMON_DOC = """
    Parameters
    ----------
    backend : NumpyBackend
        The array backend.

    Examples
    --------
    >>> import numpy as np
    >>> from nnfit import NumpyBackend, {name}
    >>> loss, dZ = {name}(NumpyBackend())(np.zeros((4, 2)), np.array([[1.0, 0.0]] * 4))
    >>> dZ.shape
    (4, 2)
"""


class _Loss:
    """What every loss shares: its backend, and ``loss(Z, Y, w=None) -> (L, dR/dZ)``."""

    def __init_subclass__(cls):
        """Each loss's docstring: its equations, then the text they all share."""
        if cls.__doc__:
            example = getattr(cls, "_EXAMPLE", _COMMON_DOC)
            cls.__doc__ = cls.__doc__.rstrip() + "\n" + example.format(name=cls.__name__)

    def __init__(self, backend):
        self.backend = backend

    def __call__(self, Z, Y, w=None):
        """The (weighted) mean loss over the rows of Z, and dR/dZ.

        Parameters
        ----------
        Z : ndarray of shape (n, n_outputs)
            The output layer's linear combinations.
        Y : ndarray of shape (n, n_outputs)
            The targets (one-hot or 0/1 for the cross-entropies).
        w : ndarray of shape (n,), optional
            Row weights, scaled to mean 1 over the training rows.

        Returns
        -------
        loss : float
        dZ : ndarray of shape (n, n_outputs)
            dR/dZ (may overwrite a temporary of Z's shape, never Z itself).
        """
        raise NotImplementedError


class SquaredError(_Loss):
    """Squared-error loss with identity output, for regression.

    Calling the loss on the output layer's values Z and the targets Y returns
    ``(loss, dZ)``: L = (1/n) sum_i (1/2) ||y_i - z_i||^2 and dR/dZ = (Z - Y) / n; ``output(Z)`` is Z.
    """

    def __call__(self, Z, Y, w=None):
        residual = Z - Y
        n = Z.shape[0]
        if w is not None:
            xp = self.backend.xp
            loss = 0.5 * float(xp.vdot(w, xp.einsum("ij,ij->i", residual, residual))) / n
            residual *= (w / n)[:, None]
            return loss, residual
        loss = 0.5 * float(self.backend.xp.vdot(residual, residual)) / n
        residual /= n
        return loss, residual

    def output(self, Z):
        return Z


class SoftmaxCrossEntropy(_Loss):
    """Softmax output with the cross-entropy loss, for K > 2 classes.

    Calling the loss on the output layer's values Z and the targets Y returns
    ``(loss, dZ)``: f_m = exp(Z_m) / sum_l exp(Z_l), L = -(1/n) sum_i sum_m y_im log f_m(x_i) with one-hot Y,
    computed without overflow; dR/dZ = (P - Y) / n; ``output(Z)`` is the softmax P.
    """

    def __call__(self, Z, Y, w=None):
        xp = self.backend.xp
        n = Z.shape[0]
        fused = self.backend.fused("softmax_cross_entropy")  # the lines below in one pass (_fused)
        if fused is not None and w is None and Z.dtype == Y.dtype and Z.shape == Y.shape:
            return fused(Z, Y)
        # log f_m = (Z_m - c) - log sum_l e^{Z_l - c} with c = max_l Z_l, so exp never
        # overflows.  Written out rather than scipy.special.log_softmax, whose checks cost
        # more than the arithmetic on a 128 x 10 minibatch.
        shifted = Z - xp.max(Z, axis=1, keepdims=True)
        E = xp.exp(shifted)
        total = E.sum(axis=1)
        # L = -1/n sum_i sum_m y_im (shifted_im - log total_i)
        if w is not None:
            per_row = Y.sum(axis=1) * xp.log(total) - xp.einsum("ij,ij->i", Y, shifted)
            loss = float(xp.vdot(w, per_row)) / n
        else:
            loss = float(xp.vdot(Y.sum(axis=1), xp.log(total)) - xp.vdot(Y, shifted)) / n
        E /= total[:, None]  # P, the softmax
        E -= Y
        if w is not None:
            E *= (w / n)[:, None]
            return loss, E
        E /= n
        return loss, E

    def output(self, Z):
        return self.backend.special.softmax(Z, axis=1)


class SigmoidBinaryCrossEntropy(_Loss):
    """Logistic output with the binary cross-entropy, for two classes (or 0/1 outputs).

    Calling the loss on the output layer's values Z and the targets Y returns
    ``(loss, dZ)``: s(z) = 1 / (1 + exp(-z)), L = -(1/n) sum_i [y log s(z) + (1 - y) log(1 - s(z))],
    dR/dZ = (s(Z) - Y) / n; ``output(Z)`` is s(Z).
    """

    def __call__(self, Z, Y, w=None):
        xp = self.backend.xp
        n = Z.shape[0]
        # -[y log s(z) + (1-y) log(1-s(z))] = log(1 + e^z) - y z, computed without overflow
        if w is not None:
            per_row = (xp.logaddexp(0, Z) - Y * Z).sum(axis=1)
            loss = float(xp.vdot(w, per_row)) / n
        else:
            loss = float(xp.sum(xp.logaddexp(0, Z)) - xp.vdot(Y, Z)) / n
        dZ = self.backend.special.expit(Z)
        dZ -= Y
        if w is not None:
            dZ *= (w / n)[:, None]
            return loss, dZ
        dZ /= n
        return loss, dZ

    def output(self, Z):
        return self.backend.special.expit(Z)


class PoissonDeviance(_Loss):
    """Poisson deviance with a log link, for counts and rates (``MLPRegressor(loss="poisson")``).

    Calling the loss on the output values Z and the targets Y >= 0 returns ``(loss, dZ)``:
    mu = exp(z), L = (1/n) sum_i [y log(y / mu) - y + mu] (half the deviance, 0 log 0 = 0) and
    dR/dZ = (exp(Z) - Y) / n; ``output(Z)`` is exp(Z), the fitted mean.
    """

    def __call__(self, Z, Y, w=None):
        fused = self.backend.fused("poisson_deviance")  # the lines below in one loop
        if fused is not None and Z.dtype == Y.dtype:
            loss, dZ = fused(Z, Y, w)
            return float(loss), dZ
        xp, n = self.backend.xp, Z.shape[0]
        mu = xp.exp(Z)
        per_row = (self.backend.special.xlogy(Y, Y) - Y - Y * Z + mu).sum(axis=1)
        loss = float(xp.sum(per_row) if w is None else xp.vdot(w, per_row)) / n
        mu -= Y
        if w is not None:
            mu *= (w / n)[:, None]
            return loss, mu
        mu /= n
        return loss, mu

    def output(self, Z):
        return self.backend.xp.exp(Z)
