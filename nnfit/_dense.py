"""Dense (fully connected) layer: Z = X W + b.

Z[i, k] = b[k] + sum_j X[i, j] W[j, k] is the slide's ``w_k0 + sum_j w_kj x_ij`` for every
unit k and sample i at once.  By the chain rule, given dR/dZ:

    dR/dW = X^T dZ,    dR/db = sum_i dZ[i],    dR/dX = dZ W^T.
"""


class Dense:
    """Weights ``W`` (n_in, n_out) and bias ``b`` (n_out,), both views into the network's flat buffer."""

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
        xp = self.backend.xp
        Z = xp.matmul(X, self.W)
        Z += self.b

        def backprop(dZ):
            xp.matmul(X.T, dZ, out=self.dW)
            xp.sum(dZ, axis=0, out=self.db)
            return xp.matmul(dZ, self.W.T) if self.input_grad else None

        return Z, backprop

    def __repr__(self):
        return f"Dense({self.n_in}, {self.n_out})"
