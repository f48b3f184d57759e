"""Measure a candidate OCI client library (the `oras` PyPI package, oras-py) against this
project's client on plain httpx, on the same real registry: time to read N manifests and
their blobs, and what each does when the registry lies about a digest, sends a 50 MB
manifest, or rate-limits (a loopback proxy in front of the registry misbehaves).

    .venv/bin/pip install oras==0.2.43   # only for this measurement
    .venv/bin/python bench/compare_registry_clients.py [--images 50]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import oras.provider
from bench_registry import Pusher
from tests.support.oci import start_distribution
from tests.support.registry_proxy import Behaviour, RegistryProxy

from provenance_linker.registry import AccessOptions, open_client
from provenance_linker.registry.reference import parse_image_ref


def ours(host: str) -> Callable[[str], None]:
    client = open_client(AccessOptions(insecure_hosts=(host,), memory_cache=True))

    def read(ref: str) -> None:
        image = parse_image_ref(ref)
        digest = client.resolve(image)
        assert digest is not None
        manifest = client.manifest(image, digest)
        for layer in manifest.descriptors("layers"):
            client.blob(image, layer, 1 << 20)
    return read


def theirs(host: str) -> Callable[[str], None]:
    registry = oras.provider.Registry(host, insecure=True)

    def read(ref: str) -> None:
        manifest = registry.get_manifest(ref)
        for layer in manifest["layers"]:
            registry.get_blob(ref, layer["digest"]).content  # noqa: B018
    return read


def behaviour(make: Callable[[str], Callable[[str], None]], proxy: RegistryProxy,
              ref: str, how: Behaviour) -> str:
    proxy.behaviour, proxy.requests[:] = how, []
    started = time.perf_counter()
    try:
        make(proxy.host)(ref)
        outcome = "accepted"
    except Exception as exc:  # measuring what each library raises
        outcome = f"{type(exc).__name__}: {str(exc)[:70]}"
    return (f"{outcome} ({time.perf_counter() - started:.1f} s, {len(proxy.requests)} "
            f"requests)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        registry = start_distribution(Path(tmp) / "registry")
        proxy = RegistryProxy(f"http://{registry.host}").start()
        try:
            push = Pusher(registry.host)
            refs = []
            for n in range(args.images):
                layer = push.blob(f"cmp/app{n}", f"layer {n}".encode() * 100)
                push.manifest(f"cmp/app{n}", "1", [{"mediaType":
                              "application/vnd.oci.image.layer.v1.tar", **layer}])
                refs.append(f"{registry.host}/cmp/app{n}:1")
            for label, make in (("httpx client (this project)", ours), ("oras-py", theirs)):
                times = []
                for _ in range(3):
                    read = make(registry.host)
                    started = time.perf_counter()
                    for ref in refs:
                        read(ref)
                    times.append(time.perf_counter() - started)
                print(f"{label}: {args.images} manifests + blobs, median "
                      f"{statistics.median(times):.2f} s")
            ref = f"{proxy.host}/cmp/app0:1"
            for case, how in (("lying blob", Behaviour(corrupt_blobs=True)),
                              ("50 MB manifest", Behaviour(huge_manifest_bytes=50 << 20)),
                              ("429 twice, Retry-After 0", Behaviour(rate_limit_first=2,
                                                                     retry_after="0"))):
                for label, make in (("httpx client", ours), ("oras-py", theirs)):
                    print(f"{case:26} {label:13} {behaviour(make, proxy, ref, how)}")
        finally:
            proxy.stop()
            registry.stop()


if __name__ == "__main__":
    main()
