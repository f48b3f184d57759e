#!/usr/bin/env bash
# Install the SBOM generators that are not Go programs, once: cdxgen (npm) and cyclonedx-py
# (PyPI `cyclonedx-bom`), each into a directory of its own under the tools cache, outside the
# repository. syft and trivy are Go programs: scripts/go-tools.sh builds them.
# Prints nothing for a tool already installed; exits non-zero if an install fails.
# Usage: scripts/sbom-tools.sh [cdxgen] [cyclonedx-py]   (no arguments: both)
#        scripts/sbom-tools.sh --check   exit 0 when all four generators (with syft and
#        trivy) are cached, 1 otherwise; installs nothing (scripts/test.sh asks this)
set -euo pipefail
TOOLS=${PROVENANCE_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/provenance-linker/tools/bin}
ROOT=$(dirname "$TOOLS")
mkdir -p "$TOOLS"
CDXGEN_VERSION=12.8.4
CYCLONEDX_PY_VERSION=7.5.0

install_cdxgen() {
  local dir="$ROOT/npm/cdxgen-$CDXGEN_VERSION"
  if [ ! -x "$dir/node_modules/.bin/cdxgen" ]; then
    command -v npm >/dev/null || { echo "error: npm not found (cdxgen needs Node.js 20+)" >&2; return 1; }
    echo "installing cdxgen $CDXGEN_VERSION into $dir" >&2
    rm -rf "$dir.partial" && mkdir -p "$dir.partial"
    # The optional plugin binaries are not needed for the targets the suite builds.
    npm install --prefix "$dir.partial" --no-audit --no-fund --omit=optional --loglevel=error \
      "@cyclonedx/cdxgen@$CDXGEN_VERSION" >&2
    rm -rf "$dir" && mv "$dir.partial" "$dir"
  fi
  ln -sfn "../npm/cdxgen-$CDXGEN_VERSION/node_modules/.bin/cdxgen" "$TOOLS/cdxgen"
}

install_cyclonedx_py() {
  local dir="$ROOT/cyclonedx-py/$CYCLONEDX_PY_VERSION"
  if [ ! -x "$dir/bin/cyclonedx-py" ]; then
    echo "installing cyclonedx-py $CYCLONEDX_PY_VERSION into $dir" >&2
    rm -rf "$dir.partial"
    python3 -m venv "$dir.partial"
    "$dir.partial/bin/pip" install --quiet --disable-pip-version-check \
      "cyclonedx-bom==$CYCLONEDX_PY_VERSION" >&2
    rm -rf "$dir" && mv "$dir.partial" "$dir"
    # a venv's scripts name their interpreter by absolute path: rewrite after the move
    sed -i "1s|^#!.*python.*|#!$dir/bin/python|" "$dir/bin/cyclonedx-py"
  fi
  ln -sfn "../cyclonedx-py/$CYCLONEDX_PY_VERSION/bin/cyclonedx-py" "$TOOLS/cyclonedx-py"
}

if [ "${1:-}" = --check ]; then
  for t in syft trivy cdxgen cyclonedx-py; do [ -x "$TOOLS/$t" ] || exit 1; done
  exit 0
fi
tools=("$@")
[ ${#tools[@]} -gt 0 ] || tools=(cdxgen cyclonedx-py)
for t in "${tools[@]}"; do
  case $t in
    cdxgen) install_cdxgen ;;
    cyclonedx-py) install_cyclonedx_py ;;
    *) echo "error: unknown tool $t" >&2; exit 1 ;;
  esac
done
