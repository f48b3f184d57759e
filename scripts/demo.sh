#!/usr/bin/env bash
# Command 1: set up, then run the main job on the embedded SQLite default with the
# bundled sample dataset (a fresh database each time, under .demo/).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
rm -rf .demo && mkdir -p .demo
exec .venv/bin/provenance-linker --db "sqlite:///$PWD/.demo/provenance.db" demo --out .demo/samples
