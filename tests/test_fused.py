"""The compiled one-pass optimizer updates (``nnfit._fused``, numba) against the NumPy lines."""
import numpy as np
import pytest

from nnfit import _fused
from nnfit._backend import NumpyBackend
from nnfit._optimizers import Adam, RMSprop

pytestmark = pytest.mark.skipif(not _fused.KERNELS, reason="numba is not installed")


class NumpyLinesOnly(NumpyBackend):
    def fused(self, name):
        return None


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("optimizer", [RMSprop, Adam])
def test_fused_update_gives_the_same_parameters_as_the_numpy_lines(optimizer, dtype):
    rng = np.random.default_rng(0)
    theta = rng.standard_normal(1001).astype(dtype)
    fused, lines = theta.copy(), theta.copy()
    opt_fused, opt_lines = optimizer(0.01), optimizer(0.01, backend=NumpyLinesOnly())
    assert opt_fused.backend.fused(optimizer.__name__.lower()) is not None
    # a stretch of zero gradients makes the running averages decay into the subnormal range,
    # where the fused loop flushes them to zero; the parameters must not notice
    for step in range(1200):
        g = rng.standard_normal(1001).astype(dtype) if step < 20 or step > 1150 else np.zeros(1001, dtype)
        opt_fused.step(fused, g)
        opt_lines.step(lines, g)
    np.testing.assert_array_equal(fused, lines)
