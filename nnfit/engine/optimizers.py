"""Optimizers: each ``step`` updates the flat parameter vector theta in place from its gradient g.

    GradientDescent  theta <- theta - rho g                       (the slide's rule)
    SGD              theta <- theta - rho g on each minibatch     (plain, momentum 0)
                     v <- mu v - rho g;  theta <- theta + v       (momentum mu)
                     theta <- theta + mu v - rho g                (Nesterov)
    RMSprop          s <- a s + (1 - a) g^2;  theta <- theta - rho g / sqrt(s + eps)
    Adam             m <- b1 m + (1 - b1) g;  s <- b2 s + (1 - b2) g^2;
                     theta <- theta - rho m_hat / (sqrt(s_hat) + eps), hats bias-corrected
    LBFGS            quasi-Newton steps on all rows with a line search (``lbfgs``: no step rule)

RMSprop puts eps under the square root, as Keras and TensorFlow (the book's software) do;
PyTorch adds it after.  With eps = 1e-7 the divisor is at least 3.2e-4, which damps the steps
of weights whose gradients are rarely non-zero (on pixels that are almost always blank): on
the MNIST dropout network this form gave a lower validation error (``mnist_table``).

State vectors have theta's size and dtype and are allocated on the first step.  Each
operation below is one pass over theta's memory; RMSprop and Adam take the backend's
compiled one-pass loop of the same arithmetic when it has one (``backends.kernels``, numba), since for
the MNIST network their nine or so passes cost as much as a matrix product per step.
"""
import math
import weakref

from ..backends.numpy_backend import default_backend
from .lbfgs import LBFGS

_kernels = weakref.WeakKeyDictionary()  # backend -> {name: its fused(name)}: looked up once


_last = [None, None]  # the last backend asked and its kernels: an identity test, no hashing


def fused_kernel(backend, name):
    """``backend.fused(name)``, remembered per backend (the lookup costs microseconds a step)."""
    found = _last[1] if backend is _last[0] else _kernels.setdefault(backend, {})
    _last[:] = backend, found
    if name not in found:
        found[name] = backend.fused(name)
    return found[name]


class GradientDescent:
    """The lecture's gradient descent, theta <- theta - rho * grad, on all rows at once.

    Estimators with ``optimizer="gd"`` take one step per epoch on the full training set and
    stop when R(theta) fails to decrease (by more than ``tol``).

    Parameters
    ----------
    learning_rate : float, default=0.01
        The learning rate rho.

    Examples
    --------
    >>> import numpy as np
    >>> from nnfit import GradientDescent
    >>> theta = np.array([1.0, -2.0])
    >>> GradientDescent(learning_rate=0.1).step(theta, grad=np.array([1.0, 1.0]))
    >>> theta.tolist()
    [0.9, -2.1]
    """
    full_batch = True
    state_names = ()  # the running state a saved model keeps (``estimators.serialize``)

    def __init__(self, learning_rate=0.01):
        self.learning_rate = learning_rate

    def step(self, theta, grad):
        theta -= self.learning_rate * grad


class SGD:
    """Stochastic gradient descent, one step per minibatch, plain or with (Nesterov) momentum.

    With ``momentum=0`` the slide's rule theta <- theta - rho g on each minibatch's gradient;
    otherwise v <- mu v - rho g, theta <- theta + v, and with ``nesterov``
    theta <- theta + mu v - rho g.

    Parameters
    ----------
    learning_rate : float, default=0.01
        The learning rate rho.
    momentum : float, default=0.9
        The momentum mu (0 for plain SGD).
    nesterov : bool, default=False
        Use Nesterov's look-ahead form.

    Attributes
    ----------
    velocity : ndarray or None
        The running velocity v, allocated at the first step (none with momentum 0).

    Examples
    --------
    >>> import numpy as np
    >>> from nnfit import SGD
    >>> theta = np.zeros(2)
    >>> SGD(learning_rate=0.1, momentum=0.0).step(theta, np.array([1.0, -1.0]))
    >>> theta.tolist()
    [-0.1, 0.1]
    """
    full_batch = False

    def __init__(self, learning_rate=0.01, momentum=0.9, nesterov=False):
        self.learning_rate, self.momentum, self.nesterov = learning_rate, momentum, nesterov
        self.velocity = None

    @property
    def state_names(self):
        """The running state a saved model keeps: the velocity, unless the SGD is plain."""
        return ("velocity",) if self.momentum else ()

    def step(self, theta, grad):
        if not self.momentum:
            theta -= self.learning_rate * grad
            return
        if self.velocity is None:
            self.velocity = theta * 0  # zeros of theta's dtype on theta's backend
        v, lr, mu = self.velocity, self.learning_rate, self.momentum
        v *= mu
        v -= lr * grad
        if self.nesterov:
            theta += mu * v - lr * grad
        else:
            theta += v


class RMSprop:
    """RMSprop in Keras's form (the book's software): eps under the square root.

    s <- a s + (1 - a) g^2, theta <- theta - rho g / sqrt(s + eps), elementwise.

    Parameters
    ----------
    learning_rate : float, default=0.001
        The learning rate rho.
    rho : float, default=0.9
        The decay a of the running mean of squared gradients (Keras's name for it).
    eps : float, default=1e-7
        Added to s under the square root.
    backend : NumpyBackend, default=NumpyBackend()
        The array backend (its compiled one-pass update is used when numba is installed).

    Attributes
    ----------
    square_avg : ndarray or None
        The running mean s, allocated at the first step.

    Examples
    --------
    >>> import numpy as np
    >>> from nnfit import RMSprop
    >>> theta = np.zeros(2)
    >>> RMSprop(learning_rate=0.01).step(theta, np.array([1.0, -1.0]))
    >>> np.round(theta, 4).tolist()            # -0.01 / sqrt(0.1 + 1e-7) per unit gradient
    [-0.0316, 0.0316]
    """
    full_batch = False
    state_names = ("square_avg",)

    def __init__(self, learning_rate=0.001, rho=0.9, eps=1e-7, backend=default_backend):
        self.learning_rate, self.rho, self.eps = learning_rate, rho, eps
        self.backend = backend
        self.square_avg = self.scratch = None

    def step(self, theta, grad):
        xp = self.backend.xp
        if self.square_avg is None:
            self.square_avg = xp.zeros_like(theta)
        if self.scratch is None:  # scratch space; a restored state (nnfit.load) comes without it
            self.scratch = xp.empty_like(theta)
        s, tmp = self.square_avg, self.scratch
        fused = fused_kernel(self.backend, "rmsprop")
        if fused is not None:
            key = (theta.dtype, self.rho, self.eps, self.learning_rate)
            if self.__dict__.get("_key") != key:  # the scalars in theta's precision, as below
                c = theta.dtype.type
                self._params = xp.array([c(self.rho), c(1 - self.rho), c(self.eps),
                                         c(self.learning_rate), xp.finfo(theta.dtype).tiny])
                self._key = key
            fused(theta, grad, s, self._params)
            return
        s *= self.rho
        xp.multiply(grad, grad, out=tmp)
        tmp *= 1 - self.rho
        s += tmp
        xp.add(s, self.eps, out=tmp)
        xp.sqrt(tmp, out=tmp)
        xp.divide(grad, tmp, out=tmp)
        tmp *= self.learning_rate
        theta -= tmp


class Adam:
    """Adam: bias-corrected running means of the gradient and of its square.

    m <- b1 m + (1 - b1) g, s <- b2 s + (1 - b2) g^2,
    theta <- theta - rho m_hat / (sqrt(s_hat) + eps) with m_hat, s_hat corrected for their
    start at zero.

    Parameters
    ----------
    learning_rate : float, default=0.001
        The learning rate rho.
    beta1, beta2 : float, default=0.9, 0.999
        Decays of the two running means.
    eps : float, default=1e-8
        Added to the square root.
    backend : NumpyBackend, default=NumpyBackend()
        The array backend (its compiled one-pass update is used when numba is installed).

    Attributes
    ----------
    m, s : ndarray or None
        The running means, allocated at the first step.
    t : int
        Number of steps taken.

    Examples
    --------
    >>> import numpy as np
    >>> from nnfit import Adam
    >>> theta = np.zeros(2)
    >>> Adam(learning_rate=0.01).step(theta, np.array([3.0, -0.5]))
    >>> np.round(theta, 6).tolist()            # the first step is about rho * sign(g)
    [-0.01, 0.01]
    """
    full_batch = False
    state_names = ("m", "s")  # and the step count t (``estimators.serialize``)

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, eps=1e-8, backend=default_backend):
        self.learning_rate, self.beta1, self.beta2, self.eps = learning_rate, beta1, beta2, eps
        self.backend = backend
        self.m = self.s = self.scratch = None
        self.t = 0

    def step(self, theta, grad):
        xp = self.backend.xp
        if self.m is None:
            self.m, self.s = xp.zeros_like(theta), xp.zeros_like(theta)
        if self.scratch is None:  # scratch space; a restored state (nnfit.load) comes without it
            self.scratch = xp.empty_like(theta)
        self.t += 1
        m, s, b1, b2 = self.m, self.s, self.beta1, self.beta2
        correction = math.sqrt(1 - b2 ** self.t)
        step_size = self.learning_rate * correction / (1 - b1 ** self.t)
        fused = fused_kernel(self.backend, "adam")
        if fused is not None:
            c = theta.dtype.type  # the scalars in theta's precision, as in the lines below
            fused(theta, grad, m, s, c(b1), c(1 - b1), c(b2), c(1 - b2), c(self.eps * correction),
                  c(step_size), xp.finfo(theta.dtype).tiny)
            return
        self.update(theta, grad, step_size, self.eps * correction)

    def update(self, theta, grad, step_size, eps):
        """The array lines of a step: m and s move toward g and g^2, theta -= step_size m / (sqrt(s) + eps)."""
        xp, m, s, tmp, b1, b2 = self.backend.xp, self.m, self.s, self.scratch, self.beta1, self.beta2
        m *= b1
        xp.multiply(grad, 1 - b1, out=tmp)
        m += tmp
        s *= b2
        xp.multiply(grad, grad, out=tmp)
        tmp *= 1 - b2
        s += tmp
        xp.sqrt(s, out=tmp)
        tmp += eps
        xp.divide(m, tmp, out=tmp)
        tmp *= step_size
        theta -= tmp


OPTIMIZERS = {"gd": GradientDescent, "sgd": SGD, "momentum": SGD, "nesterov": SGD,
              "rmsprop": RMSprop, "adam": Adam, "lbfgs": LBFGS}


def make_optimizer(name, learning_rate, backend=default_backend, momentum=0.9):
    """The optimizer an estimator's ``optimizer`` name stands for: "sgd" is plain minibatch SGD,
    "momentum" and "nesterov" add the ``momentum`` mu; "lbfgs" is full-batch L-BFGS (``lbfgs``)."""
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; choose one of {sorted(OPTIMIZERS)}")
    if name == "sgd":
        return SGD(learning_rate, momentum=0.0)
    if name in ("momentum", "nesterov"):
        return SGD(learning_rate, momentum=momentum, nesterov=name == "nesterov")
    if name in ("rmsprop", "adam"):
        return OPTIMIZERS[name](learning_rate, backend=backend)
    return OPTIMIZERS[name](learning_rate)
