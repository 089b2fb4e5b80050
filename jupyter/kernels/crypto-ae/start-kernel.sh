#!/bin/sh
# Starts tslab from the project root, whatever folder Jupyter launched the kernel in:
# tslab only compiles .ts files under its working directory, and notebooks import ./lib.
ROOT="$(cd "$(dirname "$0")/../../.." && pwd)"
cd "$ROOT" || exit 1
exec node -r "$ROOT/jupyter/kernels/crypto-ae/kernel-preload.js" "$ROOT/node_modules/tslab/bin/tslab" kernel --config-path "$1"
