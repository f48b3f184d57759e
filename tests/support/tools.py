"""The real Go tools the tests drive (registry, cosign, crane, …), built once by
`scripts/go-tools.sh` into $PROVENANCE_TOOLS (default ~/.cache/provenance-linker/tools/bin)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def tools_dir() -> Path:
    configured = os.environ.get("PROVENANCE_TOOLS")
    if configured:
        return Path(configured)
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "provenance-linker" / "tools" / "bin"


def tool(name: str) -> Path:
    """The tool's path; built with scripts/go-tools.sh if missing (minutes when cold)."""
    path = tools_dir() / name
    if not path.exists():
        done = subprocess.run([str(ROOT / "scripts" / "go-tools.sh"), name],
                              capture_output=True, text=True, check=False)
        if done.returncode != 0 or not path.exists():
            pytest.fail(f"cannot build {name} with scripts/go-tools.sh: {done.stderr[-2000:]}")
    return path
