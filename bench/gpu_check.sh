#!/usr/bin/env bash
# The GPU checks of nnfit in one run, each step under its own time limit so that one hang
# cannot eat the rest:
#   1. nvidia-smi and the torch / JAX versions
#   3. bench/gpu_epoch.py, the cheap systems (eager, the fused graph, the unfused graph, the
#      fused graph with TF32 products, PyTorch eager, JAX lax.scan at its default precision
#      and at float32), with the JAX rows' kernels counted
#   6. bench/gpu_profile.py: the fused program's variants and the unfused one, kernels a step
#   2. the CUDA tests (tests/test_fused_epoch.py and tests/test_cuda_graph.py's needs_cuda
#      tests, with the torch-cpu tests of the same files and of test_torch_backend.py /
#      test_training_guards.py beside them; PYTEST_ARGS adds arguments, e.g. "-n 8")
#   4. the MNIST table's network rows on the device (nnfit mnist --device)
#   5. bench/gpu_epoch.py, the torch.compile systems (their compilations take minutes)
# in this order (the measurements first: a hung test cannot cost them).
#
#   OUT=results bash bench/gpu_check.sh              # on a CUDA machine, from the repo root
#   DEVICE=cpu QUICK=1 OUT=/tmp/c bash bench/gpu_check.sh   # a smoke test of the script
#
# Logs and JSON go to $OUT (eight files at most; the MNIST report to $MNIST_OUT, /tmp/nnfit-mnist).  STEPS picks steps (default 123456), EPOCHS the bench's epochs
# (default 5), ROWS the MNIST rows (default ridge,dropout,logistic), BUDGET the seconds for
# all steps together (default 400): the last step gets what is left of it.
set -u
OUT=${OUT:-gpu-check}
DEVICE=${DEVICE:-cuda}
STEPS=${STEPS:-123456}
EPOCHS=${EPOCHS:-5}
ROWS=${ROWS:-ridge,dropout,logistic}
BUDGET=${BUDGET:-400}
QUICK=${QUICK:-}
PYTHON=${PYTHON:-python3}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1 XLA_PYTHON_CLIENT_PREALLOCATE=false
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
start=$(date +%s)
left() { echo $(( BUDGET - ($(date +%s) - start) )); }
step() {  # step NAME SECONDS LOG COMMAND...: run it for at most SECONDS (and what is left)
    local name=$1 limit=$2 log=$3; shift 3
    local remaining; remaining=$(left)
    (( limit > remaining )) && limit=$remaining
    if (( limit < 10 )); then echo "=== $name: skipped, ${remaining}s left" | tee -a "$OUT/summary.txt"; return; fi
    echo "=== $name (limit ${limit}s) at $(( $(date +%s) - start ))s: $*" | tee -a "$OUT/summary.txt"
    local t0=$(date +%s)
    timeout -k 5 "$limit" "$@" 2>&1 | tee "$log"
    local rc=${PIPESTATUS[0]}
    echo "=== $name: rc=$rc after $(( $(date +%s) - t0 ))s" | tee -a "$OUT/summary.txt"
}
quick=${QUICK:+--quick}
if [[ $STEPS == *1* ]]; then
    { nvidia-smi || true
      $PYTHON -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda, torch.cuda.is_available())"
      $PYTHON -c "import jax; print('jax', jax.__version__, jax.devices())" 2>&1 | tail -1
    } 2>&1 | tee -a "$OUT/summary.txt"
fi
if [[ $STEPS == *3* ]]; then
    step bench 150 "$OUT/bench.log" $PYTHON bench/gpu_epoch.py --device "$DEVICE" --epochs "$EPOCHS" \
        $quick --no-book-row --kernels --json "$OUT/bench.json" --systems \
        ${SYSTEMS:-nnfit-eager,nnfit-graph,nnfit-graph-unfused,nnfit-graph-tf32,torch-eager,jax-scan,jax-scan-fp32}
fi
if [[ $STEPS == *6* && $DEVICE == cuda* ]]; then
    step profile 90 "$OUT/profile.log" $PYTHON bench/gpu_profile.py --json "$OUT/profile.json"
fi
if [[ $STEPS == *2* ]]; then
    step pytest 170 "$OUT/pytest.log" $PYTHON -m pytest -q -rfEs --tb=short -p no:cacheprovider \
        -o timeout=100 ${PYTEST_ARGS:-} tests/test_fused_epoch.py tests/test_cuda_graph.py \
        tests/test_torch_backend.py tests/test_training_guards.py
fi
if [[ $STEPS == *4* ]]; then
    dev=$DEVICE; [[ $dev == cpu ]] && dev=torch-cpu
    step mnist 120 "$OUT/mnist.log" $PYTHON -m nnfit mnist --device "$dev" --rows "$ROWS" $quick \
        --no-progress --out "${MNIST_OUT:-/tmp/nnfit-mnist}" --json "$OUT/mnist.json"
fi
if [[ $STEPS == *5* ]]; then
    step bench-compiled 600 "$OUT/bench_compiled.log" $PYTHON bench/gpu_epoch.py --device "$DEVICE" \
        --epochs "$EPOCHS" $quick --no-book-row --systems nnfit-graph-compiled,torch-compile \
        --json "$OUT/bench_compiled.json"
fi
echo "=== all done at $(( $(date +%s) - start ))s" | tee -a "$OUT/summary.txt"
