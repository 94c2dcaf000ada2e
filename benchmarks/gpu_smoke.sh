#!/usr/bin/env bash
# GPU smoke run: every CUDA path of deeprg end to end, timed against the CPU, in one short run.
#
#   bash benchmarks/gpu_smoke.sh [--out DIR] [--skip-paper]
#
# Needs a GPU and a CUDA build of torch in the active environment (make test TORCH=torch, or
# pip install torch). The work is done by benchmarks/gpu_smoke.py; see its docstring.
set -euo pipefail
cd "$(dirname "$0")/.."
exec "${PYTHON:-python}" benchmarks/gpu_smoke.py "$@"
