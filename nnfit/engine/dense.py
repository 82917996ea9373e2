"""Dense (fully connected) layer: Z = X W + b.

Z[i, k] = b[k] + sum_j X[i, j] W[j, k] is the slide's ``w_k0 + sum_j w_kj x_ij`` for every
unit k and sample i at once.  By the chain rule, given dR/dZ:

    dR/dW = X^T dZ,    dR/db = sum_i dZ[i],    dR/dX = dZ W^T.

A SciPy sparse X (CSR/CSC matrix or array, e.g. a bag of words; only ever the first layer's
input) is never densified: X W and X^T dZ are sparse-times-dense products, costing time in
proportion to the non-zeros of X, and no dR/dX is formed.

On NumPy the products go through ``backends.blocked``: in a fit with the threads "adaptive",
blocks fixed by the shapes on the fit's threads (dW and dX handed over together), so the bits
do not depend on how many; otherwise NumPy's ``matmul`` on BLAS's threads.
"""
import numpy as np
import scipy.sparse

from ..backends import blocked


class Dense:
    """Fully connected layer Z = X W + b.

    Unit k of the layer computes the lecture's z_ik = w_k0 + sum_j w_kj x_ij for every row i:
    ``W[j, k]`` is w_kj and ``b[k]`` is w_k0.  Its ``backprop(dZ)`` writes dR/dW = X^T dZ and
    dR/db = sum_i dZ_i into the network's gradient vector and returns dR/dX = dZ W^T.

    Parameters
    ----------
    n_in : int
        Number of inputs (columns of X).
    n_out : int
        Number of units (columns of Z).
    backend : NumpyBackend
        The array backend the layer computes with.

    Attributes
    ----------
    W, b : ndarray
        Weights (n_in, n_out) and biases (n_out,): views into the network's parameter vector
        ``theta``, set by ``bind`` (None before the layer belongs to a network).
    dW, db : ndarray
        Their gradients: views into the network's ``grad``.
    input_grad : bool
        Whether ``backprop`` computes dR/dX (False for the first layer of a network, which needs
        no gradient with respect to the data).

    Examples
    --------
    >>> import numpy as np
    >>> from nnfit import Dense, NumpyBackend, Sequential
    >>> network = Sequential([Dense(3, 2, NumpyBackend())], dtype="float64")
    >>> network.n_params                       # 3 x 2 weights + 2 biases
    8
    >>> Z, backprop = network.forward(np.ones((4, 3)))
    >>> Z.shape
    (4, 2)
    """

    def __init__(self, n_in, n_out, backend):
        self.n_in, self.n_out = n_in, n_out
        self.backend = backend
        self.input_grad = True  # the first layer of a network needs no dR/dX
        self.W = self.b = self.dW = self.db = None

    @property
    def param_shapes(self):
        return [(self.n_in, self.n_out), (self.n_out,)]

    def bind(self, params, grads):
        """Attach views ``[W, b]`` of the parameter buffer and ``[dW, db]`` of the gradient buffer."""
        self.W, self.b = params
        self.dW, self.db = grads

    def forward(self, X, train=False, rng=None):
        """Z = X W + b and the closure ``backprop(dZ)`` that writes dW, db and returns dX.

        Parameters
        ----------
        X : array or SciPy sparse matrix of shape (n, n_in)
        train, rng :
            Unused (the layer contract's arguments).

        Returns
        -------
        (Z, backprop)
        """
        if scipy.sparse.issparse(X):
            return self._forward_sparse(X)
        xp = self.backend.xp
        if xp is not np:
            return self._forward_xp(X, xp)
        Z = blocked.matmul(X, self.W)
        Z += self.b

        def backprop(dZ):
            np.sum(dZ, axis=0, out=self.db)
            return dense_products(X, dZ, self)

        return Z, backprop

    def _forward_xp(self, X, xp):
        """``forward`` on another array library's ``xp`` (PyTorch's)."""
        Z = xp.matmul(X, self.W)
        Z += self.b

        def backprop(dZ):
            xp.matmul(X.T, dZ, out=self.dW)
            xp.sum(dZ, axis=0, out=self.db)
            return xp.matmul(dZ, self.W.T) if self.input_grad else None

        return Z, backprop

    def _forward_sparse(self, X):
        Z = self.backend.xp.asarray(X @ self.W)
        Z += self.b

        def backprop(dZ):
            self.dW[...] = X.T @ dZ
            self.backend.xp.sum(dZ, axis=0, out=self.db)
            if self.input_grad:
                raise ValueError("sparse input is taken by the first layer only")
            return None

        return Z, backprop

    def __repr__(self):
        return f"Dense({self.n_in}, {self.n_out})"


def dense_products(X, dZ, dense):
    """dW = X^T dZ into ``dense.dW`` and, if the layer needs it, dX = dZ W^T (returned, else
    None): NumPy's products, handed to a fit's threads together (``blocked.products``)."""
    if not dense.input_grad:
        blocked.matmul(X.T, dZ, out=dense.dW)
        return None
    return blocked.products((X.T, dZ, dense.dW), (dZ, dense.W.T, None))[1]
