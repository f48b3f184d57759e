"""SPDX 2.x validation with spdx-tools, bounded in cost.

`--strict` always runs spdx-tools (its parser, then `validate_full_spdx_document`) and
refuses the document on the first problem. The default mode runs the same for documents
of up to FULL_VALIDATION_ELEMENTS elements; spdx-tools spends seconds on large real
files (5 s on a 1.4 MB syft SBOM), so bigger documents get our own required-field and
format checks instead, plus a warning saying so. Either way problems become warnings.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, cast

from ..documents import Document
from ..errors import InvalidDocument

FULL_VALIDATION_ELEMENTS = 2_000
MAX_PROBLEMS = 100
_CREATED = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
_REF_OK = re.compile(r"^(SPDXRef-[\w.\-]+|DocumentRef-[\w.\-]+:SPDXRef-[\w.\-]+|NONE|NOASSERTION)$")

Problem = tuple[str, str]  # (message, where)


def element_count(data: Any) -> int:
    if not isinstance(data, dict):
        return 0
    return sum(len(v) for k in ("packages", "files", "snippets", "relationships")
               if isinstance(v := data.get(k), list))


def validate_spdx(document: Document, data: Any, *, strict: bool,
                  build: Callable[[], Any] | None = None) -> list[str]:
    """Validate; raise InvalidDocument in strict mode, else return warning strings.

    `build` makes the spdx-tools model (default: its JSON-like dict parser over `data`).
    """
    if strict or element_count(data) <= FULL_VALIDATION_ELEMENTS:
        problems = spdx_tools_problems(build or (lambda: _dict_model(data)))
        checked_by = "spdx-tools"
    else:
        problems = structural_problems(data)
        checked_by = "checks"
    if strict and problems:
        message, where = problems[0]
        raise InvalidDocument(f"SPDX validation failed: {message}",
                              where=f"{document.name}: {where}")
    warnings = [f"{checked_by}: {where}: {message}" for message, where in problems]
    if not strict and checked_by == "checks":
        warnings.append(f"full spdx-tools validation skipped above {FULL_VALIDATION_ELEMENTS} "
                        "elements; required fields and formats were checked (use --strict "
                        "for the full validation)")
    return warnings


def _dict_model(data: Any) -> Any:
    from spdx_tools.spdx.parser.jsonlikedict.json_like_dict_parser import JsonLikeDictParser

    parser: Any = JsonLikeDictParser
    return parser().parse(data)


def _short(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"


def spdx_tools_problems(build: Callable[[], Any]) -> list[Problem]:
    from spdx_tools.spdx.parser.error import SPDXParsingError
    from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

    try:
        model = build()
    except SPDXParsingError as exc:
        messages: list[str] = cast(Any, exc).get_messages()
        return [(_short(m), "$") for m in messages[:MAX_PROBLEMS]]
    except Exception as exc:  # spdx-tools crashes on some real files
        return [(_short(f"spdx-tools cannot read the document ({type(exc).__name__}: {exc})"),
                 "$")]
    problems: list[Problem] = []
    for message in validate_full_spdx_document(model)[:MAX_PROBLEMS]:
        context = message.context
        where = (getattr(context, "spdx_id", None)
                 or str(getattr(context, "element_type", "") or "$"))
        problems.append((_short(message.validation_message), str(where)))
    return problems


def structural_problems(data: Any) -> list[Problem]:
    """Required fields and formats of SPDX 2.x (a subset of spdx-tools' validation)."""
    if not isinstance(data, dict):
        return [("document must be an object", "$")]
    problems: list[Problem] = []
    if data.get("SPDXID") != "SPDXRef-DOCUMENT":
        problems.append(("document SPDXID must be 'SPDXRef-DOCUMENT'", "$.SPDXID"))
    for key in ("name", "documentNamespace", "dataLicense"):
        if not isinstance(data.get(key), str):
            problems.append((f"document has no {key}", f"$.{key}"))
    creation = data.get("creationInfo")
    if not isinstance(creation, dict):
        problems.append(("document has no creationInfo", "$.creationInfo"))
    else:
        created = creation.get("created")
        if not isinstance(created, str) or not _CREATED.match(created):
            problems.append((f"created {created!r} is not YYYY-MM-DDThh:mm:ssZ",
                             "$.creationInfo.created"))
        if not creation.get("creators"):
            problems.append(("no creators provided", "$.creationInfo.creators"))
    for index, package in enumerate(data.get("packages") or []):
        for key in ("SPDXID", "name", "downloadLocation"):
            if not isinstance(package, dict) or not isinstance(package.get(key), str):
                problems.append((f"package has no {key}", f"$.packages[{index}]"))
    for index, file in enumerate(data.get("files") or []):
        if not isinstance(file, dict) or not isinstance(file.get("fileName"), str):
            problems.append(("file has no fileName", f"$.files[{index}]"))
        elif not any(isinstance(c, dict) and c.get("algorithm") == "SHA1"
                     for c in file.get("checksums") or []):
            problems.append(("file has no SHA1 checksum", f"$.files[{index}]"))
    for index, rel in enumerate(data.get("relationships") or []):
        if not isinstance(rel, dict) or not all(
                isinstance(rel.get(k), str) and _REF_OK.match(rel[k])
                for k in ("spdxElementId", "relatedSpdxElement")):
            problems.append(("relationship has an invalid element id",
                             f"$.relationships[{index}]"))
    return _grouped(problems)


def _grouped(problems: list[Problem], shown: int = 3) -> list[Problem]:
    """At most `shown` of each kind of problem, then one line counting the rest."""
    seen: dict[str, int] = {}
    out: list[Problem] = []
    for message, where in problems:
        seen[message] = seen.get(message, 0) + 1
        if seen[message] <= shown:
            out.append((message, where))
    out += [(f"{message} ({count - shown} more like this)", "$")
            for message, count in seen.items() if count > shown]
    return out[:MAX_PROBLEMS]
