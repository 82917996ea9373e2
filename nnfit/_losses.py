"""Losses, each fused with the output transform whose derivative makes it simple.

With Z the output layer's linear combinations (n samples), Y the targets and the loss taken
as a mean over the n samples, each ``__call__`` returns the loss and dR/dZ:

- SquaredError (identity output, regression): L = 1/n sum_i 1/2 ||y_i - z_i||^2,
  dZ = (Z - Y) / n.
- SoftmaxCrossEntropy (softmax output, multinomial): f_m = e^{Z_m} / sum_l e^{Z_l},
  L = -1/n sum_i sum_m y_im log f_m(x_i) with one-hot Y, dZ = (P - Y) / n.
- SigmoidBinaryCrossEntropy (logistic output, two classes or several 0/1 outputs):
  L = -1/n sum_i sum_m [y log s(z) + (1 - y) log(1 - s(z))], dZ = (s(Z) - Y) / n.

``output(Z)`` gives the fitted f(X): predictions, class probabilities.
"""


class SquaredError:
    def __init__(self, backend):
        self.backend = backend

    def __call__(self, Z, Y):
        residual = Z - Y
        n = Z.shape[0]
        loss = 0.5 * float(self.backend.xp.vdot(residual, residual)) / n
        residual /= n
        return loss, residual

    def output(self, Z):
        return Z


class SoftmaxCrossEntropy:
    def __init__(self, backend):
        self.backend = backend

    def __call__(self, Z, Y):
        xp = self.backend.xp
        n = Z.shape[0]
        fused = self.backend.fused("softmax_cross_entropy")  # the lines below in one pass (_fused)
        if fused is not None and Z.dtype == Y.dtype and Z.shape == Y.shape:
            return fused(Z, Y)
        # log f_m = (Z_m - c) - log sum_l e^{Z_l - c} with c = max_l Z_l, so exp never
        # overflows.  Written out rather than scipy.special.log_softmax, whose checks cost
        # more than the arithmetic on a 128 x 10 minibatch.
        shifted = Z - Z.max(axis=1, keepdims=True)
        E = xp.exp(shifted)
        total = E.sum(axis=1)
        # L = -1/n sum_i sum_m y_im (shifted_im - log total_i)
        loss = float(xp.vdot(Y.sum(axis=1), xp.log(total)) - xp.vdot(Y, shifted)) / n
        E /= total[:, None]  # P, the softmax
        E -= Y
        E /= n
        return loss, E

    def output(self, Z):
        return self.backend.special.softmax(Z, axis=1)


class SigmoidBinaryCrossEntropy:
    def __init__(self, backend):
        self.backend = backend

    def __call__(self, Z, Y):
        xp = self.backend.xp
        n = Z.shape[0]
        # -[y log s(z) + (1-y) log(1-s(z))] = log(1 + e^z) - y z, computed without overflow
        loss = float(xp.sum(xp.logaddexp(0, Z)) - xp.vdot(Y, Z)) / n
        dZ = self.backend.special.expit(Z)
        dZ -= Y
        dZ /= n
        return loss, dZ

    def output(self, Z):
        return self.backend.special.expit(Z)
