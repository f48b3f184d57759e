#!/usr/bin/env bash
# Command 2: set up everything the tests need, then lint, type-check and run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/system-deps.sh
./scripts/setup.sh
./tests/neo4j/fetch.sh
./scripts/go-tools.sh crane registry cosign referrers-registry etcd kube-apiserver osv-scanner  # registry, runtime and peer-benchmark tests (cached)
./scripts/build-ui.sh  # explorer assets (npm, pinned); a test checks the shipped copy
export PROVENANCE_CORPUS=${PROVENANCE_CORPUS:-$(cd .. && pwd)/shared/corpus}
if [ ! -f "$PROVENANCE_CORPUS/MANIFEST.tsv" ]; then
  echo "error: corpus not found at $PROVENANCE_CORPUS (set PROVENANCE_CORPUS)" >&2
  exit 1
fi
.venv/bin/ruff check src tests $( [ -d bench ] && echo bench )
.venv/bin/mypy
# The SBOM generator suite runs only when its generators are cached (`make interop` builds
# them; a cold syft build alone takes ~20 minutes); its committed fixtures are always checked.
GENERATORS=(--ignore=tests/interop/generators)
if ./scripts/sbom-tools.sh --check; then GENERATORS=(); fi
.venv/bin/python -m pytest "${GENERATORS[@]}" "$@"
