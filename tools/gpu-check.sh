#!/usr/bin/env bash
# On a machine with an NVIDIA GPU: builds plab against a CUDA libtorch, checks device=cuda against
# device=cpu, and prints the MLP benchmark at R = 1, 64 and 1024. Meant to finish within 8 minutes.
#   LIBTORCH=/path/to/libtorch tools/gpu-check.sh     an unpacked CUDA libtorch distribution, or
#   tools/gpu-check.sh                                the torch Python package (pip's CUDA wheel)
# Parity: test/device/cuda-parity.test.ts runs a 1-task, 1-epoch experiment of each model on both
# devices; accuracies and losses must agree within 0.01 (GPU reductions sum in another order).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
deadline=$((SECONDS + 480))

command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader ||
  echo "gpu-check: nvidia-smi not found; continuing, the build will say whether libtorch sees a GPU" >&2

if [ -z "${LIBTORCH:-}" ]; then
  python=${PYTHON:-python3}
  cuda=$("$python" -c 'import torch; print(torch.version.cuda or "")' 2>/dev/null || true)
  [ -n "$cuda" ] || { echo "gpu-check: no CUDA libtorch: set LIBTORCH to an unpacked CUDA libtorch, or install the CUDA torch wheel for $python" >&2; exit 1; }
  echo "gpu-check: using $python's torch (CUDA $cuda)"
fi

# The addon is rebuilt against the CUDA libtorch (build-addon.mjs: LIBTORCH first, then torch).
PLAB_QUIET=1 bash scripts/setup.sh
npm run -s build:addon
gpus=$(node --import tsx -e "import('./src/tensor/index.js').then((t) => console.log(t.cudaDeviceCount()))")
[ "$gpus" -gt 0 ] || { echo "gpu-check: the addon built, but its libtorch sees no GPU (cudaDeviceCount() = 0)" >&2; exit 1; }
echo "gpu-check: libtorch sees $gpus GPU(s)"

timeout $((deadline - SECONDS)) bash scripts/test.sh test/device/cuda-parity.test.ts test/tensor/device.test.ts

# The benchmark's own reference is PyTorch from the same run, as everywhere in bench/.
BENCH_MEMBERS=1,64,1024 timeout $((deadline - SECONDS)) bash scripts/bench.sh bench/mlp-training.ts
echo "gpu-check: done in ${SECONDS} s"
