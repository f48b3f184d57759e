"""Regenerate tests/fixtures/generators/ from the real generators (`make interop-fixtures`;
`python -m tests.interop.generators.make_fixtures [GENERATOR ...]` for some of them).

Builds the suite's targets, runs the generators for FIXTURES, and scrubs what belongs to
the generating machine or moment (the targets' temporary paths, the registry's port,
timestamps, serial numbers and namespaces); `targets.json` records the image's manifest
digest as crane reported it. tests/unit/test_generator_fixtures.py checks the files with
the interop suite's assertions.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import tempfile
from pathlib import Path

from ...support.oci import start_distribution
from .generate import PLAN, Case, generate_all, missing_tools
from .targets import Targets, build_dpkg, build_go, build_image, build_npm, build_venv, find_jar

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "tests" / "fixtures" / "generators"
# small targets in every format, and the image from syft and trivy (SPDX and CycloneDX)
WANTED = {("syft", "venv"), ("syft", "gobin"), ("syft", "npm"), ("syft", "image"),
          ("trivy", "venv"), ("trivy", "gobin"), ("trivy", "npm"), ("trivy", "image"),
          ("cdxgen", "npm"), ("cyclonedx-py", "venv")}
SKIPPED_FORMATS = {"cyclonedx-2.0-json"}  # refused by design: the unit tests cover it
_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def wanted(case: Case) -> bool:
    return (case.generator, case.target) in WANTED and case.format not in SKIPPED_FORMATS


def scrub(text: str, targets: Targets, root: Path, registry: str) -> str:
    text = text.replace(str(root), "/targets").replace(registry, "127.0.0.1:5000")
    text = text.replace(registry.replace(":", "%3A"), "127.0.0.1%3A5000")  # in purls
    text = text.replace(str(Path.home()), "/home/builder")
    text = _TIMESTAMP.sub("2026-01-01T00:00:00Z", text)
    seen: dict[str, str] = {}  # each UUID its own stand-in: trivy's bom-refs are UUIDs

    def stand_in(match: re.Match[str]) -> str:
        return seen.setdefault(match.group(0), f"00000000-0000-4000-8000-{len(seen):012d}")

    return _UUID.sub(stand_in, text)


def main(argv: list[str]) -> int:
    """Regenerate every fixture, or (arguments) only those of the named generators."""
    only = set(argv)
    missing = [t for t in missing_tools() if not only or t in only]
    if missing:
        print(f"error: SBOM generators not cached: {', '.join(missing)}", file=sys.stderr)
        return 1

    def chosen(case: Case) -> bool:
        return wanted(case) and (not only or case.generator in only)

    with tempfile.TemporaryDirectory(prefix="interop-") as tmp:
        root = Path(tmp)
        registry = start_distribution(root / "registry")
        try:
            venv = build_venv(root)
            npm = build_npm(root)
            gomod, gobin = build_go(root)
            dpkg = build_dpkg(root)
            image, digest, layout = build_image(root, registry.host, dpkg, venv, gobin)
            targets = Targets(venv=venv, npm=npm, gomod=gomod, gobin=gobin, dpkg=dpkg,
                              jar=find_jar(), layout=layout, image=image, image_digest=digest)
            made = generate_all(targets, root / "sboms", root / "work", chosen)
        finally:
            registry.stop()
        listing = FIXTURES / "targets.json"
        if only and listing.is_file() and json.loads(listing.read_text())["image_digest"] != digest:
            print("error: the image differs from the fixtures' one: regenerate them all",
                  file=sys.stderr)
            return 1
        for generator in only or {c.generator for c in PLAN}:
            shutil.rmtree(FIXTURES / generator, ignore_errors=True)
        for case, path in sorted(made.items(), key=lambda item: item[0].name):
            dest = FIXTURES / case.name
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(scrub(path.read_text(encoding="utf-8"), targets, root,
                                  registry.host), encoding="utf-8")
        written = sorted(f"{p.parent.name}/{p.name}" for p in FIXTURES.glob("*/*"))
        (FIXTURES / "targets.json").write_text(json.dumps(
            {"image_digest": digest, "cases": written}, indent=2) + "\n")
    print(f"wrote {len(made)} SBOMs to {FIXTURES.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
