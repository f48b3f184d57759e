"""SPDX license expressions, parsed with `license-expression` (the SPDX license list it
ships): normalized text, the license ids in it, unknown ids, and whether a deny list
leaves any way to comply.

A package whose SBOM lists several licenses (CycloneDX `licenses` with more than one
entry) carries all of them: they are joined with AND. `NOASSERTION`/`NONE` and empty
values mean "no license stated".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from license_expression import (
    ExpressionError,
    LicenseSymbol,
    LicenseWithExceptionSymbol,
    Licensing,
    get_spdx_licensing,
)

from ..errors import ConfigError

NO_ASSERTION = frozenset({"NOASSERTION", "NONE", ""})
UNSTATED = "(none stated)"


@lru_cache(maxsize=1)
def _licensing() -> Licensing:
    return get_spdx_licensing()


@dataclass(frozen=True, slots=True)
class LicenseInfo:
    """One package's licenses as stated, parsed."""

    stated: tuple[str, ...]  # the SBOM's values, verbatim
    expression: str | None  # normalized SPDX expression (None: nothing stated or unparseable)
    licenses: tuple[str, ...]  # license ids in the expression (WITH exceptions kept whole)
    unknown: tuple[str, ...]  # ids not on the SPDX license list (LicenseRef-… included)
    error: str | None  # why the stated text is not an SPDX expression
    alternatives: tuple[frozenset[str], ...] = ()  # ways to comply: one set of ids each

    def as_dict(self) -> dict[str, Any]:
        return {"stated": list(self.stated), "expression": self.expression,
                "licenses": list(self.licenses), "unknown": list(self.unknown),
                "error": self.error}


def _symbols(node: Any) -> Iterable[Any]:
    if isinstance(node, LicenseSymbol | LicenseWithExceptionSymbol):
        yield node
        return
    for arg in getattr(node, "args", ()):
        yield from _symbols(arg)


def _symbol_text(symbol: Any) -> str:
    if isinstance(symbol, LicenseWithExceptionSymbol):
        return f"{symbol.license_symbol.key} WITH {symbol.exception_symbol.key}"
    return str(symbol.key)


def _base_key(symbol: Any) -> str:
    if isinstance(symbol, LicenseWithExceptionSymbol):
        return str(symbol.license_symbol.key)
    return str(symbol.key)


@lru_cache(maxsize=16384)
def parse(stated: tuple[str, ...]) -> LicenseInfo:
    """Parse the licenses an SBOM states for one package (cached: packages repeat)."""
    values = tuple(v.strip() for v in stated if v and v.strip().upper() not in NO_ASSERTION)
    if not values:
        return LicenseInfo(tuple(stated), None, (), (), None)
    text = " AND ".join(f"({v})" if len(values) > 1 else v for v in values)
    licensing = _licensing()
    try:
        expr = licensing.parse(text, validate=False, strict=False)
    except ExpressionError as exc:
        return LicenseInfo(tuple(stated), None, (), (), f"not an SPDX expression: {exc}")
    if expr is None:
        return LicenseInfo(tuple(stated), None, (), (), None)
    symbols = list(_symbols(expr))
    known = {k.lower() for k in _known_keys()}
    unknown = sorted({_base_key(s) for s in symbols if _base_key(s).lower() not in known})
    alternatives = tuple(frozenset(_symbol_text(s) for s in _symbols(term))
                         for term in _dnf_terms(licensing, expr))
    return LicenseInfo(tuple(stated), str(expr.render("{symbol.key}")),
                       tuple(sorted({_symbol_text(s) for s in symbols})), tuple(unknown),
                       None, alternatives)


@lru_cache(maxsize=1)
def _known_keys() -> frozenset[str]:
    return frozenset(str(k) for k in _licensing().known_symbols)


def is_license_id(text: str) -> bool:
    """Is `text` an id of the SPDX license list (any case)?"""
    return text.lower() in {k.lower() for k in _known_keys()}


def _dnf_terms(licensing: Licensing, expr: Any) -> list[Any]:
    """The OR-alternatives of the expression in disjunctive normal form."""
    dnf = licensing.dnf(expr)
    if isinstance(dnf, licensing.OR):
        return list(dnf.args)
    return [dnf]


def _matches(symbol_text: str, denied: frozenset[str]) -> bool:
    base = symbol_text.split(" WITH ", 1)[0]
    return symbol_text.lower() in denied or base.lower() in denied


def denial(info: LicenseInfo, deny: Sequence[str]) -> list[str]:
    """The denied ids that stop every way to comply with the package's licenses ([] when
    some alternative avoids the deny list). `GPL-3.0-only` denies
    `GPL-3.0-only WITH <exception>` too; name the whole `X WITH Y` to deny only that."""
    denied = frozenset(d.lower() for d in deny)
    if not info.alternatives:
        return []
    blocking: set[str] = set()
    for term in info.alternatives:
        hit = sorted(s for s in term if _matches(s, denied))
        if not hit:
            return []
        blocking.update(hit)
    return sorted(blocking)


def validate_ids(ids: Sequence[str], where: str) -> list[str]:
    """License ids for a policy: each must be an SPDX id (or LicenseRef-…)."""
    known = {k.lower(): k for k in _known_keys()}
    out = []
    for value in ids:
        text = str(value).strip()
        base = text.split(" WITH ", 1)[0].strip()
        if base.lower() not in known and not base.startswith("LicenseRef-"):
            raise ConfigError(f"{text!r} is not an SPDX license id", where=where,
                              hint="use ids of the SPDX license list, e.g. GPL-3.0-only")
        out.append(text)
    return out
