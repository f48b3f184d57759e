"""Headless Debian Chromium driven by Playwright (no browser download), and where the
explorer tests put their screenshots."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("PROVENANCE_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: run scripts/system-deps.sh (Debian chromium)")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=["--no-sandbox", "--disable-dev-shm-usage",
                                           "--disable-gpu"])
        try:
            yield chromium
        finally:
            chromium.close()


class Screenshots:
    """Saved under the test's output directory; the names listed in KEY are also copied to
    $PROVENANCE_SCREENSHOTS (docs/screenshots via `make screenshots`)."""

    KEY = {"login", "overview", "search", "advisory-graph", "artifact", "deployments",
           "advisory-narrow"}

    def __init__(self, root: Path) -> None:
        self.root = root
        self.publish = Path(os.environ["PROVENANCE_SCREENSHOTS"]) \
            if os.environ.get("PROVENANCE_SCREENSHOTS") else None

    def take(self, page: object, name: str) -> Path:
        path = self.root / f"{name}.png"
        page.screenshot(path=str(path), full_page=False)  # type: ignore[attr-defined]
        if self.publish is not None and name in self.KEY:
            self.publish.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, self.publish / path.name)
        return path


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Screenshots:
    return Screenshots(tmp_path_factory.mktemp("screenshots"))
