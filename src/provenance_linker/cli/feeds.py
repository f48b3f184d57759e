"""Reading advisory feeds: files, directories, and OSV's per-ecosystem `all.zip`.

Each archive member is one document, named `archive.zip!member.json`. Archives are
bounded before anything is read: member count, each member's size, the total, and the
compression ratio (a zip bomb is refused as a whole, nothing from it is ingested).
Sizes are enforced again while reading, since headers can lie.
"""

from __future__ import annotations

import stat
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..documents import Document, Limits, load
from ..errors import InvalidDocument, LimitExceeded
from .files import expand, read_document

ZIP_MAGIC = b"PK\x03\x04"


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


def _unsafe(member: zipfile.ZipInfo) -> str | None:
    """Why a member is refused whatever its content: an absolute or climbing path, a
    symbolic link, or an encrypted entry (an archive is refused as a whole for any)."""
    name = member.filename.replace("\\", "/")
    parts = PurePosixPath(name).parts
    if name.startswith("/") or (len(name) > 1 and name[1] == ":") or ".." in parts:
        return "its path leaves the archive"
    if stat.S_ISLNK(member.external_attr >> 16):
        return "it is a symbolic link"
    if member.flag_bits & 0x1:
        return "it is encrypted"
    return None


def _check(archive: zipfile.ZipFile, where: str, limits: ArchiveLimits) -> list[zipfile.ZipInfo]:
    for member in archive.infolist():
        reason = _unsafe(member)
        if reason is not None:
            raise InvalidDocument(f"refusing the archive: member {member.filename!r}: {reason}",
                                  where=where)
    members = [m for m in archive.infolist() if not m.is_dir()]
    if len(members) > limits.max_members:
        raise LimitExceeded(f"archive has {len(members)} members, over the limit of "
                            f"{limits.max_members}", where=where)
    total = 0
    for m in members:
        if m.file_size > 1024 * 1024 and m.file_size > limits.max_ratio * max(m.compress_size, 1):
            raise LimitExceeded(f"member expands {m.file_size // max(m.compress_size, 1)}x; "
                                "refusing a likely zip bomb", where=f"{where}!{m.filename}")
        if m.file_size > limits.max_member_bytes:
            raise LimitExceeded(f"member is {m.file_size} bytes, over the limit of "
                                f"{limits.max_member_bytes}", where=f"{where}!{m.filename}")
        total += m.file_size
    packed = sum(m.compress_size for m in members)
    if total > 1024 * 1024 and total > limits.max_ratio * max(packed, 1):
        raise LimitExceeded(f"archive expands {total // max(packed, 1)}x; refusing a likely "
                            "zip bomb", where=where)
    if total > limits.max_total_bytes:
        raise LimitExceeded(f"archive expands to {total} bytes, over the limit of "
                            f"{limits.max_total_bytes}", where=where)
    return members


def iter_archive(path: Path, limits: Limits, archive_limits: ArchiveLimits | None = None
                 ) -> Iterator[tuple[Path, Document | None, Exception | None]]:
    """Every member of an OSV archive as a Document (errors per member)."""
    bounds = archive_limits or ArchiveLimits(max_member_bytes=min(limits.max_bytes,
                                                                  16 * 1024 * 1024))
    where = str(path)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        yield path, None, InvalidDocument(f"not a readable zip archive: {exc}", where=where)
        return
    with archive:
        try:
            members = _check(archive, where, bounds)
        except InvalidDocument as exc:
            yield path, None, exc
            return
        for member in members:
            label = Path(f"{where}!{member.filename}")
            try:
                with archive.open(member) as handle:
                    data = handle.read(bounds.max_member_bytes + 1)
                if len(data) > bounds.max_member_bytes or len(data) != member.file_size:
                    raise LimitExceeded("member size differs from its header",
                                        where=str(label))
                yield label, load(data, str(label), limits), None
            except (InvalidDocument, zipfile.BadZipFile, OSError, RuntimeError, zlib.error,
                    EOFError, NotImplementedError) as exc:
                error = exc if isinstance(exc, InvalidDocument) else InvalidDocument(
                    f"cannot read archive member: {exc}", where=str(label))
                yield label, None, error


def iter_feed_documents(paths: Sequence[Path], limits: Limits
                        ) -> Iterator[tuple[Path, Document | None, Exception | None]]:
    """Files and directories as `cli.files.iter_documents` reads them, with zip archives
    opened member by member."""
    for path in expand(paths):
        if is_zip(path):
            yield from iter_archive(path, limits)
            continue
        try:
            yield path, read_document(path, limits), None
        except InvalidDocument as exc:
            yield path, None, exc
