"""backup → wipe → restore gives the same content digest SQLite→SQLite, SQLite→Neo4j and
Neo4j→SQLite, with writes running during the backup; damaged, edited, truncated and
foreign-version archives are refused before anything is written."""

from __future__ import annotations

import gzip
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from provenance_linker.cli.main import run
from provenance_linker.demo.samples import demo_images
from provenance_linker.documents import load
from provenance_linker.errors import InvalidDocument, UsageError
from provenance_linker.ingest.orchestrator import Linker
from provenance_linker.jobs import open_queue
from provenance_linker.jobs.interface import new_job
from provenance_linker.ops import backup, integrity
from provenance_linker.store import open_store
from provenance_linker.store.interface import GraphStore
from provenance_linker.store.seal import KEY_ENV

from ..support.neo4j_server import Neo4jServer
from .support import KEY, populate


def now() -> datetime:
    return datetime.now(UTC)


def _extra_documents(count: int) -> list[bytes]:
    """Distinct small SBOMs (a new serial number each) for the concurrent writer."""
    base = demo_images()[0].document
    docs = []
    for i in range(count):
        doc = dict(base)
        doc["serialNumber"] = f"urn:uuid:00000000-0000-4000-8000-{i:012d}"
        docs.append(orjson.dumps(doc))
    return docs


def backup_while_writing(source: GraphStore, url: str, archive: Path) -> backup.Manifest:
    """Take a backup while another connection keeps ingesting and appending audit
    entries; the archive must still be one consistent state."""
    stop = threading.Event()
    written: list[int] = []

    def writer() -> None:
        store = open_store(url, integrity_key=KEY)
        linker = Linker(store)
        try:
            for i, data in enumerate(_extra_documents(40)):
                if stop.is_set():
                    break
                linker.ingest(load(data, f"extra-{i}.cdx.json"))
                store.append_log("audit", {"action": "ingest", "actor": "ci", "i": i})
                written.append(i)
        finally:
            store.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 2 and thread.is_alive():
            stop.wait(0.05)
        manifest = backup.write_backup(source, archive, clock=now)
    finally:
        stop.set()
        thread.join(timeout=120)
    assert not thread.is_alive()
    assert written, "the writer never wrote"
    return manifest


def round_trip(source: GraphStore, source_url: str, target: GraphStore,
               archive: Path) -> None:
    manifest = backup_while_writing(source, source_url, archive)
    report = backup.restore(archive, target)
    assert report.verified
    assert report.content_digest == manifest.content_digest
    assert target.counts() == manifest.counts
    assert {s: target.read_log(s)[-1].hash for s in target.log_streams()} == {
        s: h for s, (_, h) in manifest.log_heads.items()}
    assert integrity.verify(target, clock=now).ok


def test_sqlite_to_sqlite(tmp_path: Path, corpus: Path) -> None:
    url = f"sqlite:///{tmp_path}/src.db"
    source = open_store(url, integrity_key=KEY)
    target = open_store(f"sqlite:///{tmp_path}/dst.db", integrity_key=KEY)
    populate(source, corpus)
    try:
        round_trip(source, url, target, tmp_path / "a.bak")
    finally:
        source.close()
        target.close()


def test_sqlite_to_neo4j_and_neo4j_to_sqlite(tmp_path: Path, corpus: Path,
                                             neo4j_server: Neo4jServer) -> None:
    url = f"sqlite:///{tmp_path}/src.db"
    source = open_store(url, integrity_key=KEY)
    populate(source, corpus)
    middle = open_store(neo4j_server.url, integrity_key=KEY)
    last = open_store(f"sqlite:///{tmp_path}/last.db", integrity_key=KEY)
    try:
        round_trip(source, url, middle, tmp_path / "first.bak")
        round_trip(middle, neo4j_server.url, last, tmp_path / "second.bak")
    finally:
        source.close()
        middle.close()
        last.close()


def _rewrite(archive: Path, out: Path, change: Callable[[list[bytes]], list[bytes]]) -> None:
    with gzip.open(archive, "rb") as f:
        lines = f.readlines()
    with gzip.open(out, "wb") as f:
        f.writelines(change(lines))


def _edit_record(lines: list[bytes]) -> list[bytes]:
    return [line.replace(b'"role":"reader"', b'"role":"admin"') for line in lines]


def _foreign_version(lines: list[bytes]) -> list[bytes]:
    return [lines[0].replace(b'"version":1', b'"version":99'), *lines[1:]]


def _truncate_gzip(archive: Path, out: Path) -> None:
    data = archive.read_bytes()
    out.write_bytes(data[: len(data) * 2 // 3])


DAMAGES: list[tuple[str, Callable[[Path, Path], None], str]] = [
    ("record edited", lambda a, o: _rewrite(a, o, _edit_record), "manifest digest"),
    ("last lines cut", lambda a, o: _rewrite(a, o, lambda ls: ls[:-2]), "truncated"),
    ("gzip cut", _truncate_gzip, "truncated"),
    ("foreign version", lambda a, o: _rewrite(a, o, _foreign_version), "version 99"),
    ("not an archive", lambda a, o: o.write_bytes(gzip.compress(b'{"t":"x"}\n')),
     "not a provenance-linker backup"),
]


@pytest.mark.parametrize(("name", "damage", "message"), DAMAGES, ids=[d[0] for d in DAMAGES])
def test_damaged_archives_are_refused_and_change_nothing(
        tmp_path: Path, corpus: Path, name: str, damage: Callable[[Path, Path], None],
        message: str) -> None:
    source = open_store(f"sqlite:///{tmp_path}/src.db", integrity_key=KEY)
    populate(source, corpus)
    good = tmp_path / "good.bak"
    backup.write_backup(source, good, clock=now)
    source.close()
    bad = tmp_path / "bad.bak"
    damage(good, bad)
    target = open_store(f"sqlite:///{tmp_path}/dst.db", integrity_key=KEY)
    try:
        with pytest.raises(InvalidDocument) as caught:
            backup.restore(bad, target)
        assert message in caught.value.message, caught.value.message
        assert str(bad) in (caught.value.where or "")
        assert not target.documents() and not target.record_collections()
        assert not target.log_streams()
    finally:
        target.close()


def test_manifest_recomputed_by_hand_is_refused_under_the_key(tmp_path: Path,
                                                              corpus: Path) -> None:
    """Editing a line and recomputing the body digest passes the digest but not the MAC."""
    import hashlib

    source = open_store(f"sqlite:///{tmp_path}/src.db", integrity_key=KEY)
    populate(source, corpus)
    good = tmp_path / "good.bak"
    backup.write_backup(source, good, clock=now)
    source.close()

    def forge(lines: list[bytes]) -> list[bytes]:
        body = _edit_record(lines[:-1])
        manifest = orjson.loads(lines[-1])
        manifest["body_sha256"] = hashlib.sha256(b"".join(body)).hexdigest()
        return [*body, orjson.dumps(manifest) + b"\n"]

    bad = tmp_path / "bad.bak"
    _rewrite(good, bad, forge)
    target = open_store(f"sqlite:///{tmp_path}/dst.db", integrity_key=KEY)
    try:
        with pytest.raises(InvalidDocument, match="MAC"):
            backup.restore(bad, target)
    finally:
        target.close()


def test_restore_refuses_a_non_empty_store(tmp_path: Path, corpus: Path) -> None:
    source = open_store(f"sqlite:///{tmp_path}/src.db", integrity_key=KEY)
    populate(source, corpus)
    archive = tmp_path / "a.bak"
    backup.write_backup(source, archive, clock=now)
    try:
        with pytest.raises(UsageError, match="not empty"):
            backup.restore(archive, source)
    finally:
        source.close()


def test_cli_backup_and_restore_with_queue(tmp_path: Path, corpus: Path,
                                           monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv(KEY_ENV, KEY.decode())
    url = f"sqlite:///{tmp_path}/src.db"
    store = open_store(url)
    populate(store, corpus)
    store.close()
    queue = open_queue(f"sqlite:///{tmp_path}/src.queue.db")
    queue.enqueue(new_job("sbom", "late.cdx.json", "sha256:" + "a" * 64, b"{}", {},
                          {"user": "ci"}))
    queue.close()
    archive = tmp_path / "nightly.bak"
    assert run(["--db", url, "backup", str(archive), "-o", "json"]) == 0
    written = orjson.loads(capsys.readouterr().out)
    assert written["jobs"] == 1
    target = f"sqlite:///{tmp_path}/restored.db"
    assert run(["restore", str(archive), "--db", target, "-o", "json"]) == 0
    restored = orjson.loads(capsys.readouterr().out)
    assert restored["verified"] and restored["content_digest"] == written["content_digest"]
    jobs = open_queue(f"sqlite:///{tmp_path}/restored.queue.db")
    try:
        assert [j.name for j in jobs.list("queued")] == ["late.cdx.json"]
    finally:
        jobs.close()
    assert run(["--db", target, "integrity", "verify"]) == 0
    (tmp_path / "cut.bak").write_bytes(archive.read_bytes()[:200])
    assert run(["restore", str(tmp_path / "cut.bak"), "--db",
                f"sqlite:///{tmp_path}/other.db"]) == 1
    assert "cut.bak" in capsys.readouterr().err


def unkeyed_archive(path: Path, documents: list[dict[str, Any]]) -> Path:
    """An archive of these document lines whose body digest checks, with no MAC."""
    with gzip.open(path, "wb") as out:
        writer = backup.ArchiveWriter(out)
        writer.line({"t": "header", "format": backup.FORMAT, "version": backup.VERSION,
                     "created_at": now().isoformat(), "source": "test"})
        for line in documents:
            writer.line(line)
        manifest = backup.Manifest(documents=len(documents),
                                   body_sha256=writer.body.hexdigest())
        out.write(orjson.dumps({"t": "manifest", **manifest.as_dict()}) + b"\n")
    return path


def test_a_restore_that_fails_part_way_leaves_the_sqlite_target_empty(
        tmp_path: Path, corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The documents are loaded as one bulk transaction: an archive whose body digest
    checks (no key: nothing else vouches for it) but whose second document cannot be
    stored leaves no first document behind, and the CLI says so without a traceback."""
    source = open_store(f"sqlite:///{tmp_path}/source.db")
    populate(source, corpus)
    good = [backup.document_line(b) for d in source.documents()
            if (b := source.export_document(d.digest)) is not None]
    source.close()
    broken = dict(good[1])  # an edge asserted by a document the archive does not hold
    broken["edges"] = [*good[1]["edges"], ["AFFECTED_BY", "Package", "pkg:npm/a@1",
                                           "Vulnerability", "GHSA-none", {}, "sha256:" + "f" * 64]]
    archive = unkeyed_archive(tmp_path / "forged.plbak", [good[0], broken])
    url = f"sqlite:///{tmp_path}/target.db"
    capsys.readouterr()
    assert run(["restore", str(archive), "--db", url, "--no-queue"]) != 0
    err = capsys.readouterr().err
    assert "unknown document" in err and "Traceback" not in err
    target = open_store(url)
    try:
        assert target.documents() == [] and target.counts()["documents"] == 0
        assert sum(target.counts().values()) == 0
    finally:
        target.close()


@pytest.mark.parametrize("blocks", [1 << 20, 7])
def test_a_forged_unkeyed_archive_fails_inside_the_restore_and_changes_nothing(
        tmp_path: Path, corpus: Path, blocks: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without an integrity key the body digest is the archive's own word: a line made
    unreadable with the digest recomputed passes the check, is refused when restored
    (naming the line), and the restore's transaction leaves the target empty. Small
    read blocks check that lines split across blocks hash the same."""
    import hashlib

    monkeypatch.setattr(backup, "_READ", blocks)
    source = open_store(f"sqlite:///{tmp_path}/src.db", integrity_key=b"")
    populate(source, corpus)
    good = tmp_path / "good.bak"
    backup.write_backup(source, good, clock=now)
    source.close()
    assert backup.check_archive(good).documents > 1

    def forge(lines: list[bytes]) -> list[bytes]:
        body = [*lines[:2], b'{"t":"document","info":[' + lines[2][:40] + b"\n",
                *lines[3:-1]]
        manifest = orjson.loads(lines[-1])
        manifest["body_sha256"] = hashlib.sha256(b"".join(body)).hexdigest()
        return [*body, orjson.dumps(manifest) + b"\n"]

    bad = tmp_path / "bad.bak"
    _rewrite(good, bad, forge)
    target = open_store(f"sqlite:///{tmp_path}/dst.db", integrity_key=b"")
    try:
        with pytest.raises(InvalidDocument, match="not JSON") as caught:
            backup.restore(bad, target)
        assert caught.value.where == f"{bad}: line 3"
        assert not target.documents() and not target.record_collections()
    finally:
        target.close()


def _shapes(line: dict[str, Any]) -> list[dict[str, Any]]:
    """The document line with one value of the wrong kind or type each."""
    node, edge = line["nodes"][0], line["edges"][0]
    forged: list[dict[str, Any]] = []
    for nodes, edges in (
            ([["Planet", *node[1:]]], line["edges"]), ([[node[0], 7, node[2]]], line["edges"]),
            ([[node[0], node[1], ["x"]]], line["edges"]), ([node[:2]], line["edges"]),
            (line["nodes"], [["TOUCHES", *edge[1:]]]), (line["nodes"], [edge[:6]]),
            (line["nodes"], [[*edge[:6], 5]]), (line["nodes"], [[edge[0], "Moon", *edge[2:]]]),
            (line["nodes"], [[*edge[:4], {"k": 1}, *edge[5:]]]), ({"n": 1}, line["edges"])):
        forged.append({**line, "nodes": nodes, "edges": edges})
    forged.append({**line, "info": [1, *line["info"][1:]]})
    return forged


def test_document_lines_of_the_wrong_shape_are_refused_naming_the_line(
        tmp_path: Path, corpus: Path) -> None:
    """Without a key nothing vouches for the archive's values: a kind this release does not
    know or a value of the wrong type is refused at its line, and the target stays empty."""
    source = open_store(f"sqlite:///{tmp_path}/source.db", integrity_key=b"")
    populate(source, corpus)
    good = [backup.document_line(b) for d in source.documents()
            if (b := source.export_document(d.digest)) is not None]
    source.close()
    for number, broken in enumerate(_shapes(good[1])):
        archive = unkeyed_archive(tmp_path / f"shape-{number}.plbak", [good[0], broken])
        target = open_store(f"sqlite:///{tmp_path}/target-{number}.db", integrity_key=b"")
        try:
            with pytest.raises(InvalidDocument, match="malformed") as caught:
                backup.restore(archive, target)
            assert caught.value.where == f"{archive}: line 3", number
            assert target.documents() == [] and sum(target.counts().values()) == 0
        finally:
            target.close()
