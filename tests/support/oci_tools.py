"""Images and evidence made by the real tools: `crane` builds single- and multi-platform
images, `cosign` signs, attests and attaches SBOMs with a generated key (no
transparency log), and downloads them again for the file paths."""

from __future__ import annotations

import io
import json
import os
import subprocess
import tarfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .tools import tool


@dataclass
class OciTools:
    work: Path
    docker_config_dir: Path | None = None
    ca_bundle: Path | None = None
    insecure: bool = False
    extra_env: dict[str, str] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PROVENANCE_")}
        env.update({"COSIGN_PASSWORD": "", "HOME": str(self.work / "home"),
                    "COSIGN_YES": "true", "SIGSTORE_NO_CACHE": "true",
                    "TUF_ROOT": str(self.work / "tuf")})
        if self.docker_config_dir:
            env["DOCKER_CONFIG"] = str(self.docker_config_dir)
        if self.ca_bundle:
            env["SSL_CERT_FILE"] = str(self.ca_bundle)
        env.update(self.extra_env)
        return env

    def run(self, name: str, *args: str, cwd: Path | None = None) -> str:
        done = subprocess.run([str(tool(name)), *args], capture_output=True, text=True,
                              env=self.env(), cwd=cwd or self.work, timeout=300, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{name} {' '.join(args)} failed: {done.stderr[-3000:]}")
        return done.stdout

    def crane(self, *args: str) -> str:
        return self.run("crane", *args, *(["--insecure"] if self.insecure else []))

    def cosign(self, *args: str) -> str:
        return self.run("cosign", *args, "--allow-insecure-registry",
                        *(["--allow-http-registry"] if self.insecure else []))

    # --- images ------------------------------------------------------------------------
    def push_image(self, ref: str, content: str, platform: str | None = None) -> str:
        """A one-layer image with a file holding `content`; returns its digest."""
        layer = self.work / f"layer-{abs(hash((ref, content, platform)))}.tar"
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as tar:
            data = content.encode()
            info = tarfile.TarInfo("app/content.txt")
            info.size, info.mtime = len(data), 0
            tar.addfile(info, io.BytesIO(data))
        layer.write_bytes(buffer.getvalue())
        self.crane("append", "-f", str(layer), "-t", ref)
        if platform:
            self.crane("mutate", "--set-platform", platform, ref)
        return self.crane("digest", ref).strip()

    def push_index(self, ref: str, manifests: list[str]) -> str:
        args = ["index", "append", "-t", ref]
        for manifest in manifests:
            args += ["-m", manifest]
        self.crane(*args)
        return self.crane("digest", ref).strip()

    # --- evidence ----------------------------------------------------------------------
    def keypair(self) -> tuple[Path, Path]:
        keys = self.work / "keys"
        keys.mkdir(parents=True, exist_ok=True)
        if not (keys / "cosign.key").exists():
            self.run("cosign", "generate-key-pair", cwd=keys)
        return keys / "cosign.key", keys / "cosign.pub"

    def sign(self, ref: str, key: Path, *extra: str) -> None:
        self.cosign("sign", "--key", str(key), "--tlog-upload=false", "--yes", *extra, ref)

    def attest(self, ref: str, key: Path, kind: str, predicate: dict[str, Any],
               *extra: str) -> None:
        path = self.work / f"predicate-{kind}-{abs(hash(ref))}.json"
        path.write_text(json.dumps(predicate))
        self.cosign("attest", "--key", str(key), "--type", kind, "--predicate", str(path),
                    "--tlog-upload=false", "--yes", *extra, ref)

    def attach_sbom(self, ref: str, sbom: dict[str, Any], kind: str, *extra: str) -> Path:
        """Attach the SBOM; returns the file attached (the same bytes are in the layer)."""
        path = self.work / f"sbom-{kind}-{abs(hash(ref))}.json"
        path.write_text(json.dumps(sbom))
        self.cosign("attach", "sbom", "--sbom", str(path), "--type", kind, *extra, ref)
        return path

    def download(self, what: str, ref: str) -> str:
        return self.cosign("download", what, ref)
