"""OSV advisories (JSON and YAML) → `OsvRecord`. No I/O, no store.

Lenient where real feeds are loose (`versions: null`, no `modified`), strict about
shape: a malformed record is refused with the JSON path of the problem. YAML is read
with a safe loader that refuses aliases (no expansion bombs) and keeps timestamps as
the text written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import orjson
import yaml

from ..documents import Document, Format
from ..errors import InvalidDocument, LimitExceeded
from .options import ParseOptions

_PEP503 = re.compile(r"[-_.]+")
MALICIOUS_PREFIX = "MAL-"


@dataclass(frozen=True, slots=True)
class OsvAffected:
    ecosystem: str  # as written, e.g. "Debian:7"
    name: str  # normalized in the ecosystem's convention
    purl: str | None
    versions: tuple[str, ...]
    ranges: tuple[dict[str, Any], ...]


@dataclass(slots=True)
class OsvRecord:
    id: str
    modified: str
    published: str
    withdrawn: str
    aliases: list[str]
    related: list[str]
    summary: str
    affected: list[OsvAffected]
    malicious: bool
    raw: dict[str, Any] = field(repr=False)
    warnings: list[str] = field(default_factory=list)


def normalize_name(ecosystem: str, name: str) -> str:
    """OSV package names as purls.package_name writes them (PEP 503 for PyPI)."""
    base = ecosystem.split(":", 1)[0]
    if base == "PyPI":
        return _PEP503.sub("-", name).lower()
    return name


class _SafeNoAliasLoader(yaml.SafeLoader):
    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise yaml.constructor.ConstructorError(
                None, None, "YAML aliases are not accepted", None)
        return super().compose_node(parent, index)


def _timestamp_as_text(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    return str(loader.construct_scalar(node))  # type: ignore[arg-type]


_SafeNoAliasLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)


def load_yaml(text: str, where: str) -> Any:
    try:
        return yaml.load(text, Loader=_SafeNoAliasLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        place = f"line {mark.line + 1}" if mark is not None else "$"
        raise InvalidDocument(f"malformed YAML: {getattr(exc, 'problem', exc)}",
                              where=f"{where}: {place}") from exc


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _depth(value: Any, limit: int, where: str, level: int = 0) -> None:
    if level > limit:
        raise LimitExceeded(f"nesting deeper than {limit}", where=where)
    if isinstance(value, dict):  # plain JSON values here: concrete types are faster
        for v in value.values():
            _depth(v, limit, where, level + 1)
    elif isinstance(value, list):
        for v in value:
            _depth(v, limit, where, level + 1)


def _str_list(value: Any, path: str, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str | int | float) for v in value):
        raise InvalidDocument("expected a list of strings", where=f"{where}: {path}")
    return [str(v) for v in value]


def _affected(entry: Any, index: int, where: str, max_items: int) -> OsvAffected | None:
    path = f"$.affected[{index}]"
    if not isinstance(entry, Mapping):
        raise InvalidDocument("expected an object", where=f"{where}: {path}")
    package = entry.get("package")
    ranges = entry.get("ranges") or []
    if not isinstance(ranges, list):
        raise InvalidDocument("expected a list", where=f"{where}: {path}.ranges")
    for j, r in enumerate(ranges):
        if not isinstance(r, Mapping) or not isinstance(r.get("events", []), list):
            raise InvalidDocument("a range needs a type and a list of events",
                                  where=f"{where}: {path}.ranges[{j}]")
        for k, event in enumerate(r.get("events") or []):
            if not isinstance(event, Mapping):
                raise InvalidDocument("expected an object",
                                      where=f"{where}: {path}.ranges[{j}].events[{k}]")
    versions = _str_list(entry.get("versions"), f"{path}.versions", where)
    if len(versions) > max_items:
        raise LimitExceeded(f"{len(versions)} versions, over the limit of {max_items}",
                            where=f"{where}: {path}.versions")
    if package is None:
        return None  # a GIT-only entry without a package: nothing to match by name
    if not isinstance(package, Mapping):
        raise InvalidDocument("expected an object", where=f"{where}: {path}.package")
    ecosystem, name = package.get("ecosystem"), package.get("name")
    if not isinstance(ecosystem, str) or not isinstance(name, str) or not name:
        raise InvalidDocument("package needs an ecosystem and a name",
                              where=f"{where}: {path}.package")
    purl = package.get("purl")
    return OsvAffected(ecosystem, normalize_name(ecosystem, name),
                       purl if isinstance(purl, str) else None, tuple(versions),
                       tuple(dict(r) for r in ranges))


def record_from_object(obj: Any, where: str, options: ParseOptions) -> OsvRecord:
    if not isinstance(obj, Mapping):
        raise InvalidDocument("an OSV record is a JSON object", where=f"{where}: $")
    _depth(obj, options.limits.max_depth, where)
    vuln_id = obj.get("id")
    if not isinstance(vuln_id, str) or not vuln_id.strip():
        raise InvalidDocument("missing or empty id", where=f"{where}: $.id")
    affected_raw = obj.get("affected") or []
    if not isinstance(affected_raw, list):
        raise InvalidDocument("expected a list", where=f"{where}: $.affected")
    limit = options.limits.max_components
    if len(affected_raw) > limit:
        raise LimitExceeded(f"{len(affected_raw)} affected entries, over the limit of {limit}",
                            where=f"{where}: $.affected")
    warnings: list[str] = []
    affected = []
    for i, entry in enumerate(affected_raw):
        item = _affected(entry, i, where, limit)
        if item is not None:
            affected.append(item)
    modified = _text(obj.get("modified"))
    if not modified:
        if options.strict:
            raise InvalidDocument("missing modified", where=f"{where}: $.modified")
        warnings.append("record has no 'modified' time; revisions cannot be ordered")
    aliases = _str_list(obj.get("aliases"), "$.aliases", where)
    db = obj.get("database_specific")
    malicious = (vuln_id.startswith(MALICIOUS_PREFIX)
                 or any(a.startswith(MALICIOUS_PREFIX) for a in aliases)
                 or (isinstance(db, Mapping) and "malicious-packages-origins" in db))
    return OsvRecord(
        id=vuln_id.strip(), modified=modified, published=_text(obj.get("published")),
        withdrawn=_text(obj.get("withdrawn")), aliases=[a for a in aliases if a != vuln_id],
        related=_str_list(obj.get("related"), "$.related", where),
        summary=_text(obj.get("summary")) or _text(obj.get("details"))[:200],
        affected=affected, malicious=malicious, raw=dict(obj), warnings=warnings)


def parse(document: Document, options: ParseOptions) -> OsvRecord:
    text = document.text or document.data.decode("utf-8", errors="strict")
    if document.format == Format.OSV_YAML:
        obj = load_yaml(text, document.name)
    else:
        try:
            obj = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            raise InvalidDocument(f"malformed JSON: {exc}", where=document.name) from exc
    # Round-trip through JSON so YAML scalars become plain JSON values.
    obj = orjson.loads(orjson.dumps(obj, default=_text))
    return record_from_object(obj, document.name, options)
