#!/usr/bin/env bash
# The SBOM generator interop suite (tests/interop/generators): build syft and trivy and
# install cdxgen and cyclonedx-py (all cached after the first run; a cold syft build takes
# about 20 minutes), then run the suite. `--fixtures` regenerates tests/fixtures/generators
# instead. Usage: scripts/interop.sh [--fixtures | PYTEST ARGS...]
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
nice -n 10 ./scripts/go-tools.sh crane registry syft trivy
./scripts/sbom-tools.sh
if [ "${1:-}" = --fixtures ]; then
  shift
  exec .venv/bin/python -m tests.interop.generators.make_fixtures "$@"
fi
export PROVENANCE_CORPUS=${PROVENANCE_CORPUS:-$(cd .. && pwd)/shared/corpus}
exec .venv/bin/python -m pytest tests/interop/generators tests/unit/test_generator_fixtures.py "$@"
