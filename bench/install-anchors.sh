#!/usr/bin/env bash
# Installs the bench's ONNX Runtime anchors into bench/.anchors (ignored by git; ~450 MiB), from
# the npm registry with install scripts disabled: onnxruntime-node's postinstall would download
# CUDA libraries, and its CPU binary ships inside the package. Not part of `pnpm install` or CI.
# The export of the ONNX model needs PyTorch too: apt-get install python3-torch.
set -euo pipefail
cd "$(dirname "$0")"
ORT_VERSION=${ORT_VERSION:-1.31.1}
mkdir -p .anchors
npm install --prefix .anchors --no-save --no-package-lock --ignore-scripts --no-audit --no-fund \
  "onnxruntime-node@$ORT_VERSION" "onnxruntime-web@$ORT_VERSION"
echo "installed onnxruntime-node and onnxruntime-web $ORT_VERSION into bench/.anchors"
