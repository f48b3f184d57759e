#!/usr/bin/env bash
# Run every benchmark under bench/ (results go to stdout; docs/benchmarks.md records them).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
for b in bench/bench_*.py; do
  echo "== $b"
  .venv/bin/python "$b" "$@"
done
