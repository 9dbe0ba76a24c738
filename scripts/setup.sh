#!/usr/bin/env bash
# Everything graft needs on a fresh Debian/Ubuntu machine: a WebGPU driver (scripts/setup-webgpu.sh: Mesa
# lavapipe 24+ when there is no GPU) and the npm packages. Run from anywhere; needs root or sudo for apt.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${GRAFT_SKIP_SYSTEM:-0}" != "1" ]; then
  bash scripts/setup-webgpu.sh
fi
# onnxruntime-node's install script downloads optional GPU binaries from a host that may be unreachable;
# its CPU provider (all we use) ships inside the package.
export ONNXRUNTIME_NODE_INSTALL=skip
npm ci --no-audit --no-fund
