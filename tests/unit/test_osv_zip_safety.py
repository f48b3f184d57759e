"""OSV zip archives: a member whose path leaves the archive, a symbolic link or a zip
bomb (one huge member, or many merely large ones) refuses the
whole archive with the project's error, before any member is read or ingested."""

from __future__ import annotations

import io
import json
import stat
import zipfile
from pathlib import Path

import pytest

from provenance_linker.cli.feeds import iter_archive
from provenance_linker.cli.main import run
from provenance_linker.documents import Limits
from provenance_linker.errors import InvalidDocument

ADVISORY = json.dumps({"id": "TEST-2026-1", "modified": "2026-01-01T00:00:00Z",
                       "affected": [{"package": {"ecosystem": "npm", "name": "left-pad"},
                                     "versions": ["1.3.0"]}]}).encode()


def _zip(members: list[tuple[zipfile.ZipInfo | str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in members:
            archive.writestr(info, data)
    return buffer.getvalue()


def _symlink(name: str, target: str) -> tuple[zipfile.ZipInfo, bytes]:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info, target.encode()


CASES = {
    "climbing-path": [("ok.json", ADVISORY), ("../../etc/evil.json", ADVISORY)],
    "absolute-path": [("/tmp/evil.json", ADVISORY)],
    "windows-path": [("..\\..\\evil.json", ADVISORY)],
    "drive-path": [("C:/evil.json", ADVISORY)],
    "symlink": [("ok.json", ADVISORY), _symlink("link.json", "/etc/passwd")],
    "one-bomb-member": [("bomb.json", b" " * (20 * 1024 * 1024))],
    "many-large-members": [(f"m{i}.json", b" " * (900 * 1024)) for i in range(12)],
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_an_unsafe_archive_is_refused_whole(case: str, tmp_path: Path) -> None:
    path = tmp_path / f"{case}.zip"
    path.write_bytes(_zip(CASES[case]))
    results = list(iter_archive(path, Limits()))
    assert len(results) == 1, [r[0] for r in results]
    _, document, error = results[0]
    assert document is None and isinstance(error, InvalidDocument)
    assert str(path) in str(error)


def test_the_cli_ingests_nothing_from_an_unsafe_archive(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "feed.zip"
    path.write_bytes(_zip(CASES["symlink"]))
    db = f"sqlite:///{tmp_path}/g.db"
    assert run(["--db", db, "ingest", "advisories", str(path)]) == 1
    out = capsys.readouterr()
    assert "symbolic link" in out.out + out.err and "Traceback" not in out.out + out.err


def test_a_safe_archive_is_read(tmp_path: Path) -> None:
    path = tmp_path / "ok.zip"
    path.write_bytes(_zip([("a/TEST-2026-1.json", ADVISORY)]))
    results = list(iter_archive(path, Limits()))
    assert [r[2] for r in results] == [None]
