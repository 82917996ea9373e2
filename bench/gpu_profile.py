"""Where a captured nnfit training step spends its time on a GPU: seconds per replayed epoch of
the fused program (``nnfit/engine/fused_epoch.py``, the default) and its variants and of the
unfused one (``nnfit/engine/cuda_graph.py``), with the kernels a step launches and their GPU
time read by torch.profiler.

    python bench/gpu_profile.py                    # on cuda
    python bench/gpu_profile.py --epochs 20 --json out.json

The network, data and optimizer of bench/gpu_epoch.py: 784-256-128-10 ReLU, dropout 0.4 and
0.3, softmax, RMSprop, batch 128, float32, all 60,000 MNIST training images (469 steps).
Variants: ``fused`` (the default), ``fused-1stream`` (every product on one stream),
``fused-nohead`` (the output layer's products by cuBLAS, with the loss and the ReLU/dropout
backward as kernels of their own),
``fused-tf32`` (``torch.set_float32_matmul_precision("high")`` while capturing: TF32 products),
``fused-cublaslt`` (torch's preferred BLAS library set to cuBLASLt), ``unfused``
(``fused_step=False``).  ``s/epoch`` is the median of ``--epochs`` replays after the capture,
each with its objective read back; ``kernels`` and ``busy`` are the kernels per step and their
summed GPU time per step in an eager run of 20 steps (the kernels the graph holds), ``in graph``
the same read from one replay, where CUPTI reports a graph's kernels.
"""
import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gpu_epoch import BATCH, DROPOUT, EPS, HIDDEN, LEARNING_RATE, RHO  # noqa: E402

VARIANTS = {"fused": {}, "fused-1stream": {"side_stream": False},
            "fused-nohead": {"fuse_head": False},
            "fused-tf32": {"precision": "high"}, "fused-cublaslt": {"blas": "cublaslt"},
            "unfused": {"fused": False}}


def kernels_of(run_once):
    """{kernel name: (launches, summed GPU microseconds)} of ``run_once()``."""
    import torch
    from torch.profiler import ProfilerActivity, profile
    torch.cuda.synchronize()
    with profile(activities=[ProfilerActivity.CUDA]) as prof:
        run_once()
        torch.cuda.synchronize()
    found = {}
    for event in prof.events():
        if event.device_type == torch.autograd.DeviceType.CUDA:
            count, us = found.get(event.name, (0, 0.0))
            found[event.name] = (count + 1, us + event.time_range.elapsed_us())
    return found


def per_step(found, steps):
    kernels = {k: v for k, v in found.items() if not k.startswith(("Memcpy", "Memset"))}
    return (sum(c for c, _ in kernels.values()) / steps,
            sum(us for _, us in kernels.values()) / steps)


def measure(X, Y, epochs, fused=True, side_stream=True, precision="highest", blas=None,
            fuse_head=True):
    import torch
    from nnfit import Objective, RMSprop, SoftmaxCrossEntropy, mlp
    from nnfit.backends.torch_backend import TorchBackend
    from nnfit.engine.epochs import whole_epoch
    from nnfit.engine.fused_epoch import FusedEpochProgram
    FusedEpochProgram.side_stream, FusedEpochProgram.fuse_head = side_stream, fuse_head
    precision_before = torch.get_float32_matmul_precision()
    torch.set_float32_matmul_precision(precision)
    blas_before = torch.backends.cuda.preferred_blas_library()
    if blas:
        torch.backends.cuda.preferred_blas_library(blas)
    try:
        backend = TorchBackend("cuda", fused_step=fused)
        network = mlp(X.shape[1], HIDDEN, Y.shape[1], "relu", DROPOUT, "float32", backend)
        rng = np.random.default_rng(0)
        network.initialize(rng)
        program = whole_epoch(backend, Objective(network, SoftmaxCrossEntropy(backend)),
                              RMSprop(LEARNING_RATE, RHO, EPS, backend), X, Y, BATCH)
        start = time.perf_counter()
        program(rng)  # the capture
        first = time.perf_counter() - start
        seconds = []
        for _ in range(epochs):
            start = time.perf_counter()
            total = program(rng)
            seconds.append(time.perf_counter() - start)
        with program._learning_rate_on_device():
            eager = kernels_of(lambda: program.run(None, steps=range(1, 21)))
        replay = kernels_of(lambda: program._replay(int(rng.integers(2**62))))
    finally:
        torch.set_float32_matmul_precision(precision_before)
        torch.backends.cuda.preferred_blas_library(blas_before)
        FusedEpochProgram.side_stream = FusedEpochProgram.fuse_head = True
    kernels, busy = per_step(eager, 20)
    in_graph, graph_busy = per_step(replay, program.n_steps)
    return {"program": type(program).__name__, "first": first, "seconds": seconds,
            "s_epoch": statistics.median(seconds), "objective": total / X.shape[0],
            "kernels": kernels, "busy_us": busy, "in_graph": in_graph, "graph_busy_us": graph_busy,
            "eager_kernels": {k: [c / 20, us / c] for k, (c, us) in eager.items()}}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    import torch
    from nnfit.datasets import load_mnist
    X, y, _, _ = load_mnist()
    X = torch.as_tensor(X, device="cuda")
    Y = torch.as_tensor(np.eye(10, dtype=np.float32)[y], device="cuda")
    print(f"device: {torch.cuda.get_device_name()}, torch {torch.__version__}", flush=True)
    results = {}
    for name in args.variants.split(","):
        try:
            r = results[name] = measure(X, Y, args.epochs, **VARIANTS[name])
        except Exception as error:  # one variant must not cost the others
            import traceback
            traceback.print_exc()
            results[name] = {"failed": f"{type(error).__name__}: {error}"[:300]}
            print(f"{name}: failed: {results[name]['failed']}", flush=True)
            continue
        print(f"{name:<16}{r['s_epoch']:.4f} s/epoch ({1e6 * r['s_epoch'] / 469:.1f} us/step), "
              f"first {r['first']:.2f} s, objective {r['objective']:.4f}; {r['kernels']:.1f} "
              f"kernels {r['busy_us']:.1f} us busy a step (eager), in graph {r['in_graph']:.1f} "
              f"kernels {r['graph_busy_us']:.1f} us busy", flush=True)
        torch.cuda.empty_cache()
    for name in ("fused", "unfused"):
        if "eager_kernels" not in results.get(name, {}):
            continue
        print(f"\n{name}: kernels of a step (eager run of 20 steps): per step, mean us")
        rows = sorted(results[name]["eager_kernels"].items(), key=lambda kv: -kv[1][0] * kv[1][1])
        for kernel, (count, us) in rows:
            print(f"  {count:5.2f} x {us:7.2f} us  {kernel[:110]}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
