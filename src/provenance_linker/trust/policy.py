"""Verification policy: checks (a Protocol) composed with AllOf/AnyOf, from YAML.

Every check returns pass/fail with the evidence it used (which key or identity, which
builder, which advisory). Composites refuse an empty list; anything unsafe is named
`Unsafe…`. Signature validity is re-judged here at verify time (revocation, rotation,
validity windows, trusted identities), never taken from ingest alone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

import yaml

from ..errors import ConfigError, InvalidDocument
from ..formats.failures import reject_lone_surrogates
from ..formats.license_expressions import denial, parse, validate_ids
from .gather import ALL_PARTS, BUILDS, SBOM, SIGNATURES, VULNERABILITIES, Evidence
from .keys import TrustedIdentity, TrustedKey

SEVERITIES = ("none", "low", "medium", "high", "critical")
NOT_AFFECTED = {"not_affected", "fixed", "false_positive"}


@dataclass(frozen=True, slots=True)
class Trust:
    """What verify time knows: the trust store now and the current time."""

    keys: Sequence[TrustedKey]
    identities: Sequence[TrustedIdentity]
    now: datetime


@dataclass(frozen=True, slots=True)
class CheckResult:
    check: str
    passed: bool
    detail: str
    evidence: list[dict[str, Any]] = field(default_factory=list)
    children: list[CheckResult] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"check": self.check, "passed": self.passed, "detail": self.detail,
                "evidence": self.evidence, "children": [c.as_dict() for c in self.children]}


class Check(Protocol):
    @property
    def name(self) -> str: ...

    def evaluate(self, evidence: Evidence, trust: Trust) -> CheckResult: ...


def judge_signature(sig: Mapping[str, Any], trust: Trust) -> tuple[bool, str]:
    """Is this stored, verified-at-ingest signature acceptable now, and by whom?"""
    if sig.get("status") != "valid":
        return False, f"{sig.get('status')}: {sig.get('reason')}"
    if sig.get("signer_kind") == "key":
        key = next((k for k in trust.keys if k.id == sig.get("key_id")), None)
        if key is None:
            return False, f"key {sig.get('key_id')} is no longer in the trust store"
        reason = key.invalid_reason(sig.get("signed_at"))
        return (False, reason) if reason else (True, f"key {key.name} ({key.id[:16]})")
    issuer, subject = sig.get("issuer"), sig.get("subject")
    if any(i.matches(issuer, subject) for i in trust.identities):
        return True, f"identity {subject} (issuer {issuer})"
    return False, f"identity {subject} (issuer {issuer}) is not a trusted identity"


@dataclass(frozen=True, slots=True)
class SignedBy:
    """At least one valid signature or verified attestation by a trusted key or
    identity (optionally restricted to these key ids/names and identities)."""

    keys: tuple[str, ...] = ()
    identities: tuple[TrustedIdentity, ...] = ()
    name: str = "signed-by"

    def evaluate(self, evidence: Evidence, trust: Trust) -> CheckResult:
        allowed = Trust(trust.keys, [*trust.identities, *self.identities], trust.now)
        seen: list[dict[str, Any]] = []
        for sig in evidence.signatures:
            ok, why = judge_signature(sig, allowed)
            if ok and self.keys and sig.get("signer_kind") == "key":
                ok = sig.get("key_id") in self.keys or sig.get("key_name") in self.keys
                why = why if ok else f"{why} is not among {', '.join(self.keys)}"
            if ok and self.identities and not self.keys and sig.get("signer_kind") != "key":
                ok = any(i.matches(sig.get("issuer"), sig.get("subject"))
                         for i in self.identities)
            seen.append({"node": sig["node"], "key": sig["key"], "format": sig.get("format"),
                         "valid": ok, "signer": why, "signed_at": sig.get("signed_at"),
                         "log_index": sig.get("log_index")})
        good = [s for s in seen if s["valid"]]
        if good:
            return CheckResult(self.name, True, f"signed by {good[0]['signer']}", seen)
        detail = "no signature or attestation" if not seen else (
            "no acceptable signature: " + "; ".join(s["signer"] for s in seen[:3]))
        return CheckResult(self.name, False, detail, seen)


def _match(patterns: Sequence[str], value: str | None) -> bool:
    return not patterns or (value is not None and any(
        re.fullmatch(p, value) is not None for p in patterns))


@dataclass(frozen=True, slots=True)
class ProvenanceFrom:
    """Verified SLSA provenance from one of these builders and source repositories,
    with a ref (branch or tag) matching a pattern. Patterns are regular expressions."""

    builders: tuple[str, ...] = ()
    repositories: tuple[str, ...] = ()
    refs: tuple[str, ...] = ()
    name: str = "provenance"

    def evaluate(self, evidence: Evidence, trust: Trust) -> CheckResult:
        seen = []
        for build in evidence.builds:
            sources = build.get("sources") or [{}]
            repo = build.get("source_repository") or sources[0].get("repository")
            ref = build.get("source_ref") or sources[0].get("ref")
            ok = (bool(build.get("verified")) and _match(self.builders, build.get("builder_id"))
                  and _match(self.repositories, repo) and _match(self.refs, ref))
            seen.append({"build": build["key"], "builder": build.get("builder_id"),
                         "repository": repo, "ref": ref,
                         "commit": build.get("source_commit") or sources[0].get("commit"),
                         "verified": bool(build.get("verified")), "accepted": ok})
        good = [s for s in seen if s["accepted"]]
        if good:
            g = good[0]
            return CheckResult(self.name, True, f"built by {g['builder']} from {g['repository']}"
                               f"@{g['commit'] or g['ref']}", seen)
        return CheckResult(self.name, False, "no verified provenance" if not seen else
                           "no verified provenance from an allowed builder/source", seen)


@dataclass(frozen=True, slots=True)
class SbomPresent:
    name: str = "sbom-present"

    def evaluate(self, evidence: Evidence, trust: Trust) -> CheckResult:
        if evidence.sbom is None:
            return CheckResult(self.name, False, "no SBOM describes the artifact")
        return CheckResult(self.name, True, f"SBOM {evidence.sbom['digest']} "
                           f"({evidence.sbom.get('packages')} packages)", [evidence.sbom])


def _active(vuln: Mapping[str, Any]) -> bool:
    vex = vuln.get("vex") or {}
    return not vuln.get("withdrawn") and vex.get("status") not in NOT_AFFECTED


@dataclass(frozen=True, slots=True)
class NoMaliciousPackages:
    name: str = "no-malicious-packages"

    def evaluate(self, evidence: Evidence, trust: Trust) -> CheckResult:
        bad = [{"advisory": v["id"], "package": v["package"]}
               for v in evidence.vulnerabilities if v.get("malicious") and _active(v)]
        return CheckResult(self.name, not bad, f"{len(bad)} malicious packages" if bad
                           else "no malicious package", bad)


@dataclass(frozen=True, slots=True)
class NoVulnerabilities:
    """No vulnerability at or above `at_or_above` unless VEX says not affected."""

    at_or_above: str = "critical"
    name: str = "no-vulnerabilities"

    def evaluate(self, evidence: Evidence, trust: Trust) -> CheckResult:
        floor = SEVERITIES.index(self.at_or_above)
        bad = [{"advisory": v["id"], "package": v["package"], "severity": v.get("severity")}
               for v in evidence.vulnerabilities if _active(v)
               and str(v.get("severity") or "").lower() in SEVERITIES
               and SEVERITIES.index(str(v["severity"]).lower()) >= floor]
        return CheckResult(self.name, not bad, f"{len(bad)} vulnerabilities at or above "
                           f"{self.at_or_above}" if bad else
                           f"none at or above {self.at_or_above}", bad)


@dataclass(frozen=True, slots=True)
class LicensesAllowed:
    """No package of the current SBOM whose license expression can only be met with a
    denied license (`MIT OR GPL-3.0-only` passes a GPL-3.0-only deny: MIT is a way out).
    With `unknown: deny`, ids off the SPDX list and unparseable expressions fail too."""

    deny: tuple[str, ...]
    allow_unknown: bool = True
    name: str = "licenses"

    def evaluate(self, evidence: Evidence, trust: Trust) -> CheckResult:
        bad: list[dict[str, Any]] = []
        for pkg in evidence.load_packages():
            info = parse(tuple(pkg.get("licenses") or ()))
            blocked = denial(info, self.deny)
            if blocked:
                bad.append({"package": pkg["purl"], "expression": info.expression,
                            "denied": blocked})
            elif not self.allow_unknown and (info.unknown or info.error):
                bad.append({"package": pkg["purl"], "expression": info.expression,
                            "unknown": list(info.unknown), "error": info.error})
        return CheckResult(self.name, not bad, f"{len(bad)} packages with a denied or "
                           "unknown license" if bad else
                           f"no package needs {', '.join(self.deny)}", bad)


@dataclass(frozen=True, slots=True)
class SignatureMaxAge:
    days: int
    name: str = "signature-max-age"

    def evaluate(self, evidence: Evidence, trust: Trust) -> CheckResult:
        times = sorted((str(s["signed_at"]) for s in evidence.signatures
                        if s.get("status") == "valid" and s.get("signed_at")), reverse=True)
        if not times:
            return CheckResult(self.name, False, "no valid signature with a signing time")
        age = trust.now - datetime.fromisoformat(times[0])
        ok = age <= timedelta(days=self.days)
        return CheckResult(self.name, ok, f"newest signature {age.days} days old "
                           f"(limit {self.days})", [{"signed_at": times[0]}])


@dataclass(frozen=True, slots=True)
class UnsafeAlwaysPass:
    """Passes whatever the evidence: for lab environments only."""

    name: str = "unsafe-always-pass"

    def evaluate(self, evidence: Evidence, trust: Trust) -> CheckResult:
        return CheckResult(self.name, True, "UNSAFE: passes without looking at evidence")


@dataclass(frozen=True, slots=True)
class AllOf:
    checks: tuple[Check, ...]
    name: str = "all-of"

    def __post_init__(self) -> None:
        if not self.checks:
            raise ConfigError("all-of needs at least one check")

    def evaluate(self, evidence: Evidence, trust: Trust) -> CheckResult:
        results = [c.evaluate(evidence, trust) for c in self.checks]
        failed = [r.check for r in results if not r.passed]
        return CheckResult(self.name, not failed, "all passed" if not failed else
                           "failed: " + ", ".join(failed), children=results)


@dataclass(frozen=True, slots=True)
class AnyOf:
    checks: tuple[Check, ...]
    name: str = "any-of"

    def __post_init__(self) -> None:
        if not self.checks:
            raise ConfigError("any-of needs at least one check")

    def evaluate(self, evidence: Evidence, trust: Trust) -> CheckResult:
        results = [c.evaluate(evidence, trust) for c in self.checks]
        passed = [r.check for r in results if r.passed]
        return CheckResult(self.name, bool(passed), "passed: " + ", ".join(passed) if passed
                           else "none passed", children=results)


# The evidence each check reads (`trust.gather` parts): the verdict paths gather only
# what their policies read. A check not listed here is given everything.
_READS: dict[type, frozenset[str]] = {
    SignedBy: frozenset({SIGNATURES}),
    ProvenanceFrom: frozenset({BUILDS}),
    SbomPresent: frozenset({SBOM}),
    NoMaliciousPackages: frozenset({VULNERABILITIES}),
    NoVulnerabilities: frozenset({VULNERABILITIES}),
    LicensesAllowed: frozenset({SBOM}),  # its packages are those of the current SBOM
    SignatureMaxAge: frozenset({SIGNATURES}),
    UnsafeAlwaysPass: frozenset(),
}


def evidence_read(check: Check) -> frozenset[str]:
    """The parts of an artifact's evidence that judging it by `check` reads."""
    if isinstance(check, AllOf | AnyOf):
        return frozenset().union(*(evidence_read(c) for c in check.checks))
    return _READS.get(type(check), ALL_PARTS)


DEFAULT_POLICY = """\
# The default policy (used when --policy is not given).
all-of:
  - signed-by: {}            # a valid signature/attestation by a trusted key or identity
  - sbom-present: {}
  - no-malicious-packages: {}
  - no-vulnerabilities: {at-or-above: critical}
"""


def load_policy(text: str, where: str = "policy") -> Check:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"policy is not YAML: {exc}", where=where) from exc
    try:
        reject_lone_surrogates(text, data, where)
    except InvalidDocument as exc:
        raise ConfigError(exc.message, where=exc.where) from exc
    return _build(data, where)


def _build(node: Any, where: str) -> Check:
    if not isinstance(node, dict) or len(node) != 1:
        raise ConfigError("each policy entry is a mapping with exactly one check name",
                          where=where)
    (name, args), = node.items()
    args = {} if args is None else args
    place = f"{where}: {name}"
    if name in ("all-of", "any-of"):
        if not isinstance(args, list):
            raise ConfigError(f"{name} takes a list of checks", where=place)
        children = tuple(_build(c, f"{place}[{i}]") for i, c in enumerate(args))
        if not children:
            raise ConfigError(f"{name} needs at least one check", where=place)
        return AllOf(children) if name == "all-of" else AnyOf(children)
    if not isinstance(args, dict):
        raise ConfigError("check arguments must be a mapping", where=place)
    try:
        match name:
            case "signed-by":
                idents = tuple(TrustedIdentity(f"policy:{i}", str(x["issuer"]), str(x["subject"]),
                                               bool(x.get("regex", False)))
                               for i, x in enumerate(args.get("identities", [])))
                return SignedBy(tuple(str(k) for k in args.get("keys", [])), idents)
            case "provenance":
                return ProvenanceFrom(tuple(args.get("builders", [])),
                                      tuple(args.get("repositories", [])),
                                      tuple(args.get("refs", [])))
            case "sbom-present":
                return SbomPresent()
            case "no-malicious-packages":
                return NoMaliciousPackages()
            case "no-vulnerabilities":
                level = str(args.get("at-or-above", "critical")).lower()
                if level not in SEVERITIES:
                    raise ConfigError(f"unknown severity {level}", where=place)
                return NoVulnerabilities(level)
            case "licenses":
                deny = args.get("deny", [])
                if not isinstance(deny, list) or not deny:
                    raise ConfigError("licenses needs `deny: [SPDX ids]`", where=place)
                unknown = str(args.get("unknown", "allow")).lower()
                if unknown not in ("allow", "deny"):
                    raise ConfigError(f"unknown: {unknown} is neither allow nor deny",
                                      where=place)
                return LicensesAllowed(tuple(validate_ids(deny, place)), unknown == "allow")
            case "signature-max-age":
                return SignatureMaxAge(int(args["days"]))
            case "unsafe-always-pass":
                return UnsafeAlwaysPass()
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"bad arguments: {exc}", where=place) from exc
    raise ConfigError(f"unknown check {name!r}", where=place)
