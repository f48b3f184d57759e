"""The browser assets `serve` ships are exactly what scripts/build-ui.sh builds from the
pinned npm packages (ui/package-lock.json), and their licence ships beside them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
STATIC = ROOT / "src/provenance_linker/api/ui/static"
BUILD = ROOT / "build/ui/node_modules"


def test_shipped_cytoscape_equals_a_fresh_build() -> None:
    built = BUILD / "cytoscape/dist/cytoscape.min.js"
    if not built.is_file():
        pytest.fail("build/ui is missing: run scripts/build-ui.sh (make test does)")
    lock = json.loads((ROOT / "ui/package-lock.json").read_text())
    pinned = lock["packages"]["node_modules/cytoscape"]["version"]
    installed = json.loads((BUILD / "cytoscape/package.json").read_text())["version"]
    assert installed == pinned
    assert (STATIC / "cytoscape.min.js").read_bytes() == built.read_bytes()
    assert (STATIC / "cytoscape.LICENSE.txt").read_bytes() == \
        (BUILD / "cytoscape/LICENSE").read_bytes()


def test_pages_load_nothing_from_elsewhere() -> None:
    templates = ROOT / "src/provenance_linker/api/ui/templates"
    for path in [*templates.glob("*.html"), *STATIC.glob("*.js"), *STATIC.glob("*.css")]:
        if path.name == "cytoscape.min.js":
            continue
        text = path.read_text()
        for needle in ('src="http', "src='http", 'href="http', "url(http", "//cdn"):
            assert needle not in text, f"{path.name} loads from elsewhere: {needle}"
        assert "<script>" not in text, f"{path.name} has an inline script (CSP refuses it)"
