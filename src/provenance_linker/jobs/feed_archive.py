"""OSV feed archives (`all.zip`): checked as a whole before any member is read.

Refused outright (nothing from the archive is ingested): more members than allowed, a
member over its size limit, a total over the limit, a member that expands more than
`max_ratio` times (zip bomb), a member name that leaves the archive (absolute, `..`,
backslashes, drive letters, NUL), a symbolic link and an encrypted member; a whole
archive that expands more than `max_ratio` times. Sizes are enforced again while
reading, since headers can lie.
"""

from __future__ import annotations

import stat
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..errors import InvalidDocument, LimitExceeded

ZIP_MAGIC = b"PK\x03\x04"
RECORD_SUFFIXES = (".json", ".yaml", ".yml")


@dataclass(frozen=True, slots=True)
class ArchiveLimits:
    max_members: int = 1_000_000
    max_member_bytes: int = 16 * 1024 * 1024
    max_total_bytes: int = 8 * 1024 * 1024 * 1024
    max_ratio: int = 100  # uncompressed / compressed, for members over 1 MiB


def is_zip(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(4) == ZIP_MAGIC
    except OSError:
        return False


def unsafe_name(name: str) -> str | None:
    """Why a member name is unsafe to honour, or None."""
    if "\x00" in name or "\\" in name:
        return "a NUL or backslash in the name"
    path = PurePosixPath(name)
    if path.is_absolute() or (len(name) > 1 and name[1] == ":"):
        return "an absolute path"
    if ".." in path.parts:
        return "a '..' component (path traversal)"
    return None


def _is_symlink(member: zipfile.ZipInfo) -> bool:
    return member.create_system == 3 and stat.S_ISLNK(member.external_attr >> 16)


def check_members(archive: zipfile.ZipFile, where: str, limits: ArchiveLimits
                  ) -> list[zipfile.ZipInfo]:
    infos = archive.infolist()
    if len(infos) > limits.max_members:
        raise LimitExceeded(f"archive has {len(infos)} members, over the limit of "
                            f"{limits.max_members}", where=where)
    total = 0
    members = []
    for m in infos:
        label = f"{where}!{m.filename}"
        problem = unsafe_name(m.filename)
        if problem:
            raise InvalidDocument(f"unsafe member name: {problem}; refusing the archive",
                                  where=label)
        if _is_symlink(m):
            raise InvalidDocument("member is a symbolic link; refusing the archive",
                                  where=label)
        if m.flag_bits & 0x1:
            raise InvalidDocument("member is encrypted; refusing the archive", where=label)
        if m.is_dir():
            continue
        if m.file_size > 1024 * 1024 and m.file_size > limits.max_ratio * max(m.compress_size, 1):
            raise LimitExceeded(f"member expands {m.file_size // max(m.compress_size, 1)}x; "
                                "refusing a likely zip bomb", where=label)
        if m.file_size > limits.max_member_bytes:
            raise LimitExceeded(f"member is {m.file_size} bytes, over the limit of "
                                f"{limits.max_member_bytes}", where=label)
        total += m.file_size
        members.append(m)
    packed = sum(m.compress_size for m in members)
    if total > 1024 * 1024 and total > limits.max_ratio * max(packed, 1):
        # Many small members can make a bomb no single member reveals.
        raise LimitExceeded(f"archive expands {total // max(packed, 1)}x; refusing a likely "
                            "zip bomb", where=where)
    if total > limits.max_total_bytes:
        raise LimitExceeded(f"archive expands to {total} bytes, over the limit of "
                            f"{limits.max_total_bytes}", where=where)
    return members


def open_archive(path: Path, where: str, limits: ArchiveLimits
                 ) -> tuple[zipfile.ZipFile, list[zipfile.ZipInfo]]:
    """The archive and its checked members; raises (and closes it) when it is refused."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InvalidDocument(f"not a readable zip archive: {exc}", where=where) from exc
    try:
        return archive, check_members(archive, where, limits)
    except BaseException:
        archive.close()
        raise


def read_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, label: str,
                limits: ArchiveLimits) -> bytes:
    try:
        with archive.open(member) as handle:
            data = handle.read(limits.max_member_bytes + 1)
    except (zipfile.BadZipFile, OSError, RuntimeError, EOFError, zlib.error,
            NotImplementedError) as exc:
        raise InvalidDocument(f"cannot read archive member: {exc}", where=label) from exc
    if len(data) > limits.max_member_bytes or len(data) != member.file_size:
        raise LimitExceeded("member size differs from its header", where=label)
    return data


def iter_records(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo], where: str,
                 limits: ArchiveLimits) -> Iterator[tuple[str, bytes | None, Exception | None]]:
    """(label, bytes, error) for every record-like member (JSON/YAML); others skipped."""
    for member in members:
        if not member.filename.lower().endswith(RECORD_SUFFIXES):
            continue
        label = f"{where}!{member.filename}"
        try:
            yield label, read_member(archive, member, label, limits), None
        except (InvalidDocument, LimitExceeded) as exc:
            yield label, None, exc
