"""The interop suite's session: build the targets, start a loopback registry, push the
image, run every generator once (minutes), and hand the files to the tests.

The generators must be cached (`make interop` builds and installs them first; `make test`
collects this folder only when they are): a missing tool fails the session, it is never
skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ...support.oci import start_distribution
from .generate import Case, generate_all, missing_tools
from .targets import Targets, build_dpkg, build_go, build_image, build_npm, build_venv, find_jar


@pytest.fixture(scope="session")
def targets(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Targets]:
    missing = missing_tools()
    if missing:
        pytest.fail(f"SBOM generators not cached: {', '.join(missing)} (run `make interop`, "
                    "which builds and installs them)")
    root = tmp_path_factory.mktemp("targets")
    registry = start_distribution(root / "registry")
    try:
        venv = build_venv(root)
        npm = build_npm(root)
        gomod, gobin = build_go(root)
        dpkg = build_dpkg(root)
        image, digest, layout = build_image(root, registry.host, dpkg, venv, gobin)
        yield Targets(venv=venv, npm=npm, gomod=gomod, gobin=gobin, dpkg=dpkg,
                      jar=find_jar(), layout=layout, image=image, image_digest=digest)
    finally:
        registry.stop()


@pytest.fixture(scope="session")
def generated(targets: Targets, tmp_path_factory: pytest.TempPathFactory) -> dict[Case, Path]:
    root = tmp_path_factory.mktemp("generated")
    return generate_all(targets, root / "sboms", root / "work")
