"""The whole-epoch program of ``_cuda_graph``: run eagerly on torch-cpu it must take exactly the
training loop's steps; captured as a CUDA graph (where there is a GPU) it must take the eager
program's steps.  The capture itself needs CUDA and is skipped without it."""
import shutil

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from nnfit import DivergenceError, MLPClassifier, Objective, mlp  # noqa: E402
from nnfit.backends.numpy_backend import default_backend  # noqa: E402
from nnfit.engine.cuda_graph import EpochProgram, GraphedEpoch, graphed_epoch  # noqa: E402
from nnfit.engine.epochs import whole_epoch  # noqa: E402
from nnfit import SigmoidBinaryCrossEntropy, SoftmaxCrossEntropy, SquaredError  # noqa: E402
from nnfit.engine.optimizers import make_optimizer  # noqa: E402
from nnfit.backends.torch_backend import TorchBackend  # noqa: E402
from nnfit.engine.training import run_epochs  # noqa: E402

torch.set_num_threads(1)
has_cuda = torch.cuda.is_available()
needs_cuda = pytest.mark.skipif(not has_cuda, reason="needs an NVIDIA GPU (torch.cuda)")


def setup(backend, loss, optimizer, dtype="float64", learning_rate=0.01, ridge=1e-3, lasso=1e-4):
    rs = np.random.default_rng(0)
    X = rs.normal(size=(300, 12))
    if loss is SoftmaxCrossEntropy:
        Y = np.eye(4)[rs.integers(0, 4, 300)]
    elif loss is SigmoidBinaryCrossEntropy:
        Y = rs.integers(0, 2, (300, 4)).astype(float)
    else:
        Y = rs.normal(size=(300, 4))
    network = mlp(12, (16, 8), 4, "relu", (0.3, 0.2), dtype, backend)
    rng = np.random.default_rng(1)
    network.initialize(rng)
    objective = Objective(network, loss(backend), ridge, lasso)
    opt = make_optimizer(optimizer, learning_rate, backend)
    return objective, opt, backend.asarray(X, dtype), backend.asarray(Y, dtype), rng


def fit(program, loss, optimizer, dtype="float64"):
    backend = TorchBackend("cpu", host_random=True)
    objective, opt, X, Y, rng = setup(backend, loss, optimizer, dtype)
    history = {}
    run_epochs(objective, opt, X, Y, rng, batch_size=32, epochs=3, early_stopping=False,
               history=history, learning_rate_decay=0.9,
               train_epoch=EpochProgram(objective, opt, X, Y, 32) if program else None)
    return objective.network.theta.numpy().copy(), history["train_objective"], opt


@pytest.mark.parametrize("loss", [SquaredError, SoftmaxCrossEntropy, SigmoidBinaryCrossEntropy])
@pytest.mark.parametrize("optimizer", ["rmsprop", "adam", "sgd", "nesterov"])
def test_eager_epoch_program_takes_the_training_loops_steps(loss, optimizer):
    """Dropout, ridge, lasso, ten batches an epoch (the last one short), a decaying learning
    rate: three epochs of the program give the training loop's parameters and objectives."""
    theta, history, opt = fit(False, loss, optimizer)
    theta_p, history_p, opt_p = fit(True, loss, optimizer)
    np.testing.assert_allclose(theta_p, theta, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(history_p, history, rtol=1e-12)
    assert getattr(opt_p, "t", None) == getattr(opt, "t", None)  # Adam's 30 steps counted


def test_eager_epoch_program_in_float32():
    theta, history, _ = fit(False, SoftmaxCrossEntropy, "rmsprop", "float32")
    theta_p, history_p, _ = fit(True, SoftmaxCrossEntropy, "rmsprop", "float32")
    np.testing.assert_allclose(theta_p, theta, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(history_p, history, rtol=1e-5)


def test_divergence_is_caught_once_per_epoch():
    backend = TorchBackend("cpu")
    objective, opt, X, Y, rng = setup(backend, SquaredError, "sgd", learning_rate=1e3)
    with pytest.raises(DivergenceError, match="learning_rate=1000"):
        EpochProgram(objective, opt, X, Y, 32)(rng)


def test_the_graph_is_offered_only_where_it_holds_the_fit():
    backend = TorchBackend("cpu")
    objective, opt, X, Y, _ = setup(backend, SoftmaxCrossEntropy, "rmsprop")
    assert isinstance(graphed_epoch(objective, opt, X, Y, 32), GraphedEpoch)
    assert graphed_epoch(objective, opt, X, Y, 300) is None  # one batch: nothing to replay
    assert graphed_epoch(objective, opt, X, Y, 32, augment=lambda X, rng: X) is None
    assert graphed_epoch(objective, make_optimizer("gd", 0.1, backend), X, Y, 32) is None
    objective.weighted = True  # the last column of Y holds sample weights: the eager loop
    assert graphed_epoch(objective, opt, X, Y, 32) is None
    objective.weighted = False
    assert isinstance(graphed_epoch(objective, opt, X, Y, 32), GraphedEpoch)
    objective.other = None  # an objective this module does not know
    assert graphed_epoch(objective, opt, X, Y, 32) is None
    assert whole_epoch(backend, objective, opt, X, Y, 32) is None  # not CUDA
    assert whole_epoch(default_backend, objective, opt, X, Y, 32) is None


@pytest.mark.skipif(shutil.which("g++") is None and shutil.which("c++") is None,
                    reason="torch.compile on the CPU needs a C++ compiler")
def test_compiled_step_traces_whole_and_keeps_the_arithmetic():
    """``compile_step``: Dynamo traces the layers' forward passes, backprop closures, loss and
    RMSprop lines of a step in one graph (no break), and the fused kernels give the eager
    program's parameters to float32 rounding.  (About half a minute: Inductor's C++ build.)"""
    import torch._dynamo
    torch._dynamo.reset()
    torch._dynamo.utils.counters.clear()
    backend = TorchBackend("cpu")
    runs = []
    for compile_step in (False, True):
        objective, opt, X, Y, _ = setup(backend, SoftmaxCrossEntropy, "rmsprop", "float32")
        for layer in objective.network.layers:  # no dropout: the two draw different numbers
            if hasattr(layer, "rate"):
                layer.rate = 0.0
        total = EpochProgram(objective, opt, X, Y, 32, compile_step)(np.random.default_rng(0))
        runs.append((total, objective.network.theta.clone()))
    assert runs[1][0] == pytest.approx(runs[0][0], rel=1e-5)
    torch.testing.assert_close(runs[1][1], runs[0][1], rtol=1e-5, atol=1e-6)
    assert not torch._dynamo.utils.counters["graph_break"]


# --- on a GPU ------------------------------------------------------------------------------------
@needs_cuda
@pytest.mark.parametrize("optimizer", ["rmsprop", "adam"])
def test_replayed_graph_takes_the_eager_programs_steps(optimizer):
    backend = TorchBackend("cuda")
    objective, opt, X, Y, _ = setup(backend, SoftmaxCrossEntropy, optimizer, "float32")
    program = GraphedEpoch(objective, opt, X, Y, 32)
    theta = objective.network.theta
    start = [theta.clone()] + [getattr(opt, n).clone() for n in opt.state_names]
    rng = np.random.default_rng(5)
    program._prologue(rng)  # the permutation: one draw
    seed = int(rng.integers(2**62))  # the dropout masks' seed: the next
    torch.cuda.default_generators[torch.cuda.current_device()].manual_seed(seed)
    program.run(None)
    eager_total = program._epilogue()
    eager = theta.clone()
    for a, b in zip([theta] + [getattr(opt, n) for n in opt.state_names], start):
        a.copy_(b)
    if optimizer == "adam":
        opt.t = 0
    graph_total = program(np.random.default_rng(5))
    assert program.graph is not None
    torch.testing.assert_close(theta, eager, rtol=1e-5, atol=1e-6)
    assert graph_total == pytest.approx(eager_total, rel=1e-5)
    program(np.random.default_rng(6))  # a second replay moves on
    assert not torch.equal(theta, eager)


@needs_cuda
def test_compiled_graph_takes_the_eager_programs_steps_without_dropout():
    backend = TorchBackend("cuda")
    thetas = []
    for compile_step in (False, True):
        objective, opt, X, Y, _ = setup(backend, SoftmaxCrossEntropy, "rmsprop", "float32")
        for layer in objective.network.layers:
            if hasattr(layer, "rate"):
                layer.rate = 0.0
        program = GraphedEpoch(objective, opt, X, Y, 32, compile_step)
        for seed in (5, 6):
            program(np.random.default_rng(seed))
        thetas.append(objective.network.theta)
    torch.testing.assert_close(thetas[1], thetas[0], rtol=1e-4, atol=1e-5)


@needs_cuda
def test_cuda_fit_graphed_and_eager_agree_in_accuracy():
    from sklearn.datasets import load_digits
    X, y = load_digits(return_X_y=True)
    params = dict(hidden_layer_sizes=(64, 32), dropout=(0.2, 0.1), optimizer="rmsprop", epochs=40,
                  random_state=0)
    cpu = MLPClassifier(**params).fit(X[:1400], y[:1400]).score(X[1400:], y[1400:])
    graphed = MLPClassifier(**params, device="cuda").fit(X[:1400], y[:1400])
    eager = MLPClassifier(**params, device=TorchBackend("cuda", graphs=False)).fit(X[:1400], y[:1400])
    compiled = MLPClassifier(**params, device=TorchBackend("cuda", compile_step=True)).fit(
        X[:1400], y[:1400])
    for model in (graphed, eager, compiled):
        assert abs(model.score(X[1400:], y[1400:]) - cpu) < 0.03
        assert isinstance(model.predict(X[1400:]), np.ndarray)
        assert model.network_.theta.device.type == "cuda"
