"""The real targets the SBOM generators scan, built here without the network.

- a Python virtualenv: a fresh venv with real installed distributions (each copied file by
  file from this project's own environment, as its RECORD lists them);
- an npm project: `npm install --offline` from the npm cache (packages of cdxgen's own
  tree, cached when scripts/sbom-tools.sh installed it);
- a Go module tree and the binary `go build` makes of it (modules from the module cache,
  GOPROXY=off);
- a Debian package database: this machine's /var/lib/dpkg/status, /etc/os-release and
  /etc/debian_version;
- a jar from the Maven cache (~/.m2);
- an image of the above (its package database cut to IMAGE_DEBS packages) pushed with
  crane to a loopback registry, and the same image in an OCI layout (`crane pull --format
  oci`).
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

from ...support.tools import tool

# distributions copied into the virtualenv: PEP 503 names that differ from the written ones
# (boolean.py, Jinja2, MarkupSafe, typing_extensions) on purpose
VENV_DISTRIBUTIONS = ("boolean.py", "Jinja2", "MarkupSafe", "license-expression",
                      "packageurl-python", "typing_extensions")
NPM_DEPENDENCIES = {"semver": "7.8.5", "debug": "4.4.3", "minimatch": "10.2.6",
                    "@iarna/toml": "2.2.5", "packageurl-js": "1.0.2"}
# a module path with capitals (syft and trivy lower-case it) and one without; both are in
# the module cache once scripts/go-tools.sh has built syft
GO_REQUIRES = {"github.com/Masterminds/semver/v3": "v3.5.0",
               "github.com/dustin/go-humanize": "v1.1.0"}
GO_MAIN = """package main

import (
\t"fmt"

\t"github.com/Masterminds/semver/v3"
\t"github.com/dustin/go-humanize"
)

func main() {
\tfmt.Println(semver.MustParse("1.2.3").IncMinor(), humanize.Bytes(82854982))
}
"""
JAR_CANDIDATES = ("commons-lang/commons-lang/2.6/commons-lang-2.6.jar",
                  "org/eclipse/jetty/jetty-util/10.0.24/jetty-util-10.0.24.jar",
                  "net/java/dev/jna/jna/5.15.0/jna-5.15.0.jar")
TIMEOUT = 900
IMAGE_DEBS = 60
OS_FILES = ("os-release", "debian_version")  # trivy detects Debian by debian_version


@dataclass(frozen=True)
class Targets:
    venv: Path
    npm: Path
    gomod: Path
    gobin: Path
    dpkg: Path  # a root holding var/lib/dpkg/status and etc/os-release
    jar: Path
    layout: Path  # the image as an OCI layout
    image: str  # the image in the loopback registry: HOST:PORT/interop/app:1
    image_digest: str  # its manifest digest


def _run(argv: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=TIMEOUT, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({done.returncode}): "
                           f"{done.stderr[-3000:]}")
    return done.stdout


def _site_packages(prefix: Path) -> Path:
    return prefix / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" \
        / "site-packages"


def build_venv(root: Path) -> Path:
    """`python -m venv`, then each distribution installed file by file from its RECORD."""
    from importlib import metadata

    venv = root / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    target = _site_packages(venv)
    for name in VENV_DISTRIBUTIONS:
        dist = metadata.distribution(name)
        for file in dist.files or []:
            source = Path(str(dist.locate_file(file)))
            if ".." in file.parts or not source.is_file():
                continue  # scripts outside site-packages, files not installed
            dest = target / file
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, dest)
    return venv


def build_npm(root: Path) -> Path:
    import json

    project = root / "npm-app"
    project.mkdir()
    (project / "package.json").write_text(json.dumps(
        {"name": "interop-app", "version": "1.0.0", "private": True,
         "dependencies": NPM_DEPENDENCIES}, indent=2))
    _run(["npm", "install", "--offline", "--no-audit", "--no-fund", "--ignore-scripts",
          "--loglevel=error"], cwd=project)
    return project


def build_go(root: Path) -> tuple[Path, Path]:
    module = root / "go-app"
    module.mkdir()
    requires = "".join(f"\t{path} {version}\n" for path, version in GO_REQUIRES.items())
    (module / "go.mod").write_text(f"module example.test/interop\n\ngo 1.26\n\n"
                                   f"require (\n{requires})\n")
    (module / "main.go").write_text(GO_MAIN)
    env = {**os.environ, "GOPROXY": "off", "GOFLAGS": "-mod=mod", "GOSUMDB": "off",
           "GOTOOLCHAIN": "local"}
    binary = root / "go-bin" / "interop-app"
    binary.parent.mkdir()
    _run(["go", "build", "-trimpath", "-o", str(binary), "."], cwd=module, env=env)
    return module, binary


def build_dpkg(root: Path) -> Path:
    system = root / "debian-root"
    (system / "var/lib/dpkg").mkdir(parents=True)
    (system / "etc").mkdir()
    shutil.copyfile("/var/lib/dpkg/status", system / "var/lib/dpkg/status")
    for name in OS_FILES:
        shutil.copyfile(f"/etc/{name}", system / "etc" / name)
    return system


def find_jar() -> Path:
    repository = Path.home() / ".m2" / "repository"
    for candidate in JAR_CANDIDATES:
        if (repository / candidate).is_file():
            return repository / candidate
    found = sorted(p for p in repository.rglob("*.jar") if "sources" not in p.name)
    if not found:
        raise RuntimeError(f"no jar in the Maven cache {repository} (tests/neo4j/fetch.sh "
                           "fills it)")
    return found[0]


def _layer(path: Path, entries: list[tuple[str, Path]]) -> Path:
    """A tar layer of (path in the image, file here), owned by root, dated 0."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        dirs: set[str] = set()
        for inside, source in sorted(entries):
            parts = inside.split("/")[:-1]
            for i in range(1, len(parts) + 1):
                d = "/".join(parts[:i])
                if d not in dirs:
                    dirs.add(d)
                    info = tarfile.TarInfo(d)
                    info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, 0
                    tar.addfile(info)
            data = source.read_bytes()
            info = tarfile.TarInfo(inside)
            info.size, info.mtime = len(data), 0
            info.mode = 0o755 if os.access(source, os.X_OK) else 0o644
            tar.addfile(info, io.BytesIO(data))
    path.write_bytes(buffer.getvalue())
    return path


def _files(base: Path, prefix: str) -> list[tuple[str, Path]]:
    return [(f"{prefix}/{p.relative_to(base)}".lstrip("/"), p)
            for p in base.rglob("*") if p.is_file()]


def build_image(root: Path, registry_host: str, dpkg: Path, venv: Path,
                gobin: Path) -> tuple[str, str, Path]:
    """The image (Debian package database, the venv's site-packages, the Go binary) in
    the registry and as an OCI layout; (reference, manifest digest, layout)."""
    site = _site_packages(venv)
    python = f"python{sys.version_info.major}.{sys.version_info.minor}"
    system = root / "image-os"  # the first IMAGE_DEBS packages: keeps the image's SBOMs small
    (system / "var/lib/dpkg").mkdir(parents=True)
    (system / "etc").mkdir()
    stanzas = (dpkg / "var/lib/dpkg/status").read_text(encoding="utf-8").split("\n\n")
    (system / "var/lib/dpkg/status").write_text("\n\n".join(stanzas[:IMAGE_DEBS]) + "\n")
    for name in OS_FILES:
        shutil.copyfile(dpkg / "etc" / name, system / "etc" / name)
    layers = [
        _layer(root / "os.tar", _files(system, "")),
        _layer(root / "python.tar", _files(site, f"usr/local/lib/{python}/site-packages")),
        _layer(root / "app.tar", [("usr/local/bin/interop-app", gobin)]),
    ]
    reference = f"{registry_host}/interop/app:1"
    crane = str(tool("crane"))
    args = [crane, "append", "--insecure", "-t", reference]
    for layer in layers:
        args += ["-f", str(layer)]
    _run(args)
    digest = _run([crane, "digest", "--insecure", reference]).strip()
    layout = root / "oci-layout"
    _run([crane, "pull", "--insecure", "--format", "oci", reference, str(layout)])
    return reference, digest, layout
