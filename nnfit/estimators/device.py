"""Outputs of the fitted network on its device (a mixin of ``_BaseMLP``): forward passes by
chunks of PREDICT_CHUNK rows with dropout off, results back as NumPy arrays, and ``augment``
(a NumPy function) wrapped for a device backend.
"""
import numpy as np

from ..backends.numpy_backend import default_backend

PREDICT_CHUNK = 8192


class _Device:
    def _outputs(self, X):
        """Output-layer values Z = f's linear part on X, by chunks on the network's device,
        dropout off."""
        backend, dtype = self.network_.backend, self.network_.dtype
        if backend == default_backend:
            chunks = [self.network_.forward(X[i:i + PREDICT_CHUNK])[0]
                      for i in range(0, X.shape[0], PREDICT_CHUNK)]
            return np.concatenate(chunks) if len(chunks) != 1 else chunks[0]
        chunks = [self.network_.forward(backend.asarray(X[i:i + PREDICT_CHUNK], dtype))[0]
                  for i in range(0, X.shape[0], PREDICT_CHUNK)]
        return backend.xp.concatenate(chunks) if len(chunks) != 1 else chunks[0]

    def _forward(self, X, output=False):
        """Z (with ``output``: the fitted f(X), e.g. class probabilities) as a NumPy array."""
        Z = self._outputs(X)
        return self.network_.backend.to_numpy(self._objective.loss.output(Z) if output else Z)

    def _augment(self, backend):
        """``augment`` (a NumPy function of the batch) on the host for a device backend."""
        if self.augment is None or backend == default_backend:
            return self.augment
        dtype = self.network_.dtype
        return lambda Xb, rng: backend.asarray(self.augment(backend.to_numpy(Xb), rng), dtype)
