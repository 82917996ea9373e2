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
        n = Z.shape[0]
        log_P = self.backend.special.log_softmax(Z, axis=1)
        loss = -float(self.backend.xp.vdot(Y, log_P)) / n
        dZ = self.backend.xp.exp(log_P)
        dZ -= Y
        dZ /= n
        return loss, dZ

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
