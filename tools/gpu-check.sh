#!/usr/bin/env bash
# On a machine with an NVIDIA GPU: builds plab against a CUDA libtorch, checks device=cuda against
# device=cpu, and prints the MLP benchmark at R = 1, 64 and 1024 beside PyTorch's (same run, same
# GPU) and the largest R whose training step fits. Meant to finish within 8 minutes.
#   LIBTORCH=/path/to/libtorch tools/gpu-check.sh     an unpacked CUDA libtorch distribution, or
#   tools/gpu-check.sh                                the torch Python package (pip's CUDA wheel)
#   tools/gpu-check.sh --dry-run                      no GPU: the same steps on the CPU, small R,
#                                                     to check the script itself
# PYTHON (default python3) runs the PyTorch reference; on a GPU it needs a CUDA torch.
# Parity: test/device/cuda-parity.test.ts runs a 1-task, 1-epoch experiment of each model on both
# devices; accuracies and losses must agree within 0.01 (GPU reductions sum in another order).
# A failed parity check does not stop the benchmark; the script's status reports it at the end.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
deadline=$((SECONDS + 480))
python=${PYTHON:-python3}
dry=0
case "${1:-}" in
  --dry-run) dry=1 ;;
  "") ;;
  *) echo "usage: tools/gpu-check.sh [--dry-run]" >&2; exit 2 ;;
esac
left() { echo $((deadline - SECONDS)); }

if [ "$dry" = 1 ]; then
  echo "gpu-check: dry run on the CPU (no CUDA build, parity skipped, small R)"
  device=cpu members=1,4 largest_up_to=16
  [ -x /usr/bin/python3 ] && python=/usr/bin/python3
  PLAB_QUIET=1 bash scripts/setup.sh
else
  device=cuda members=1,64,1024 largest_up_to=262144
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader ||
    echo "gpu-check: nvidia-smi not found; continuing, the build will say whether libtorch sees a GPU" >&2
  cuda=$("$python" -c 'import torch; print(torch.version.cuda or "")' 2>/dev/null || true)
  [ -n "$cuda" ] || { echo "gpu-check: $python has no CUDA torch, which the build (without LIBTORCH) and the PyTorch reference need: install the CUDA torch wheel, or set PYTHON" >&2; exit 1; }
  echo "gpu-check: $python's torch has CUDA $cuda${LIBTORCH:+; building against LIBTORCH=$LIBTORCH}"
  # The addon is rebuilt against the CUDA libtorch (build-addon.mjs: LIBTORCH first, then torch).
  PLAB_QUIET=1 bash scripts/setup.sh
  npm run -s build:addon
fi
gpus=$(node --import tsx -e "import('./src/tensor/index.js').then((t) => console.log(t.cudaDeviceCount()))")
echo "gpu-check: libtorch sees $gpus GPU(s)"
[ "$dry" = 1 ] || [ "$gpus" -gt 0 ] || { echo "gpu-check: the addon built, but its libtorch sees no GPU (cudaDeviceCount() = 0)" >&2; exit 1; }

parity=0
if [ "$dry" = 0 ]; then
  # The test files directly (scripts/test.sh would also install the whole suite's packages).
  timeout "$(left)" node --import tsx --test --test-concurrency=1 test/device/cuda-parity.test.ts test/tensor/device.test.ts || parity=$?
fi

# The benchmark's own reference is PyTorch from the same run, as everywhere in bench/.
PLAB_REFERENCE_PYTHON="$python" BENCH_DEVICE=$device BENCH_MEMBERS=$members BENCH_LARGEST_UP_TO=$largest_up_to \
  timeout "$(left)" node --import tsx bench/mlp-training.ts
[ "$parity" = 0 ] || { echo "gpu-check: the cuda parity tests failed (status $parity, above)" >&2; exit 1; }
echo "gpu-check: done in ${SECONDS} s"
