"""OSV parsing: shapes refused with a place, YAML safety, archives bounded, k8s objects."""

from __future__ import annotations

import zipfile
from pathlib import Path

import orjson
import pytest

from provenance_linker.cli.feeds import ArchiveLimits, iter_archive
from provenance_linker.documents import Format, Limits, load
from provenance_linker.errors import InvalidDocument, LimitExceeded
from provenance_linker.formats import ParseOptions, parse
from provenance_linker.formats.kubernetes import KubernetesRecord
from provenance_linker.formats.osv import OsvRecord
from provenance_linker.vulns.matcher import anchor_key, release_applies, release_of_purl


def _parse_osv(obj: object, name: str = "rec.json") -> OsvRecord:
    record = parse(load(orjson.dumps(obj), name))
    assert isinstance(record, OsvRecord)
    return record


def test_bad_shapes_name_the_place() -> None:
    with pytest.raises(InvalidDocument) as exc:
        _parse_osv({"id": "X-1", "modified": "2026-01-01T00:00:00Z",
                    "affected": [{"package": {"ecosystem": "npm"}}]})
    assert exc.value.where == "rec.json: $.affected[0].package"
    with pytest.raises(InvalidDocument) as exc:
        _parse_osv({"id": "X-1", "modified": "2026-01-01T00:00:00Z",
                    "affected": [{"package": {"ecosystem": "npm", "name": "a"},
                                  "ranges": [{"type": "SEMVER", "events": ["0"]}]}]})
    assert exc.value.where == "rec.json: $.affected[0].ranges[0].events[0]"
    with pytest.raises(InvalidDocument) as exc:
        _parse_osv({"id": "", "modified": "x", "affected": []})
    assert exc.value.where == "rec.json: $.id"


def test_strict_requires_modified() -> None:
    doc = load(orjson.dumps({"id": "X-2", "affected": []}), "r.json")
    lenient = parse(doc)
    assert isinstance(lenient, OsvRecord) and lenient.warnings
    with pytest.raises(InvalidDocument) as exc:
        parse(doc, ParseOptions(strict=True))
    assert exc.value.where == "r.json: $.modified"


def test_yaml_timestamps_kept_and_aliases_refused() -> None:
    text = "id: PYSEC-0000-1\nmodified: 2023-10-19 16:33:01.297810+00:00\naffected: []\n"
    record = parse(load(text.encode(), "r.yaml"))
    assert isinstance(record, OsvRecord)
    assert record.modified == "2023-10-19 16:33:01.297810+00:00"
    bomb = ("id: X-3\nmodified: 2026-01-01\na: &a [x, x, x]\nb: &b [*a, *a, *a]\n"
            "affected: [*b]\n")
    with pytest.raises(InvalidDocument, match="aliases"):
        parse(load(bomb.encode(), "bomb.yaml"))


def test_too_many_versions_is_a_limit() -> None:
    obj = {"id": "X-4", "modified": "2026-01-01T00:00:00Z",
           "affected": [{"package": {"ecosystem": "npm", "name": "a"},
                         "versions": [f"1.0.{i}" for i in range(20)]}]}
    doc = load(orjson.dumps(obj), "big.json")
    with pytest.raises(LimitExceeded):
        parse(doc, ParseOptions(limits=Limits(max_components=10)))


def test_malicious_and_name_normalization() -> None:
    record = _parse_osv({"id": "MAL-2099-1", "modified": "2026-01-01T00:00:00Z",
                         "affected": [{"package": {"ecosystem": "PyPI", "name": "Foo_Bar.baz"},
                                       "versions": ["1.0"]}]})
    assert record.malicious
    assert record.affected[0].name == "foo-bar-baz"


def test_anchor_keys_follow_purl_conventions() -> None:
    assert anchor_key("Maven", "org.apache.logging.log4j:log4j-core") == \
        "pkg:maven/org.apache.logging.log4j/log4j-core"
    assert anchor_key("npm", "@amber-team/amazon-utils") == "pkg:npm/%40amber-team/amazon-utils"
    assert anchor_key("Debian:7", "nginx") == "pkg:deb/debian/nginx"
    assert anchor_key("Go", "golang.org/x/text") == "pkg:golang/golang.org/x/text"
    assert anchor_key("NuGet", "Newtonsoft.Json") == anchor_key("NuGet", "newtonsoft.json")


def test_release_qualifiers() -> None:
    assert release_of_purl("pkg:apk/alpine/mariadb@1.0?distro=alpine-3.16.2") == "3.16.2"
    assert release_applies("Alpine:v3.16", "3.16.2")
    assert not release_applies("Alpine:v3.16", "3.1")
    assert release_applies("Debian:7", None)
    assert release_applies("npm", "3.16")


def _zip(path: Path, members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression=method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_archive_members_are_documents(tmp_path: Path) -> None:
    rec = {"id": "X-5", "modified": "2026-01-01T00:00:00Z", "affected": []}
    path = _zip(tmp_path / "all.zip", {"X-5.json": orjson.dumps(rec), "junk.txt": b"hello"})
    results = list(iter_archive(path, Limits()))
    assert len(results) == 2
    ok = [d for _, d, e in results if d is not None]
    assert len(ok) == 1 and ok[0].format == Format.OSV_JSON
    assert ok[0].name.endswith("all.zip!X-5.json")
    assert any(e is not None for _, _, e in results)


def test_zip_bomb_is_refused_whole(tmp_path: Path) -> None:
    rec = orjson.dumps({"id": "X-6", "modified": "2026-01-01T00:00:00Z", "affected": []})
    path = _zip(tmp_path / "bomb.zip", {"a.json": rec, "b.json": b"{" + b" " * 50_000_000 + b"}"})
    results = list(iter_archive(path, Limits()))
    assert len(results) == 1
    _, document, error = results[0]
    assert document is None and isinstance(error, LimitExceeded)
    assert "zip bomb" in error.message
    too_many = list(iter_archive(path, Limits(), ArchiveLimits(max_members=1)))
    assert isinstance(too_many[0][2], LimitExceeded)


def test_kubernetes_list_folds_pods_into_deployments() -> None:
    obj = {"apiVersion": "v1", "kind": "List", "items": [
        {"apiVersion": "v1", "kind": "Pod",
         "metadata": {"name": "web-5d9f-abcde", "namespace": "prod",
                      "labels": {"pod-template-hash": "5d9f"},
                      "ownerReferences": [{"kind": "ReplicaSet", "name": "web-5d9f"}]},
         "spec": {"containers": [{"name": "web", "image": "reg.test/web:1"}]},
         "status": {"containerStatuses": [{"name": "web", "imageID":
                                           "docker-pullable://reg.test/web@sha256:" + "a" * 64}]}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "svc"}}]}
    record = parse(load(orjson.dumps(obj), "k.json"))
    assert isinstance(record, KubernetesRecord)
    assert [(w.kind, w.name) for w in record.workloads] == [("Deployment", "web")]
    assert record.workloads[0].containers[0].image_id is not None
    assert record.skipped == {"Service": 1}


def test_kubernetes_errors_have_a_place() -> None:
    obj = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"},
           "spec": {"template": {"spec": {"containers": [{"name": "c"}]}}}}
    with pytest.raises(InvalidDocument) as exc:
        parse(load(orjson.dumps(obj), "d.json"))
    assert exc.value.where == "d.json: $.spec.template.spec.containers[0]"


def test_kubernetes_yaml_documents_and_cronjobs() -> None:
    text = """apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: data, labels: {env: prod}}
spec:
  replicas: 2
  template:
    spec:
      containers: [{name: db, image: "reg.test/db@sha256:%s"}]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly, namespace: data}
spec:
  jobTemplate:
    spec:
      template:
        spec:
          containers: [{name: job, image: reg.test/job:1}]
""" % ("b" * 64)
    record = parse(load(text.encode(), "k.yaml"))
    assert isinstance(record, KubernetesRecord)
    assert [(w.kind, w.name, w.replicas) for w in record.workloads] == [
        ("StatefulSet", "db", 2), ("CronJob", "nightly", None)]
    assert record.workloads[0].labels == {"env": "prod"}
    assert record.workloads[1].containers[0].image == "reg.test/job:1"
