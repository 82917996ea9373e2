"""Dropout: remove each unit with probability phi, scale the kept ones by 1/(1 - phi).

At training time A_out = A * M / (1 - phi) with M[i, k] ~ Bernoulli(1 - phi) drawn afresh at
every step, so E[A_out] = A; the gradient flows only through kept units:
dR/dA = dR/dA_out * M / (1 - phi).  At prediction time the layer is the identity.
"""


class Dropout:
    """Dropout: remove each unit with probability phi and scale the kept ones by 1/(1 - phi).

    While training (``forward(A, train=True, rng)``) the output is A * M / (1 - phi) with
    M[i, k] ~ Bernoulli(1 - phi) drawn afresh at every call, so E[output] = A; ``backprop``
    passes the gradient through the kept units only, scaled the same way.  At prediction time
    (``train=False``) the layer is the identity.

    Parameters
    ----------
    rate : float
        The dropout rate phi, in [0, 1).
    backend : NumpyBackend
        The array backend the layer computes with.

    Raises
    ------
    ValueError
        If ``rate`` is not in [0, 1).

    Examples
    --------
    >>> import numpy as np
    >>> from nnfit import Dropout, NumpyBackend
    >>> layer = Dropout(0.5, NumpyBackend())
    >>> A, _ = layer.forward(np.ones((1, 6)), train=True, rng=np.random.default_rng(0))
    >>> sorted(set(A.ravel().tolist()))        # removed units 0, kept ones 1 / (1 - 0.5)
    [0.0, 2.0]
    """
    param_shapes = []

    def __init__(self, rate, backend):
        if not 0 <= rate < 1:
            raise ValueError(f"dropout rate must be in [0, 1); got {rate!r}")
        self.rate = rate
        self.backend = backend

    def bind(self, params, grads):
        pass

    def forward(self, A, train=False, rng=None):
        if not train or self.rate == 0:
            return A, lambda dA: dA
        xp = self.backend.xp
        # M / (1 - phi) built inside the array of uniform draws: u >= phi writes 1.0 or 0.0
        # over u itself, then the scaling; no other (n, units) temporary is made.
        scaled_mask = self.backend.uniform(rng, A.shape, A.dtype)
        xp.greater_equal(scaled_mask, self.rate, out=scaled_mask)
        scaled_mask *= 1 / (1 - self.rate)

        def backprop(dA):
            dA *= scaled_mask
            return dA

        return xp.multiply(A, scaled_mask), backprop

    def __repr__(self):
        return f"Dropout({self.rate})"
