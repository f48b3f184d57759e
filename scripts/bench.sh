#!/usr/bin/env bash
# Run every benchmark under bench/ (results go to stdout; docs/benchmarks.md records them).
# Benchmarks that take --report also rewrite their generated sections of
# docs/benchmarks.md and their plots in docs/benchmarks/. `scripts/bench.sh --quick`
# (or `make bench ARGS=--quick`) is the short run.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
for b in bench/bench_*.py; do
  echo "== $b"
  if grep -q -- '"--report"' "$b"; then
    nice -n 10 .venv/bin/python "$b" "$@" --report docs/benchmarks.md
  else
    .venv/bin/python "$b" "$@"
  fi
done
