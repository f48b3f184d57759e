"""A real Kubernetes control plane on loopback: etcd + kube-apiserver (no kubelet, no
controllers), token auth, free ports, stopped by their own pids at teardown. Tests play
the kubelet and the controllers through the API (create ReplicaSets and Pods, patch
pods/status)."""

from __future__ import annotations

import base64
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import yaml

from .gotools import tool
from .service import free_port

TOKEN = "test-admin-token-0123456789"


@dataclass
class ControlPlane:
    url: str
    token: str
    kubeconfig: Path
    procs: list[subprocess.Popen[bytes]]
    log_dir: Path
    etcd_url: str = ""

    def api(self) -> object:
        from kubernetes import client, config

        configuration = client.Configuration()
        config.load_kube_config(config_file=str(self.kubeconfig),
                                client_configuration=configuration)
        return client.ApiClient(configuration)

    def compact_etcd(self) -> int:
        """Compact etcd up to its current revision (through etcd's own HTTP gateway), so
        every older resourceVersion is gone; returns that revision."""
        reply = httpx.post(f"{self.etcd_url}/v3/kv/range",
                           json={"key": base64.b64encode(b"/").decode()}, timeout=10)
        revision = int(reply.json()["header"]["revision"])
        httpx.post(f"{self.etcd_url}/v3/kv/compaction",
                   json={"revision": revision, "physical": True}, timeout=30
                   ).raise_for_status()
        return revision

    def stop(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in reversed(self.procs):
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


def _wait(url: str, headers: dict[str, str], proc: subprocess.Popen[bytes], log: Path,
          timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"exited {proc.returncode}: {log.read_text()[-3000:]}")
        try:
            if httpx.get(url, headers=headers, verify=False, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer: {log.read_text()[-3000:]}")


def start_control_plane(tmp: Path, extra_args: tuple[str, ...] = ()) -> ControlPlane:
    """etcd and kube-apiserver on free loopback ports; `extra_args` go to kube-apiserver."""
    etcd, apiserver = tool("etcd"), tool("kube-apiserver")
    tmp.mkdir(parents=True, exist_ok=True)
    subprocess.run(["openssl", "genrsa", "-out", str(tmp / "sa.key"), "2048"], check=True,
                   capture_output=True, timeout=60)
    subprocess.run(["openssl", "rsa", "-in", str(tmp / "sa.key"), "-pubout", "-out",
                    str(tmp / "sa.pub")], check=True, capture_output=True, timeout=60)
    (tmp / "tokens.csv").write_text(f"{TOKEN},admin,admin,system:masters\n")
    client_port, peer_port, api_port = free_port(), free_port(), free_port()
    procs: list[subprocess.Popen[bytes]] = []
    etcd_log = tmp / "etcd.log"
    with etcd_log.open("wb") as log:
        procs.append(subprocess.Popen(
            [str(etcd), "--data-dir", str(tmp / "etcd"),
             "--listen-client-urls", f"http://127.0.0.1:{client_port}",
             "--advertise-client-urls", f"http://127.0.0.1:{client_port}",
             "--listen-peer-urls", f"http://127.0.0.1:{peer_port}",
             "--initial-advertise-peer-urls", f"http://127.0.0.1:{peer_port}",
             "--initial-cluster", f"default=http://127.0.0.1:{peer_port}",
             "--quota-backend-bytes", str(256 * 1024 * 1024)],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True))
    plane = ControlPlane(f"https://127.0.0.1:{api_port}", TOKEN, tmp / "kubeconfig", procs,
                         tmp, f"http://127.0.0.1:{client_port}")
    try:
        _wait(f"http://127.0.0.1:{client_port}/health", {}, procs[0], etcd_log)
        api_log = tmp / "kube-apiserver.log"
        with api_log.open("wb") as log:
            procs.append(subprocess.Popen(
                [str(apiserver), f"--etcd-servers=http://127.0.0.1:{client_port}",
                 "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1",
                 f"--secure-port={api_port}", f"--cert-dir={tmp / 'certs'}",
                 "--service-account-issuer=https://kubernetes.default.svc",
                 f"--service-account-key-file={tmp / 'sa.pub'}",
                 f"--service-account-signing-key-file={tmp / 'sa.key'}",
                 f"--token-auth-file={tmp / 'tokens.csv'}", "--authorization-mode=RBAC",
                 "--service-cluster-ip-range=10.0.0.0/24", *extra_args],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True))
        _wait(plane.url + "/api", {"Authorization": f"Bearer {TOKEN}"}, procs[1], api_log)
        ca = tmp / "certs" / "apiserver.crt"
        plane.kubeconfig.write_text(yaml.safe_dump({
            "apiVersion": "v1", "kind": "Config", "current-context": "test",
            "clusters": [{"name": "test", "cluster": {"server": plane.url,
                                                      "certificate-authority": str(ca)}}],
            "users": [{"name": "admin", "user": {"token": TOKEN}}],
            "contexts": [{"name": "test", "context": {"cluster": "test", "user": "admin"}}]}))
        return plane
    except BaseException:
        plane.stop()
        raise
