#!/usr/bin/env bash
# Installs what plab needs, only where it is missing: Debian packages (libtorch, OpenBLAS,
# Fashion-MNIST, the build tools), npm packages, the libtorch addon and the bundled CLI. Safe to
# run again.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# A line per step that has work to do, on stderr (a command's output stays its own); PLAB_QUIET=1
# silences them.
say() { [ "${PLAB_QUIET:-0}" = 1 ] || echo "plab setup: $*" >&2; }

debian_packages=(libtorch-dev libopenblas-dev dataset-fashion-mnist cmake ninja-build g++ python3)
[ "${PLAB_WITH_REFERENCE:-0}" = 1 ] && debian_packages+=(python3-torch python3-numpy)
# The tests drive a real browser through the report and the dashboard, check that NumPy reads the
# result files, and compare the engine with PyTorch computed on this machine.
[ "${PLAB_FOR_TESTS:-0}" = 1 ] && debian_packages+=(chromium python3-numpy python3-torch)
missing=()
for package in "${debian_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if ! command -v apt-get >/dev/null; then
    echo "plab setup: missing ${missing[*]}, and this is not a Debian system: install libtorch (or set LIBTORCH) and OpenBLAS by hand." >&2
    exit 1
  fi
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  say "installing Debian packages: ${missing[*]}"
  $sudo apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error >&2 || {
    echo "plab setup: 'npm ci' failed (above); npm's registry must be reachable for the first set-up" >&2
    exit 1
  }
fi

# Builds an artefact once when it is stale. Several processes (parallel test files, a run beside a
# test) may ask at once: one builds under the lock, the others wait and then find it fresh.
build_when_stale() { # name, staleness test, build command
  local name="$1" stale="$2" build="$3"
  "$stale" || return 0
  mkdir -p build
  exec 9>"build/.$name.lock"
  flock 9
  if "$stale"; then "$build"; fi
  flock -u 9
}

addon=build/native/Release/plab_native.node
addon_stale() { [ ! -f "$addon" ] || [ -n "$(find native CMakeLists.txt -newer "$addon" 2>/dev/null | head -n 1)" ]; }
build_addon() {
  say "building the libtorch addon (a few minutes the first time; log: build/addon-build.log)"
  node scripts/build-addon.mjs >build/addon-build.log 2>&1 || { cat build/addon-build.log >&2; exit 1; }
  # A build with nothing to recompile leaves the addon's date alone; without this it would stay
  # older than the touched source and be rebuilt on every run.
  touch "$addon"
}
build_when_stale addon addon_stale build_addon

# The CLI runs as JavaScript bundled from src/ (esbuild, code-split so that each command loads only
# its own modules): starting through tsx's loader cost ~0.55 s of every run. The new files are
# renamed into place one by one, and the chunks of an earlier build stay a day, so a plab process
# that is still running can load its own.
bundle=build/cli/main.js
bundle_stale() { [ ! -f "$bundle" ] || [ -n "$(find src -newer "$bundle" 2>/dev/null | head -n 1)" ]; }
build_bundle() {
  say "bundling the command-line interface"
  local staging="build/cli.$$"
  rm -rf "$staging"
  node_modules/.bin/esbuild src/cli/main.ts --bundle --splitting --format=esm --platform=node \
    --packages=external --sourcemap --outdir="$staging" --log-level=warning
  mkdir -p build/cli
  find build/cli -type f -mmin +1440 -delete
  mv -f "$staging"/* build/cli/
  rmdir "$staging"
}
build_when_stale cli bundle_stale build_bundle
