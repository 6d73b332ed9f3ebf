#!/usr/bin/env bash
# Installs what plab needs, only where it is missing: Debian packages (libtorch, OpenBLAS,
# Fashion-MNIST, the build tools), npm packages, and the libtorch addon. Safe to run again.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
say() { [ "${PLAB_QUIET:-0}" = 1 ] || echo "plab setup: $*"; }

debian_packages=(libtorch-dev libopenblas-dev dataset-fashion-mnist cmake ninja-build g++ python3)
[ "${PLAB_WITH_REFERENCE:-0}" = 1 ] && debian_packages+=(python3-torch python3-numpy)
# The report and dashboard tests drive a real browser.
[ "${PLAB_WITH_BROWSER:-0}" = 1 ] && debian_packages+=(chromium)
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
  npm ci --no-audit --no-fund --loglevel=error 2>&1 | grep -v 'nodedir' || true
fi

addon=build/native/Release/plab_native.node
needs_build() { [ ! -f "$addon" ] || [ -n "$(find native CMakeLists.txt -newer "$addon" 2>/dev/null | head -n 1)" ]; }
if needs_build; then
  # Several processes (parallel test files, a run beside a test) may ask at once: one builds, the
  # others wait for it and then find the addon fresh.
  mkdir -p build
  exec 9>build/.addon.lock
  flock 9
  if needs_build; then
    say "building the libtorch addon"
    if [ "${PLAB_QUIET:-0}" = 1 ]; then
      node scripts/build-addon.mjs >build/addon-build.log 2>&1 || { cat build/addon-build.log >&2; exit 1; }
    else
      node scripts/build-addon.mjs
    fi
  fi
  flock -u 9
fi

# The CLI runs as JavaScript bundled from src/ (esbuild, code-split so that each command loads only
# its own modules): starting through tsx's loader cost ~0.55 s of every run. Rebuilt whenever a
# source file is newer than the bundle.
bundle=build/cli/main.js
needs_bundle() { [ ! -f "$bundle" ] || [ -n "$(find src -newer "$bundle" 2>/dev/null | head -n 1)" ]; }
if needs_bundle; then
  mkdir -p build
  exec 8>build/.cli.lock
  flock 8
  if needs_bundle; then
    say "bundling the command-line interface"
    staging="build/cli.$$"
    rm -rf "$staging"
    node_modules/.bin/esbuild src/cli/main.ts --bundle --splitting --format=esm --platform=node \
      --packages=external --outdir="$staging" --log-level=warning
    rm -rf build/cli
    mv "$staging" build/cli
  fi
  flock -u 8
fi
