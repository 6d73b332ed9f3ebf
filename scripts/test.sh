#!/usr/bin/env bash
# The whole test suite: sets up what is missing, then runs every test file with node's test runner.
# Extra arguments are test files to run instead of all of them.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
PLAB_QUIET=1 PLAB_FOR_TESTS=1 bash scripts/setup.sh
# oneDNN (libtorch's CPU convolutions) chooses kernels by instruction set, and the committed PyTorch
# fixtures were made with it capped at AVX2 (tools/reference_environment.py): the same cap here
# makes the comparisons hold on AVX-512 machines too.
export ONEDNN_MAX_CPU_ISA="${ONEDNN_MAX_CPU_ISA:-AVX2}"
# Bit-exact comparisons with PyTorch hold only against numbers computed on this CPU with these
# libraries (OpenBLAS picks its kernels by CPU): python3-torch computes them here once, into a
# cache keyed by both (tools/machine-fixtures.sh).
PLAB_MACHINE_FIXTURES="$(bash tools/machine-fixtures.sh)"
export PLAB_MACHINE_FIXTURES
shopt -s globstar nullglob
files=("$@")
[ "${#files[@]}" -gt 0 ] || files=(test/**/*.test.ts)
exec node --import tsx --test --test-concurrency=1 \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=./scripts/summary-reporter.mjs --test-reporter-destination=stdout \
  "${files[@]}"
