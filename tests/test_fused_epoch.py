"""The fused whole-epoch program of ``engine.fused_epoch``: run eagerly on torch-cpu (the engine's
lines in place of the kernels) it must take the training loop's steps; on a GPU its Triton
kernels must compute the lines' arithmetic, and the captured graph the eager program's steps."""
import math
import pickle

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from nnfit import MLPClassifier, Objective, mlp  # noqa: E402
from nnfit import SigmoidBinaryCrossEntropy, SoftmaxCrossEntropy, SquaredError  # noqa: E402
from nnfit.backends.torch_backend import TorchBackend  # noqa: E402
from nnfit.engine.cuda_graph import GraphedEpoch  # noqa: E402
from nnfit.engine.epochs import whole_epoch  # noqa: E402
from nnfit.engine.fused_epoch import (FusedEpochProgram, GraphedFusedEpoch,  # noqa: E402
                                      fusable_layers, fused_epoch)
from nnfit.engine.optimizers import make_optimizer  # noqa: E402
from nnfit.engine.training import run_epochs  # noqa: E402

torch.set_num_threads(1)
needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(),
                                reason="needs an NVIDIA GPU (torch.cuda)")


def setup(backend, loss, optimizer, dtype="float64", hidden=(16, 8), dropout=(0.3, 0.2),
          activation="relu", ridge=1e-3, lasso=1e-4):
    rs = np.random.default_rng(0)
    X = rs.normal(size=(300, 12))
    if loss is SoftmaxCrossEntropy:
        Y = np.eye(4)[rs.integers(0, 4, 300)]
    elif loss is SigmoidBinaryCrossEntropy:
        Y = rs.integers(0, 2, (300, 4)).astype(float)
    else:
        Y = rs.normal(size=(300, 4))
    network = mlp(12, hidden, 4, activation, dropout, dtype, backend)
    rng = np.random.default_rng(1)
    network.initialize(rng)
    objective = Objective(network, loss(backend), ridge, lasso)
    opt = make_optimizer(optimizer, 0.01, backend)
    return objective, opt, backend.asarray(X, dtype), backend.asarray(Y, dtype), rng


def fit(program, loss, optimizer, dtype="float64", **kw):
    backend = TorchBackend("cpu", host_random=True)
    objective, opt, X, Y, rng = setup(backend, loss, optimizer, dtype, **kw)
    history = {}
    run_epochs(objective, opt, X, Y, rng, batch_size=32, epochs=3, early_stopping=False,
               history=history, learning_rate_decay=0.9,
               train_epoch=FusedEpochProgram(objective, opt, X, Y, 32) if program else None)
    return objective.network.theta.numpy().copy(), history["train_objective"]


@pytest.mark.parametrize("loss", [SquaredError, SoftmaxCrossEntropy, SigmoidBinaryCrossEntropy])
@pytest.mark.parametrize("optimizer", ["rmsprop", "adam", "sgd"])
def test_eager_fused_program_takes_the_training_loops_steps(loss, optimizer):
    """Dropout, ridge, lasso, ten batches an epoch (the last one short), a decaying learning
    rate: the bias gradients come from the product with the column of ones (another order of
    summation), the rest is the loop's arithmetic."""
    theta, history = fit(False, loss, optimizer)
    theta_p, history_p = fit(True, loss, optimizer)
    np.testing.assert_allclose(theta_p, theta, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(history_p, history, rtol=1e-10)


@pytest.mark.parametrize("hidden, dropout", [((16, 8), ()), ((16,), (0.5,)), ((), ())])
def test_eager_fused_program_without_dropout_or_hidden_layers(hidden, dropout):
    theta, history = fit(False, SoftmaxCrossEntropy, "rmsprop", hidden=hidden, dropout=dropout)
    theta_p, history_p = fit(True, SoftmaxCrossEntropy, "rmsprop", hidden=hidden, dropout=dropout)
    np.testing.assert_allclose(theta_p, theta, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(history_p, history, rtol=1e-10)


def test_eager_fused_program_in_float32():
    theta, history = fit(False, SoftmaxCrossEntropy, "rmsprop", "float32")
    theta_p, history_p = fit(True, SoftmaxCrossEntropy, "rmsprop", "float32")
    np.testing.assert_allclose(theta_p, theta, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(history_p, history, rtol=1e-5)


def test_fusable_layers_and_where_the_fused_program_is_offered():
    backend = TorchBackend("cpu")
    objective, opt, X, Y, _ = setup(backend, SoftmaxCrossEntropy, "rmsprop", "float32")
    hidden, output = fusable_layers(objective.network)
    assert [d.n_out for d, _ in hidden] == [16, 8] and output.n_out == 4
    assert [drop.rate for _, drop in hidden] == [0.3, 0.2]
    assert fusable_layers(setup(backend, SquaredError, "sgd", activation="tanh")[0].network) is None
    layer = objective.network.layers[1]
    layer.forward = layer.forward  # a probe set on an instance: the layers' own lines
    assert fusable_layers(objective.network) is None
    del layer.forward
    assert fused_epoch(objective, opt, X, Y, 32) is None  # torch-cpu has no kernels
    assert TorchBackend("cpu").step_kernels() is None
    assert whole_epoch(backend, objective, opt, X, Y, 32) is None
    assert repr(TorchBackend("cpu", fused_step=False)) == "TorchBackend('cpu', fused_step=False)"
    assert TorchBackend("cpu", fused_step=False) != TorchBackend("cpu")
    copied = pickle.loads(pickle.dumps(TorchBackend("cpu", fused_step=False)))
    assert copied == TorchBackend("cpu", fused_step=False)


# --- on a GPU ------------------------------------------------------------------------------------
@needs_cuda
def test_triton_kernels_compute_the_lines_arithmetic():
    from nnfit.backends import triton_kernels as K
    gen = torch.Generator(device="cuda").manual_seed(0)
    n, m = 96, 20

    def randn(*shape):
        return torch.randn(*shape, device="cuda", generator=gen)

    H, b = randn(n, m), randn(m)
    buffer = torch.full((n, m + 4), 7.0, device="cuda")
    out, seed = buffer[:, :m], torch.tensor(12345, device="cuda")
    K.bias_relu_dropout(H, b, out, 0.4, seed, 3)
    reference, kept = torch.clamp_min(H + b, 0) * (1 / 0.6), out != 0
    assert torch.all(buffer[:, m:] == 7)
    torch.testing.assert_close(out[kept], reference[kept], rtol=0, atol=0)
    again, other = torch.empty(n, m, device="cuda"), torch.empty(n, m, device="cuda")
    K.bias_relu_dropout(H, b, again, 0.4, seed, 3)
    K.bias_relu_dropout(H, b, other, 0.4, seed, 4)
    assert torch.equal(again, out) and not torch.equal(other, out)
    big = torch.ones(1000, 1000, device="cuda")
    K.bias_relu_dropout(big, torch.zeros(1000, device="cuda"), big, 0.3, seed, 0)
    assert abs(float((big != 0).float().mean()) - 0.7) < 0.005
    dA = randn(n, m)
    expected = torch.where(out > 0, dA * (1 / 0.6), torch.zeros((), device="cuda"))
    torch.testing.assert_close(K.relu_dropout_backward(dA, out, 1 / 0.6), expected, rtol=0, atol=0)
    for rows, classes in ((128, 10), (96, 10), (5, 17)):
        Z, bias = randn(rows, classes), randn(classes)
        Y = torch.eye(classes, device="cuda")[torch.randint(0, classes, (rows,), device="cuda")]
        dZ, total = torch.empty_like(Z), torch.tensor(1.5, dtype=torch.float64, device="cuda")
        K.softmax_xent(Z, bias, Y, dZ, total)
        z = (Z + bias).double()
        value = float((torch.logsumexp(z, 1) - (Y * z).sum(1)).sum())
        assert float(total) == pytest.approx(1.5 + value, rel=1e-6)
        torch.testing.assert_close(dZ, ((torch.softmax(z, 1) - Y) / rows).float(),
                                   rtol=1e-5, atol=1e-7)
    for rows, hidden, classes in ((128, 128, 10), (96, 50, 3)):  # the output layer's kernels
        A = torch.relu(randn(rows, hidden + 4))[:, :hidden]
        W, bias = randn(hidden, classes) * 0.1, randn(classes)
        Y = torch.eye(classes, device="cuda")[torch.randint(0, classes, (rows,), device="cuda")]
        dZ, total = torch.empty(rows, classes, device="cuda"), torch.zeros((), dtype=torch.float64,
                                                                          device="cuda")
        K.head_softmax_xent(A, W, bias, Y, dZ, total)
        z = A.double() @ W.double() + bias.double()
        assert float(total) == pytest.approx(float((torch.logsumexp(z, 1) - (Y * z).sum(1)).sum()),
                                             rel=1e-5)
        torch.testing.assert_close(dZ, ((torch.softmax(z, 1) - Y) / rows).float(),
                                   rtol=1e-4, atol=1e-7)
        dA = torch.empty(rows, hidden, device="cuda")
        K.head_backward(dZ, W, A, dA, 1 / 0.7)
        expected = torch.where(A > 0, dZ.double() @ W.double().T / 0.7, 0).float()
        torch.testing.assert_close(dA, expected, rtol=1e-5, atol=1e-8)
    theta, g, s = randn(5000), randn(5000), torch.rand(5000, device="cuda", generator=gen)
    lr = torch.tensor(0.001, dtype=torch.float64, device="cuda")
    s_ref = s * 0.9 + g * g * 0.1
    theta_ref = theta - g / torch.sqrt(s_ref + 1e-7) * 0.001
    K.rmsprop(theta, g, s, lr, 0.9, 1e-7)
    torch.testing.assert_close(s, s_ref, rtol=1e-6, atol=0)
    torch.testing.assert_close(theta, theta_ref, rtol=1e-6, atol=1e-9)


@needs_cuda
@pytest.mark.parametrize("side_stream", [True, False])
@pytest.mark.parametrize("optimizer", ["rmsprop", "adam"])
def test_replayed_fused_graph_takes_the_eager_programs_steps(optimizer, side_stream, monkeypatch):
    monkeypatch.setattr(FusedEpochProgram, "side_stream", side_stream)
    backend = TorchBackend("cuda")
    objective, opt, X, Y, _ = setup(backend, SoftmaxCrossEntropy, optimizer, "float32")
    program = fused_epoch(objective, opt, X, Y, 32)
    assert isinstance(program, GraphedFusedEpoch) and isinstance(program, GraphedEpoch)
    theta = objective.network.theta
    start = [theta.clone()] + [getattr(opt, n).clone() for n in opt.state_names]
    rng = np.random.default_rng(5)
    program._prologue(rng)
    program.seed.fill_(int(rng.integers(2**62)))
    with program._learning_rate_on_device():
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
def test_fused_and_unfused_graphs_agree_without_dropout():
    thetas, totals = [], []
    for fused in (False, True):
        backend = TorchBackend("cuda", fused_step=fused)
        objective, opt, X, Y, _ = setup(backend, SoftmaxCrossEntropy, "rmsprop", "float32",
                                        dropout=())
        program = whole_epoch(backend, objective, opt, X, Y, 32)
        assert isinstance(program, GraphedFusedEpoch) == fused
        totals.append([program(np.random.default_rng(seed)) for seed in (5, 6)])
        thetas.append(objective.network.theta)
    torch.testing.assert_close(thetas[1], thetas[0], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(totals[1], totals[0], rtol=1e-5)


@needs_cuda
def test_fused_cuda_fit_agrees_in_accuracy():
    from sklearn.datasets import load_digits
    X, y = load_digits(return_X_y=True)
    params = dict(hidden_layer_sizes=(64, 32), dropout=(0.2, 0.1), optimizer="rmsprop", epochs=40,
                  random_state=0)
    cpu = MLPClassifier(**params).fit(X[:1400], y[:1400]).score(X[1400:], y[1400:])
    fused = MLPClassifier(**params, device="cuda").fit(X[:1400], y[:1400])
    assert abs(fused.score(X[1400:], y[1400:]) - cpu) < 0.03
    assert all(math.isfinite(v) for v in fused.history_["train_objective"])
