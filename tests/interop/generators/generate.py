"""Run syft, trivy, cdxgen and cyclonedx-py on the targets, in every format each writes.

PLAN names every (generator, target, format) the suite reads; `generate_all` writes each
to OUT/<generator>/<target>.<format>.<ext>. The tools come from the cache that
scripts/go-tools.sh (syft, trivy) and scripts/sbom-tools.sh (cdxgen, cyclonedx-py) fill.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ...support.tools import tools_dir
from .targets import Targets

TIMEOUT = 900
# links to the versions scripts/go-tools.sh and scripts/sbom-tools.sh pin
TOOL_FILES = {"syft": "syft", "trivy": "trivy", "cdxgen": "cdxgen", "cyclonedx-py": "cyclonedx-py"}
EXTENSION = {"cyclonedx-json": "cdx.json", "cyclonedx-xml": "cdx.xml",
             "cyclonedx-1.5-json": "cdx15.json", "spdx-json": "spdx.json",
             "spdx-tag-value": "spdx", "spdx3-jsonld": "spdx3.json",
             "cyclonedx-2.0-json": "cdx2.json"}


@dataclass(frozen=True)
class Case:
    generator: str
    target: str
    format: str

    @property
    def name(self) -> str:
        return f"{self.generator}/{self.target}.{EXTENSION[self.format]}"


SYFT_FORMATS = ("cyclonedx-json", "cyclonedx-xml", "spdx-json", "spdx-tag-value")
TRIVY_FORMATS = ("cyclonedx-json", "spdx-json", "spdx-tag-value")
SYFT_TARGETS = ("venv", "npm", "gobin", "gomod", "dpkg", "jar", "image", "layout")
# trivy: a jar needs its Java DB (a download) and does not work offline
TRIVY_TARGETS = ("venv", "npm", "gobin", "gomod", "dpkg", "image", "layout")
PLAN: tuple[Case, ...] = (
    *(Case("syft", t, f) for t in SYFT_TARGETS for f in SYFT_FORMATS),
    *(Case("trivy", t, f) for t in TRIVY_TARGETS for f in TRIVY_FORMATS),
    *(Case("cdxgen", t, f) for t in ("npm", "gomod")
      for f in ("cyclonedx-json", "cyclonedx-1.5-json")),
    Case("cdxgen", "npm", "spdx3-jsonld"),
    Case("cdxgen", "npm", "cyclonedx-2.0-json"),
    *(Case("cyclonedx-py", "venv", f)
      for f in ("cyclonedx-json", "cyclonedx-xml", "cyclonedx-1.5-json")),
)
# what each SBOM is of: image SBOMs must link to the image digest
IMAGE_TARGETS = ("image", "layout")


def tool_path(name: str) -> Path:
    return tools_dir() / TOOL_FILES[name]


def missing_tools() -> list[str]:
    return [name for name in TOOL_FILES if not os.access(tool_path(name), os.X_OK)]


def _env(work: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROVENANCE_")}
    env.update({"HOME": str(work / "home"), "SYFT_CHECK_FOR_APP_UPDATE": "false",
                "SYFT_REGISTRY_INSECURE_USE_HTTP": "true", "TRIVY_INSECURE": "true",
                "TRIVY_NO_PROGRESS": "true", "FETCH_LICENSE": "false",
                "CDXGEN_NO_BANNER": "true", "GOPROXY": "off", "GOFLAGS": "-mod=mod",
                "GOSUMDB": "off", "GOTOOLCHAIN": "local"})
    return env


def _syft_source(targets: Targets, target: str) -> str:
    return {"venv": f"dir:{targets.venv}", "npm": f"dir:{targets.npm}",
            "gobin": f"file:{targets.gobin}", "gomod": f"dir:{targets.gomod}",
            "dpkg": f"dir:{targets.dpkg}", "jar": f"file:{targets.jar}",
            # by digest: syft's CycloneDX of an image scanned by tag names only the tag
            "image": f"registry:{targets.image.rsplit(':', 1)[0]}@{targets.image_digest}",
            "layout": f"oci-dir:{targets.layout}"}[target]


def _trivy_target(targets: Targets, target: str) -> list[str]:
    return {"venv": ["rootfs", str(targets.venv)], "npm": ["fs", str(targets.npm)],
            "gobin": ["rootfs", str(targets.gobin)], "gomod": ["fs", str(targets.gomod)],
            "dpkg": ["rootfs", str(targets.dpkg)],
            "image": ["image", "--image-src", "remote", targets.image],
            "layout": ["image", "--input", str(targets.layout)]}[target]


def _run(argv: list[str], work: Path, cwd: Path | None = None) -> None:
    (work / "home").mkdir(parents=True, exist_ok=True)
    done = subprocess.run(argv, cwd=cwd or work, env=_env(work), capture_output=True,
                          text=True, timeout=TIMEOUT, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({done.returncode}): "
                           f"{(done.stderr or done.stdout)[-3000:]}")


def _syft(targets: Targets, target: str, out: Path, work: Path) -> None:
    outputs = [f"{f}={out / f'{target}.{EXTENSION[f]}'}" for f in SYFT_FORMATS]
    _run([str(tool_path("syft")), "scan", _syft_source(targets, target), "-q",
          *(arg for o in outputs for arg in ("-o", o))], work)


_TRIVY_FORMAT = {"cyclonedx-json": "cyclonedx", "spdx-json": "spdx-json",
                 "spdx-tag-value": "spdx"}


def _trivy(targets: Targets, target: str, out: Path, work: Path) -> None:
    for fmt in TRIVY_FORMATS:
        _run([str(tool_path("trivy")), *_trivy_target(targets, target), "--quiet",
              "--format", _TRIVY_FORMAT[fmt], "--output", str(out / f"{target}.{EXTENSION[fmt]}"),
              "--skip-db-update", "--skip-java-db-update", "--offline-scan",
              "--cache-dir", str(work / "trivy-cache")], work)


_CDXGEN_ARGS = {"cyclonedx-json": ["--spec-version", "1.6"],
                "cyclonedx-1.5-json": ["--spec-version", "1.5"],
                "cyclonedx-2.0-json": ["--spec-version", "2"],
                "spdx3-jsonld": ["--format", "spdx"]}


def _cdxgen(targets: Targets, target: str, fmt: str, out: Path, work: Path) -> None:
    project = {"npm": targets.npm, "gomod": targets.gomod}[target]
    kind = {"npm": "js", "gomod": "go"}[target]
    _run([str(tool_path("cdxgen")), "-t", kind, "--no-install-deps", *_CDXGEN_ARGS[fmt],
          "-o", str(out / f"{target}.{EXTENSION[fmt]}"), str(project)], work)


_CYCLONEDX_PY_ARGS = {"cyclonedx-json": ["--sv", "1.6", "--of", "JSON"],
                      "cyclonedx-xml": ["--sv", "1.6", "--of", "XML"],
                      "cyclonedx-1.5-json": ["--sv", "1.5", "--of", "JSON"]}


def _cyclonedx_py(targets: Targets, fmt: str, out: Path, work: Path) -> None:
    _run([str(tool_path("cyclonedx-py")), "environment", *_CYCLONEDX_PY_ARGS[fmt],
          "--output-reproducible", "-o", str(out / f"venv.{EXTENSION[fmt]}"),
          str(targets.venv / "bin" / "python")], work)


def generate_all(targets: Targets, out: Path, work: Path,
                 wanted: Callable[[Case], bool] = lambda case: True) -> dict[Case, Path]:
    """Every case of PLAN (that `wanted` keeps), written under `out`."""
    done: set[tuple[str, str] | tuple[str, str, str]] = set()
    for case in PLAN:
        if not wanted(case):
            continue
        folder = out / case.generator
        folder.mkdir(parents=True, exist_ok=True)
        if case.generator == "syft" and ("syft", case.target) not in done:
            _syft(targets, case.target, folder, work)  # one scan writes all four formats
            done.add(("syft", case.target))
        elif case.generator == "trivy" and ("trivy", case.target) not in done:
            _trivy(targets, case.target, folder, work)
            done.add(("trivy", case.target))
        elif case.generator == "cdxgen":
            _cdxgen(targets, case.target, case.format, folder, work)
        elif case.generator == "cyclonedx-py":
            _cyclonedx_py(targets, case.format, folder, work)
    return {case: out / case.name for case in PLAN if wanted(case)}
