"""Looking into a fitted estimator (a mixin of ``_BaseMLP``): the weight matrices and biases as
scikit-learn names them, the parameter count and the layer table.
"""
from sklearn.utils.validation import check_is_fitted

from ..engine.network import mlp, summary_table
from .validation import check_params


class _Inspection:
    @property
    def coefs_(self):
        """Weight matrices W_l, shape (n_in, n_out): views of the fitted parameter vector."""
        check_is_fitted(self, "network_")
        return [self.network_.backend.to_numpy(d.W) for d in self.network_.dense]

    @property
    def intercepts_(self):
        check_is_fitted(self, "network_")
        return [self.network_.backend.to_numpy(d.b) for d in self.network_.dense]

    @property
    def n_params_(self):
        check_is_fitted(self, "network_")
        return self.network_.n_params

    def summary(self, n_features=None, n_outputs=None):
        """Print (and return) the layer table with parameter counts.

        Before fitting, give ``n_features`` and ``n_outputs`` (e.g. 784 and 10 for MNIST)."""
        if n_features is None:
            network = self.network_ if hasattr(self, "network_") else None
            if network is None:
                raise ValueError("summary() before fit needs n_features and n_outputs")
        else:
            hidden, dropout, dtype = check_params(self)
            network = mlp(n_features, hidden, n_outputs, self.activation, dropout, dtype)
        rows, total = summary_table(network)
        lines = [f"{'layer':<22}{'output':>8}{'parameters':>14}"]
        lines += [f"{name:<22}{width:>8}{n:>14,}" for name, width, n in rows]
        lines.append(f"{'total':<22}{'':>8}{total:>14,}")
        text = "\n".join(lines)
        print(text)
        return text
