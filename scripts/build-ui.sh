#!/usr/bin/env bash
# Build the explorer's browser assets: install the pinned npm packages (ui/package-lock.json)
# into build/ui and copy their distribution files into the Python package, which is what
# `serve` ships (no CDN, no network at run time). Idempotent; tests/unit/test_ui_assets.py
# checks that the committed files equal this build.
set -euo pipefail
cd "$(dirname "$0")/.."
build=build/ui
static=src/provenance_linker/api/ui/static
mkdir -p "$build"
cp ui/package.json ui/package-lock.json "$build/"
stamp="$build/.installed-$(sha256sum ui/package-lock.json | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  (cd "$build" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
  rm -f "$build"/.installed-*
  touch "$stamp"
fi
cp "$build/node_modules/cytoscape/dist/cytoscape.min.js" "$static/cytoscape.min.js"
cp "$build/node_modules/cytoscape/LICENSE" "$static/cytoscape.LICENSE.txt"
