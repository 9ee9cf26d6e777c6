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

# npm ci installs exactly the locked versions. The `install` script builds the native addon
# (cmake-js -> build/Release/kiln.node); `prepare` builds dist/. (vite is pinned to 8.3.x in
# package.json: 8.4 adds an optional dependency the registry does not serve, which breaks npm ci.)
npm ci --no-audit --no-fund
