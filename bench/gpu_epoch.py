"""Seconds per MNIST epoch on a GPU: nnfit (eager, CUDA-graph-captured with its fused step, the
unfused graph, and the unfused graph with its step through torch.compile), PyTorch eager,
PyTorch with torch.compile, and JAX with a whole epoch compiled under jax.lax.scan.

    python bench/gpu_epoch.py                        # on cuda, 30 epochs per system (a few minutes)
    python bench/gpu_epoch.py --epochs 5             # a quicker look
    python bench/gpu_epoch.py --device cpu --quick   # a smoke test anywhere (2,000 images, 2 epochs)
    python bench/gpu_epoch.py --systems nnfit-graph,jax-scan --json out.json

Every system fits 784-256-128-10 ReLU with dropout 0.4 and 0.3 and a softmax output by RMSprop
(learning rate 0.001, rho 0.9, eps 1e-7; nnfit and JAX put eps under the square root as Keras
does, PyTorch after it: the same work), minibatches of 128 drawn from a fresh shuffle of all
60,000 training images each epoch (done on the device), float32, no validation split; then
the test error on the 10,000 test images.  Seconds per epoch is the median over the epochs
after the first, which holds the captures and compilations (shown apart).  The nnfit rows
time ``history_["seconds"]`` of ``MLPClassifier(device=...)``: the data is already on the
device, the epoch ends with its objective read back (the graph's one synchronisation).
``nnfit-eager`` launches every kernel from Python (and reads each step's objective back);
``nnfit-graph`` (the default on CUDA) replays the whole epoch as one CUDA graph whose steps are
the matrix products and single-pass Triton kernels (``nnfit/engine/fused_epoch.py``);
``nnfit-graph-unfused`` replays the layers' own lines (``fused_step=False``,
``nnfit/engine/cuda_graph.py``); ``nnfit-graph-compiled`` does that with the step first through
``torch.compile``, whose Inductor fuses the elementwise passes into fewer kernels.

Matrix-product precision, the ``matmul`` column (measured: the relative error of a 512 x 512
float32 product against float64 in each row's setting; TF32 gives about 1e-4, float32 1e-7):
PyTorch, and so nnfit, computes float32 products in full float32 by default; JAX's default
precision lets XLA use TF32 tensor cores on NVIDIA GPUs from Ampere on.  So ``jax-scan`` runs
TF32 products against nnfit's float32 ones; ``jax-scan-fp32`` (``precision="highest"``) and
``nnfit-graph-tf32`` (``torch.set_float32_matmul_precision("high")`` during the fit) give the
two comparisons at equal precision.  ``--kernels`` adds, for the JAX rows, the GPU kernels of
one more epoch (torch.profiler, which records them through CUPTI) per step.

A last line fits the book's dropout row (``nnfit mnist``'s protocol: 48,000 images fitted,
12,000 validating, up to 30 epochs, early stopping on the validation error) on the device and
gives its fitting seconds and test error (the NumPy backend's are in the README's table).

Needs PyTorch (``pip install 'nnfit[torch]'``; a CUDA build for --device cuda); the JAX row
needs JAX (``pip install 'jax[cuda12]'`` on a GPU machine, ``pip install jax`` for the CPU) and
says ``skipped`` without it.  JAX is imported only in that row, with its GPU memory
preallocation switched off so that it shares the card with the rows before it.
"""
import argparse
import json
import os
import statistics
import sys
import time
import traceback

import numpy as np

HIDDEN = (256, 128)
DROPOUT = (0.4, 0.3)
BATCH = 128
LEARNING_RATE = 0.001
RHO, EPS = 0.9, 1e-7
SYSTEMS = ("nnfit-eager", "nnfit-graph", "nnfit-graph-unfused", "nnfit-graph-tf32",
           "nnfit-graph-compiled", "torch-eager", "torch-compile", "jax-scan", "jax-scan-fp32")


def load(quick):
    from nnfit import mnist_table
    from nnfit.datasets import load_mnist
    data = load_mnist()
    return mnist_table.quick_subset(*data, n_train=2000, n_test=500) if quick else data


def synchronize(device):
    import torch
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    elif device == "mps":
        torch.mps.synchronize()


# --- one function per system: (seconds of each epoch, test error) ---------------------------------
def torch_matmul_error(device):
    """Relative error of a 512 x 512 float32 product in torch's current setting."""
    import torch
    a, b = np.random.default_rng(0).normal(size=(2, 512, 512))
    exact = a @ b
    got = torch.as_tensor(a, dtype=torch.float32, device=device) @ torch.as_tensor(
        b, dtype=torch.float32, device=device)
    return float(np.linalg.norm(got.double().cpu().numpy() - exact) / np.linalg.norm(exact))


def precision_name(error):
    return f"{'tf32' if error > 1e-5 else 'fp32'} ({error:.0e})"


def run_nnfit(data, device, epochs, graphs, compile_step=False, fused_step=True, tf32=False):
    import torch
    import nnfit
    from nnfit.backends.torch_backend import TorchBackend
    if graphs and not device.startswith("cuda"):
        return {"skipped": "CUDA graphs need --device cuda"}
    X, y, X_test, y_test = data
    model = nnfit.MLPClassifier(HIDDEN, dropout=DROPOUT, optimizer="rmsprop",
                                learning_rate=LEARNING_RATE, batch_size=BATCH, epochs=epochs,
                                validation_fraction=0, early_stopping=False, standardize=False,
                                random_state=0,
                                device=TorchBackend(device, graphs=graphs,
                                                    compile_step=compile_step,
                                                    fused_step=fused_step))
    before = torch.get_float32_matmul_precision()
    torch.set_float32_matmul_precision("high" if tf32 else "highest")
    try:
        model.fit(X, y)
        error = float(np.mean(model.predict(X_test) != y_test))
        matmul = precision_name(torch_matmul_error(device))
    finally:
        torch.set_float32_matmul_precision(before)
    return {"seconds": model.history_["seconds"], "test_error": error, "matmul": matmul}


def torch_model(device):
    import torch
    nn = torch.nn
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, HIDDEN[0]), nn.ReLU(), nn.Dropout(DROPOUT[0]),
                          nn.Linear(HIDDEN[0], HIDDEN[1]), nn.ReLU(), nn.Dropout(DROPOUT[1]),
                          nn.Linear(HIDDEN[1], 10)).to(device)
    optimizer = torch.optim.RMSprop(model.parameters(), lr=LEARNING_RATE, alpha=RHO, eps=EPS)
    return model, optimizer


def run_torch(data, device, epochs, compiled):
    import torch
    X, y, X_test, y_test = (torch.as_tensor(a, device=device) for a in data)
    model, optimizer = torch_model(device)
    loss_fn = torch.nn.CrossEntropyLoss()
    forward = torch.compile(model) if compiled else model
    step = torch.compile(optimizer.step) if compiled else optimizer.step
    seconds = []
    for _ in range(epochs):
        start = time.perf_counter()
        model.train()
        order = torch.randperm(X.shape[0], device=device)
        for i in range(0, X.shape[0], BATCH):
            idx = order[i:i + BATCH]
            optimizer.zero_grad(set_to_none=True)
            loss_fn(forward(X[idx]), y[idx]).backward()
            step()
        synchronize(device)
        seconds.append(time.perf_counter() - start)
    model.eval()
    with torch.no_grad():
        predicted = model(X_test).argmax(1)
    return {"seconds": seconds, "test_error": float((predicted != y_test).float().mean()),
            "matmul": precision_name(torch_matmul_error(device))}


def run_jax(data, device, epochs, precision=None, kernels=False):
    os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return {"skipped": "JAX is not installed (pip install 'jax[cuda12]', or jax for the CPU)"}
    platform = "gpu" if device.startswith("cuda") else "cpu"
    try:
        target = jax.devices(platform)[0]
    except RuntimeError as error:
        return {"skipped": f"JAX has no {platform} device ({error})"}
    X, y, X_test, y_test = (jax.device_put(a, target) for a in data)
    n = X.shape[0]
    full, rest = divmod(n, BATCH)

    def init(key):
        params, sizes = [], (784, *HIDDEN, 10)
        for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
            key, sub = jax.random.split(key)
            if i < len(HIDDEN):  # He-normal before ReLU, Glorot-uniform at the output, as nnfit
                W = (2.0 / a) ** 0.5 * jax.random.normal(sub, (a, b), jnp.float32)
            else:
                limit = (6.0 / (a + b)) ** 0.5
                W = jax.random.uniform(sub, (a, b), jnp.float32, -limit, limit)
            params.append((W, jnp.zeros(b, jnp.float32)))
        return params

    def logits(params, x, key):
        for i, (W, b) in enumerate(params):
            x = jnp.matmul(x, W, precision=precision) + b
            if i < len(HIDDEN):
                key, sub = jax.random.split(key)
                keep = jax.random.bernoulli(sub, 1 - DROPOUT[i], x.shape)
                x = jnp.where(keep, jnp.maximum(x, 0) / (1 - DROPOUT[i]), 0)
        return x

    def loss(params, x, labels, key):
        z = logits(params, x, key)
        return jnp.mean(jax.nn.logsumexp(z, axis=1) - jnp.take_along_axis(z, labels[:, None], 1)[:, 0])

    def step(carry, idx):
        params, square_avg, key = carry
        key, sub = jax.random.split(key)
        value, grads = jax.value_and_grad(loss)(params, X[idx], y[idx], sub)
        square_avg = jax.tree.map(lambda s, g: RHO * s + (1 - RHO) * g * g, square_avg, grads)
        params = jax.tree.map(lambda p, g, s: p - LEARNING_RATE * g / jnp.sqrt(s + EPS),
                              params, grads, square_avg)
        return (params, square_avg, key), value

    @jax.jit
    def epoch(params, square_avg, key):
        key, sub = jax.random.split(key)
        order = jax.random.permutation(sub, n)
        carry, values = jax.lax.scan(step, (params, square_avg, key),
                                     order[:full * BATCH].reshape(full, BATCH))
        if rest:
            carry, _ = step(carry, order[full * BATCH:])
        return carry

    params = init(jax.random.PRNGKey(0))
    carry = (params, jax.tree.map(jnp.zeros_like, params), jax.random.PRNGKey(1))
    seconds = []
    for _ in range(epochs):
        start = time.perf_counter()
        carry = jax.block_until_ready(epoch(*carry))
        seconds.append(time.perf_counter() - start)
    z = X_test
    for i, (W, b) in enumerate(carry[0]):
        z = jnp.matmul(z, W, precision=precision) + b
        z = jnp.maximum(z, 0) if i < len(HIDDEN) else z
    a, b = np.random.default_rng(0).normal(size=(2, 512, 512))
    got = np.asarray(jnp.matmul(jax.device_put(a.astype(np.float32), target),
                                jax.device_put(b.astype(np.float32), target), precision=precision))
    error = float(np.linalg.norm(got - a @ b) / np.linalg.norm(a @ b))
    result = {"seconds": seconds, "test_error": float(jnp.mean(jnp.argmax(z, 1) != y_test)),
              "version": jax.__version__, "matmul": precision_name(error)}
    if kernels and platform == "gpu":
        result.update(kernel_count(lambda: jax.block_until_ready(epoch(*carry)), full + bool(rest)))
    return result


def kernel_count(run_once, steps):
    """GPU kernels of ``run_once()`` per step and their summed time per step (torch.profiler)."""
    import torch
    from torch.profiler import ProfilerActivity, profile
    with profile(activities=[ProfilerActivity.CUDA]) as prof:
        run_once()
    kernels = [e for e in prof.events() if e.device_type == torch.autograd.DeviceType.CUDA
               and not e.name.startswith(("Memcpy", "Memset"))]
    busy = sum(e.time_range.elapsed_us() for e in kernels)
    return {"kernels_per_step": len(kernels) / steps, "busy_us_per_step": busy / steps}


def run_book_row(data, device, quick):
    """The dropout row of ``nnfit mnist`` on the device (graph-captured on CUDA)."""
    from nnfit import mnist_table
    result, _ = mnist_table.fit_row("dropout", *data, epochs=2 if quick else None, seed=0,
                                    device="torch-cpu" if device == "cpu" else device)
    return result


def run(system, data, device, epochs, kernels=False):
    try:
        if system.startswith("nnfit"):
            return run_nnfit(data, device, epochs, graphs=system != "nnfit-eager",
                             compile_step=system == "nnfit-graph-compiled",
                             fused_step=system != "nnfit-graph-unfused",
                             tf32=system == "nnfit-graph-tf32")
        if system.startswith("torch"):
            return run_torch(data, device, epochs, compiled=system == "torch-compile")
        return run_jax(data, device, epochs, "highest" if system == "jax-scan-fp32" else None,
                       kernels)
    except Exception as error:  # one failing system must not cost the table
        traceback.print_exc()  # the whole story on stderr; the table gets its first line
        return {"skipped": f"failed: {type(error).__name__}: {str(error).splitlines()[0][:200]}"}


# --- the table --------------------------------------------------------------------------------------
def describe(device):
    import torch
    if device.startswith("cuda"):
        name = torch.cuda.get_device_name(torch.device(device))
        return f"{name}, torch {torch.__version__}, CUDA {torch.version.cuda}"
    return f"{device}, torch {torch.__version__}, {torch.get_num_threads()} threads"


def per_epoch(seconds):
    return statistics.median(seconds[1:]) if len(seconds) > 1 else seconds[0]


def table_row(system, r):
    if "skipped" in r:
        return f"{system:<22}skipped: {r['skipped']}"
    kernels = (f"   {r['kernels_per_step']:.1f} kernels, {r['busy_us_per_step']:.1f} us busy"
               " a step" if "kernels_per_step" in r else "")
    return (f"{system:<22}{per_epoch(r['seconds']):>10.4f}{r['seconds'][0]:>15.3f}"
            f"{100 * r['test_error']:>11.2f}%   {r.get('matmul', ''):<14}{kernels}")


def table(results, epochs, n_train):
    lines = [f"{'system':<22}{'s/epoch':>10}{'first epoch s':>15}{'test error':>12}   "
             f"{'matmul':<14}({epochs} epochs of {n_train:,} images, batch {BATCH})"]
    lines += [table_row(system, r) for system, r in results.items()]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--device", default="cuda", help="cuda, cuda:N, mps or cpu")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--quick", action="store_true",
                        help="2,000 training and 500 test images, 2 epochs (unless --epochs)")
    parser.add_argument("--systems", default=",".join(SYSTEMS), help="comma-separated, from: "
                        + ", ".join(SYSTEMS))
    parser.add_argument("--no-book-row", action="store_true", help="skip the book's dropout row")
    parser.add_argument("--threads", type=int, default=None, help="torch threads on the CPU")
    parser.add_argument("--json", default=None, help="also write the results to this file")
    parser.add_argument("--kernels", action="store_true",
                        help="JAX rows: count the kernels of one more epoch (torch.profiler)")
    args = parser.parse_args(argv)
    import torch
    if args.threads:
        torch.set_num_threads(args.threads)
    device = args.device
    if device.startswith("cuda") and not torch.cuda.is_available():
        parser.error("--device cuda needs a CUDA build of PyTorch and a GPU; try --device cpu")
    epochs = 2 if args.quick and args.epochs == parser.get_default("epochs") else args.epochs
    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    unknown = sorted(set(systems) - set(SYSTEMS))
    if unknown:
        parser.error(f"unknown systems {unknown}; choose from {', '.join(SYSTEMS)}")
    data = load(args.quick)
    print(f"device: {describe(device)}", flush=True)
    results = {}
    for system in sorted(systems, key=SYSTEMS.index):  # JAX last: it shares the GPU after torch
        results[system] = run(system, data, device, epochs, args.kernels)
        print(f"  done: {table_row(system, results[system])}", flush=True)  # kept if a later row hangs
    print("\n" + table(results, epochs, len(data[1])))
    if not args.no_book_row:
        row = run_book_row(data, device, args.quick)
        results["book-dropout-row"] = row
        print(f"\nbook's dropout row on {device}: fitted in {row['seconds']:.2f} s "
              f"({row['epochs']} epochs), test error {row['test_error']:.2f} %")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"device": describe(device), "epochs": epochs, "quick": args.quick,
                       "results": results}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
