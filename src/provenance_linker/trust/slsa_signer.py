"""Provenance bound to its signer (slsa-verifier's core check): SLSA provenance whose
builder id is a GitHub Actions workflow must be signed by that workflow.

The signer is the Fulcio certificate's Build Signer URI (else its SAN): the reusable
workflow that held the OIDC token. It must equal the builder id, except for the SLSA
framework's BYOB delegators, which sign on behalf of the tool workflow the provenance
names (its trust is then policy: `provenance-from` builders). Builder ids that are not
workflows (a hosted runner, Cloud Build) name no certificate identity to compare.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ..formats.evidence import EvidenceItem
from .outcome import INVALID, Outcome
from .slsa import is_provenance, parse_provenance

GITHUB_ACTIONS_ISSUER = "https://token.actions.githubusercontent.com"
_WORKFLOW = re.compile(r"https://github\.com/[^/]+/[^/]+/\.github/workflows/[^@/]+@\S+")
_DELEGATOR = re.compile(
    r"https://github\.com/slsa-framework/slsa-github-generator/\.github/workflows/"
    r"delegator_(generic|lowperms-generic)_slsa3\.yml@\S+")  # which refs to trust is policy


def builder_id_of(item: EvidenceItem) -> str | None:
    if item.statement is None or not is_provenance(item.predicate_type):
        return None
    predicate = item.statement.get("predicate")
    if not isinstance(predicate, dict):
        return None
    return parse_provenance(item.predicate_type or "", predicate).builder_id


def signer_mismatch(builder_id: str | None, outcome: Outcome) -> str | None:
    """Why the signature does not vouch for this builder, or None."""
    if builder_id is None or not _WORKFLOW.fullmatch(builder_id):
        return None
    if outcome.signer_kind != "identity":
        return None  # a key signs for whoever holds it: the key's trust is policy
    signer = outcome.build_signer or outcome.subject
    if outcome.issuer != GITHUB_ACTIONS_ISSUER:
        return (f"provenance builder id {builder_id} is a GitHub Actions workflow, but it "
                f"was signed by {signer} (issuer {outcome.issuer})")
    if signer == builder_id or (signer is not None and _DELEGATOR.fullmatch(signer)):
        return None
    return (f"provenance builder id {builder_id} does not match the signing certificate's "
            f"workflow {signer}")


def bind_to_signer(item: EvidenceItem, outcome: Outcome) -> Outcome:
    """A verified provenance signature stays valid only if its signer is the builder."""
    if not outcome.ok:
        return outcome
    reason = signer_mismatch(builder_id_of(item), outcome)
    return outcome if reason is None else replace(outcome, status=INVALID, reason=reason)
