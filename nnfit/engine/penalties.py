"""Ridge and lasso penalties on the weights of each layer (never on the biases).

    P(theta) = sum_l [ ridge_l * sum W_l^2  +  lasso_l * sum |W_l| ]
    dP/dW_l  = 2 ridge_l W_l  +  lasso_l sign(W_l)

``ridge`` and ``lasso`` are one value for all layers or one value per Dense layer.
"""
import math
import numbers


def per_layer(value, n_layers, name):
    """One non-negative float per layer from a scalar or a sequence of ``n_layers`` values."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        values = [float(value)] * n_layers
    else:
        try:
            if isinstance(value, str):
                raise TypeError
            values = [float(v) for v in value]
        except (TypeError, ValueError):
            raise ValueError(f"{name}={value!r} is invalid: expected a number >= 0 or one value "
                             f"per weight layer ({n_layers})") from None
        if len(values) != n_layers:
            raise ValueError(
                f"{name} has {len(values)} values but the network has {n_layers} weight layers; "
                f"give one value for all layers or one per layer"
            )
    if any(not 0 <= v < math.inf for v in values):
        raise ValueError(f"{name}={value!r} is invalid: expected finite numbers >= 0")
    return values


def flush_subnormals(W, xp):
    """Set weights below the dtype's smallest normal number (1.2e-38 in float32) to zero.

    A weight that gets no gradient from the data (on an MNIST border pixel, always 0) is shrunk
    by the ridge term geometrically towards 0 and ends as a subnormal number, on which x86 CPUs
    compute some hundred times slower (the MNIST ridge fit ran 2 to 4 times slower per epoch).
    Such a weight changes no output in the dtype's precision; once 0 it gets no gradient again.
    """
    W[xp.abs(W) < xp.finfo(W.dtype).tiny] = 0


class Penalty:
    """Ridge and lasso penalties on the weights of Dense layers (never on their biases).

    P(theta) = sum_l [ridge_l sum W_l^2 + lasso_l sum abs(W_l)], with gradient
    dP/dW_l = 2 ridge_l W_l + lasso_l sign(W_l).  ``add_gradient()`` returns P and adds dP/dW to
    each layer's ``dW`` (``add_gradient(with_gradient=False)`` returns P only).

    Parameters
    ----------
    dense_layers : list of Dense
        The layers whose weights are penalized.
    ridge : float or sequence of float, default=0.0
        One value >= 0 for all layers or one per layer.
    lasso : float or sequence of float, default=0.0
        One value >= 0 for all layers or one per layer.

    Raises
    ------
    ValueError
        If a value is negative or the number of values does not match the number of layers.

    Examples
    --------
    >>> from nnfit import Penalty, mlp
    >>> network = mlp(2, (3,), 1)
    >>> Penalty(network.dense, ridge=[0.1, 0.0]).ridge
    [0.1, 0.0]
    """
    def __init__(self, dense_layers, ridge=0.0, lasso=0.0):
        self.dense = dense_layers
        self.ridge = per_layer(ridge, len(dense_layers), "ridge")
        self.lasso = per_layer(lasso, len(dense_layers), "lasso")

    def add_gradient(self, with_gradient=True):
        """Return P(theta) and, if asked, add dP/dW to each layer's dW."""
        total = 0.0
        for layer, ridge, lasso in zip(self.dense, self.ridge, self.lasso):
            xp = layer.backend.xp
            if ridge:
                total += ridge * float(xp.vdot(layer.W, layer.W))
                if with_gradient:
                    self._add_ridge_gradient(layer, ridge, xp)
            if lasso:
                total += lasso * float(xp.abs(layer.W).sum())
                if with_gradient:
                    layer.dW += lasso * xp.sign(layer.W)
        return total

    def _add_ridge_gradient(self, layer, ridge, xp):
        """dW += 2 ridge W, subnormal weights flushed first; in one compiled pass if there is one."""
        args = self._ridge_args(layer, ridge, xp)
        if args is not None:
            args[0](*args[1:])
            return
        flush_subnormals(layer.W, xp)
        layer.dW += (2 * ridge) * layer.W

    def _ridge_args(self, layer, ridge, xp):
        """The compiled pass and its arguments for this layer, or None; kept while the layer's
        arrays and ridge stay the same (looking them up costs more than the pass on a small
        network)."""
        cache = self.__dict__.setdefault("_ridge_cache", {})
        found = cache.get(id(layer))
        if found is not None and found[0] is layer.W and found[1] is layer.dW and found[2] == ridge:
            return found[3]
        fused = layer.backend.fused("ridge")
        args = None
        if fused is not None and layer.W.flags.c_contiguous and layer.dW.flags.c_contiguous:
            c = layer.W.dtype.type  # 2 ridge in W's precision, as NumPy's line rounds it
            args = (fused, layer.W.reshape(-1), layer.dW.reshape(-1), c(2 * ridge),
                    xp.finfo(layer.W.dtype).tiny)
        cache[id(layer)] = (layer.W, layer.dW, ridge, args)
        return args

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_ridge_cache", None)  # views and compiled functions, found again after
        return state
