#!/usr/bin/env bash
# Builds the PyTorch engine fixtures on this machine, once, and prints their folder.
#
# OpenBLAS and oneDNN choose their kernels by CPU, so a bit-exact comparison with PyTorch only holds
# against numbers computed on the same CPU with the same libraries. The folder is keyed by what
# decides those numbers: the CPU model and instruction-set flags, the architecture, the installed
# libtorch / OpenBLAS / python3-torch packages, the oneDNN cap, and the generator scripts. A machine
# without Debian's python3-torch prints nothing, and the tests fall back on the committed fixtures
# (test/nn/engine-fixtures.ts says with which tolerance).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
python=/usr/bin/python3
"$python" -c 'import torch' 2>/dev/null || exit 0

key="$( {
  uname -m
  grep -m1 -E '^(model name|CPU part|cpu model)' /proc/cpuinfo || true
  grep -m1 -E '^(flags|Features)' /proc/cpuinfo || true
  dpkg-query -W 'libtorch*' 'libopenblas*' python3-torch 2>/dev/null || true
  echo "ONEDNN_MAX_CPU_ISA=${ONEDNN_MAX_CPU_ISA:-}"
  cat tools/make_engine_fixtures.py tools/reference_environment.py
} | sha256sum | cut -c1-16 )"
dir="build/fixtures/engine-$key"
if [ ! -f "$dir/complete" ]; then
  mkdir -p build/fixtures
  # Several test processes may ask at once: one builds under the lock, the others find it done.
  exec 8>build/fixtures/.lock
  flock 8
  if [ ! -f "$dir/complete" ]; then
    staging="$dir.$$"
    rm -rf "$staging"
    PLAB_FIXTURE_DIR="$staging" "$python" -W ignore tools/make_engine_fixtures.py >/dev/null
    touch "$staging/complete"
    rm -rf "$dir"
    mv "$staging" "$dir"
  fi
  flock -u 8
fi
echo "$root/$dir"
