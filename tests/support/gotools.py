"""The Go tools tests drive, from the cache scripts/go-tools.sh fills (built on demand)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def tools_dir() -> Path:
    base = os.environ.get("PROVENANCE_TOOLS")
    if base:
        return Path(base)
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return cache / "provenance-linker" / "tools" / "bin"


def tool(name: str) -> Path:
    """The binary, building it (minutes when cold) if the cache does not have it yet."""
    path = tools_dir() / name
    if not os.access(path, os.X_OK):
        subprocess.run([str(ROOT / "scripts" / "go-tools.sh"), name], check=True,
                       timeout=3600)
    if not os.access(path, os.X_OK):
        raise RuntimeError(f"{name} was not built into {tools_dir()}")
    return path
