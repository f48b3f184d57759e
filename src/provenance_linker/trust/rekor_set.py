"""The Rekor SignedEntryTimestamp cosign attaches to a signature (`Bundle` in `cosign
download signature` output): the log's promise that it integrated an entry for this
signature at `integratedTime`.

Checked offline against the transparency-log keys of every trusted root (the embedded
public-good root and stored ones): the SET must verify with the key whose id is the
entry's `logID`, over the canonical JSON of the entry (`body`, `integratedTime`, `logID`,
`logIndex`), and the entry's body must be for this very signature and payload. Then
`integratedTime` is a trusted upper bound on when the signature was made, so a key-signed
signature is judged at that time, not at ingest.

`verify_promise` is the one check of a SET, shared with Sigstore v0.1 bundles that carry
an inclusion promise but no inclusion proof (sigstore_promise.py).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.serialization import load_der_public_key

from .crypto import verify_signature

VERIFIED = "verified"
UNKNOWN_LOG = "unknown-log"  # no trusted root holds the log's key: nothing proven
INVALID = "invalid"


@dataclass(frozen=True, slots=True)
class EntryTimestamp:
    status: str
    reason: str
    log_index: int | None = None
    integrated_time: str | None = None  # ISO 8601, UTC


@dataclass(frozen=True, slots=True)
class LoggedEntry:
    """What a SET signs: the entry as the log returned it."""

    body: str  # base64 of the canonicalized body, exactly as logged
    integrated_time: int
    log_id: str  # hex sha256 of the log key's DER SubjectPublicKeyInfo
    log_index: int

    def canonical(self) -> bytes:
        """The entry's canonical JSON (keys sorted, no whitespace): what Rekor signs."""
        return orjson.dumps({"body": self.body, "integratedTime": self.integrated_time,
                             "logID": self.log_id, "logIndex": self.log_index},
                            option=orjson.OPT_SORT_KEYS)


@dataclass(frozen=True, slots=True)
class LogKey:
    der: bytes  # SubjectPublicKeyInfo
    valid_from: datetime | None
    valid_until: datetime | None

    def valid_at(self, at: datetime) -> bool:
        return ((self.valid_from is None or self.valid_from <= at)
                and (self.valid_until is None or at <= self.valid_until))


def log_keys(roots: Mapping[str, str]) -> dict[str, LogKey]:
    """hex sha256 of each trusted log key's DER -> the key, over every root's `tlogs`."""
    found: dict[str, LogKey] = {}
    for root_json in roots.values():
        try:
            tlogs = orjson.loads(root_json).get("tlogs") or []
        except (orjson.JSONDecodeError, AttributeError):
            continue
        for tlog in tlogs:
            try:
                der = base64.b64decode(tlog["publicKey"]["rawBytes"], validate=True)
                window = tlog["publicKey"].get("validFor") or {}
                key = LogKey(der, _time(window.get("start")), _time(window.get("end")))
            except (KeyError, TypeError, AttributeError, ValueError, binascii.Error):
                continue
            found[hashlib.sha256(der).hexdigest()] = key
    return found


def int64(value: Any) -> int:
    """An entry's integer field (Rekor's are int64); ValueError when out of range."""
    number = int(value)
    if not 0 <= number < 2**63:
        raise ValueError(f"{number} is not a non-negative 64-bit integer")
    return number


def _time(text: Any) -> datetime | None:
    return None if text is None else datetime.fromisoformat(str(text)).astimezone(UTC)


def verify_promise(entry: LoggedEntry, promise: bytes,
                   roots: Mapping[str, str]) -> EntryTimestamp:
    """The SET must verify with the key whose id is the entry's logID (so the logID is
    that key's), valid at the integrated time, over the entry's canonical JSON."""
    index = entry.log_index
    try:
        at = datetime.fromtimestamp(entry.integrated_time, UTC)
    except (OverflowError, OSError, ValueError):
        return EntryTimestamp(INVALID, f"integratedTime {entry.integrated_time} is not a time")
    log = log_keys(roots).get(entry.log_id.lower())
    if log is None:
        return EntryTimestamp(UNKNOWN_LOG, f"transparency log {entry.log_id[:16]}… is in no "
                              "trusted root: its timestamp proves nothing here",
                              index, at.isoformat())
    if not log.valid_at(at):
        return EntryTimestamp(INVALID, f"the key of transparency log {entry.log_id[:16]}… "
                              f"was not valid at the integrated time {at.isoformat()}",
                              index, at.isoformat())
    try:
        key = load_der_public_key(log.der)
    except (ValueError, UnsupportedAlgorithm):
        return EntryTimestamp(INVALID, "the trusted log key cannot be loaded")
    if not verify_signature(key, promise, entry.canonical()):  # type: ignore[arg-type]
        return EntryTimestamp(INVALID, "Rekor SignedEntryTimestamp does not verify with the "
                              f"key of transparency log {entry.log_id[:16]}…", index,
                              at.isoformat())
    return EntryTimestamp(VERIFIED, f"in transparency log at index {index}, integrated "
                          f"{at.isoformat()}", index, at.isoformat())


def check(bundle: Mapping[str, Any], signature: bytes, signed_sha256: str,
          roots: Mapping[str, str]) -> EntryTimestamp:
    """`signature` over data whose sha256 is `signed_sha256` (hex; the payload or blob)
    is what the entry must record."""
    try:
        payload = bundle["Payload"]
        body_b64, log_id = str(payload["body"]), str(payload["logID"])
        integrated, index = int64(payload["integratedTime"]), int64(payload["logIndex"])
        set_sig = base64.b64decode(str(bundle["SignedEntryTimestamp"]), validate=True)
        body = orjson.loads(base64.b64decode(body_b64, validate=True))
    except (KeyError, TypeError, ValueError, binascii.Error, orjson.JSONDecodeError):
        return EntryTimestamp(INVALID, "Bundle is not a Rekor SignedEntryTimestamp with "
                              "Payload{body, integratedTime, logID, logIndex}")
    promised = verify_promise(LoggedEntry(body_b64, integrated, log_id, index), set_sig,
                              roots)
    if promised.status != VERIFIED:
        return promised
    at = promised.integrated_time
    mismatch = _body_mismatch(body, signature, signed_sha256)
    if mismatch:
        return EntryTimestamp(INVALID, f"the log entry is not for this signature: {mismatch}",
                              index, at)
    return promised


def _body_mismatch(body: Any, signature: bytes, signed_sha256: str) -> str | None:
    """A hashedrekord (or rekord) entry names the signature and the signed data's
    sha256; both must be ours."""
    try:
        kind, spec = body["kind"], body["spec"]
        content = base64.b64decode(spec["signature"]["content"], validate=True)
        digest = spec["data"]["hash"]
    except (KeyError, TypeError, binascii.Error):
        return "unrecognised entry body"
    if kind not in ("hashedrekord", "rekord"):
        return f"entry kind {kind!r}"
    if content != signature:
        return "a different signature"
    if not isinstance(digest, dict) or digest.get("algorithm") != "sha256" or \
            digest.get("value") != signed_sha256:
        return "a different payload digest"
    return None
