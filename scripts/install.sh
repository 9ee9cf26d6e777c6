#!/usr/bin/env bash
# Installs what kiln needs on a Debian machine: system packages through apt-get (only those
# missing), then the npm dependencies (which also build the TypeScript sources).
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages: g++ compiles generated C++ and the addon; cmake builds the addon;
# libopenblas-dev provides cblas_sgemm; dataset-fashion-mnist puts the Fashion-MNIST IDX files
# under /usr/share/datasets/fashion-mnist (kiln.datasets.fashionMnist's default folder).
PACKAGES=(g++ cmake libopenblas-dev dataset-fashion-mnist)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "kiln: installing system packages: ${missing[*]}"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${missing[@]}"
fi

# npm ci when a lockfile exists (reproducible), else npm install. The `install` script builds the
# native addon (cmake-js -> build/Release/kiln.node); `prepare` builds dist/.
# npm 10/11 on Linux leaves out of the lockfile an optional Windows-only dependency of vite
# (napi-windows-process-start-time, absent from some registry mirrors), and `npm ci` then refuses
# the lockfile as out of sync; fall back to `npm install`, which honours the locked versions.
if [ -f package-lock.json ]; then
  npm ci --no-audit --no-fund || {
    echo "kiln: npm ci failed; retrying with npm install" >&2
    npm install --no-audit --no-fund
  }
else
  npm install --no-audit --no-fund
fi
