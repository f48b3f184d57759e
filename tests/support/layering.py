"""The import-direction rules of the package, and a checker over `ast`.

Layers, top to bottom; a module may import its own package and anything in a lower
layer. Two packages in the same layer may import each other only where `ALLOWED` names
the pair, and then only the listed modules (the imported package's named interface).
Packages listed here but absent from the tree are fine (they arrive from other work);
a package in the tree but not listed here is reported.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT_PACKAGE = "provenance_linker"

LAYERS: tuple[tuple[str, frozenset[str]], ...] = (
    ("adapters", frozenset({"cli", "api"})),
    ("demo", frozenset({"demo"})),
    ("queries", frozenset({"queries"})),
    ("domain", frozenset({"ingest", "vulns", "trust", "runtime", "registry", "ops", "jobs",
                          "access"})),
    ("graph", frozenset({"graph"})),
    ("store and formats", frozenset({"store", "formats"})),
    ("foundation", frozenset({"__init__", "errors", "model", "config", "purls", "documents",
                              "telemetry"})),
)

# (importer, imported) -> the imported package's modules the importer may use.
ALLOWED: Mapping[tuple[str, str], frozenset[str]] = {
    # ingest verifies evidence as it arrives and matches advisories against packages
    ("ingest", "trust"): frozenset({"trust.engine", "trust.evidence_nodes", "trust.outcome",
                                    "trust.slsa", "trust.trust_store"}),
    ("ingest", "vulns"): frozenset({"vulns.matcher", "vulns.ranges", "vulns.severity",
                                    "vulns.suppression", "vulns.version_check"}),
    # the verify gate rates findings as the queries do (alias-inherited severity)
    ("trust", "vulns"): frozenset({"vulns.graphview"}),
    # the queue worker ingests documents and audits what it did
    ("jobs", "ingest"): frozenset({"ingest.contract", "ingest.orchestrator"}),
    ("jobs", "access"): frozenset({"access.audit"}),
    # registry: fetched evidence is ingested through the orchestrator; --running reads
    # environments the way deployments name them; the worker runs image fetch jobs
    ("registry", "ingest"): frozenset({"ingest.contract", "ingest.orchestrator",
                                       "ingest.deployments"}),
    ("jobs", "registry"): frozenset({"registry.jobs"}),
    # trust changes (policies, bypass) are audited
    ("trust", "access"): frozenset({"access.audit"}),
    # runtime (docs/runtime.md): kubectl snapshots become workload facts; every new
    # document re-judges what runs now; verdicts are judged by trust's policy over its
    # evidence; quarantine and denials are audited; a vulnerability quarantine covers
    # its aliases
    ("ingest", "runtime"): frozenset({"runtime.environments", "runtime.images",
                                      "runtime.snapshot", "runtime.reevaluate"}),
    ("runtime", "trust"): frozenset({"trust.environment_policies", "trust.gather",
                                     "trust.policy", "trust.trust_store"}),
    ("runtime", "access"): frozenset({"access.audit"}),
    ("runtime", "vulns"): frozenset({"vulns.graphview"}),
    # operations (#17): backups carry the queue's pending jobs, `keys status` reads the
    # trust store, the worker's watch notifies new malicious packages
    ("ops", "jobs"): frozenset({"jobs.interface"}),
    ("ops", "trust"): frozenset({"trust.trust_store"}),
    ("ops", "vulns"): frozenset({"vulns.stats"}),
    # foundation modules build on each other in this order only
    ("config", "documents"): frozenset({"documents"}),
    ("config", "errors"): frozenset({"errors"}),
    ("documents", "errors"): frozenset({"errors"}),
    ("purls", "errors"): frozenset({"errors"}),
    ("model", "errors"): frozenset({"errors"}),
}

_LAYER_OF = {pkg: index for index, (_, pkgs) in enumerate(LAYERS) for pkg in pkgs}


@dataclass(frozen=True, slots=True)
class Import:
    importer: str  # dotted module path below the root package, e.g. "ingest.sbom"
    imported: str  # the same for the target, e.g. "graph.refs"
    line: int


def package_of(module: str) -> str:
    return module.split(".", 1)[0]


def module_name(path: Path, src: Path) -> str:
    parts = list(path.relative_to(src / ROOT_PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts.pop()
    return ".".join(parts)


def _known(target: str, modules: set[str]) -> str:
    """The longest prefix of `target` that is a module of the tree (names imported
    from a module are not modules)."""
    parts = target.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in modules:
            return candidate
        parts.pop()
    return "__init__"


def imports_of(src: Path) -> list[Import]:
    """Every import of the package by its own modules, lazy ones included."""
    files = sorted((src / ROOT_PACKAGE).rglob("*.py"))
    modules = {module_name(f, src) for f in files}
    found: list[Import] = []
    for path in files:
        module = module_name(path, src)
        is_package = path.name == "__init__.py"
        here = module.split(".") if module != "__init__" else []
        package = here if is_package else here[:-1]
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package[: len(package) - (node.level - 1)]
                    base_mod = ".".join([*base, *(node.module or "").split(".")]).strip(".")
                elif node.module and (node.module + ".").startswith(ROOT_PACKAGE + "."):
                    base_mod = node.module[len(ROOT_PACKAGE) + 1:]
                else:
                    continue
                for alias in node.names:
                    targets.append(f"{base_mod}.{alias.name}".strip("."))
            elif isinstance(node, ast.Import):
                targets = [a.name[len(ROOT_PACKAGE) + 1:] for a in node.names
                           if a.name.startswith(ROOT_PACKAGE + ".")]
            for target in targets:
                found.append(Import(module, _known(target, modules), node.lineno))
    return found


def packages_in(src: Path) -> set[str]:
    root = src / ROOT_PACKAGE
    return ({p.name for p in root.iterdir() if (p / "__init__.py").is_file()}
            | {p.stem for p in root.glob("*.py")})


def violations(imports: Iterable[Import], packages: Iterable[str]) -> list[str]:
    """Every import against the layering, every package missing from the table, and
    every cycle between packages or between modules."""
    imports = list(imports)
    problems = [f"package {p!r} is in no layer (add it to tests/support/layering.py)"
                for p in sorted(set(packages) - set(_LAYER_OF))]
    for imp in imports:
        src, dst = package_of(imp.importer), package_of(imp.imported)
        if src == dst or src not in _LAYER_OF or dst not in _LAYER_OF:
            continue
        if _LAYER_OF[dst] > _LAYER_OF[src]:
            continue
        allowed = ALLOWED.get((src, dst))
        if allowed is not None and imp.imported in allowed:
            continue
        if _LAYER_OF[dst] < _LAYER_OF[src]:
            why = "imports upward"
        elif allowed is None:
            why = "imports a package of its own layer without an allowed pair"
        else:
            why = "goes around the allowed interface " + ", ".join(sorted(allowed))
        problems.append(f"{imp.importer} (line {imp.line}) -> {imp.imported}: {why}")
    problems += [f"import cycle between packages: {' -> '.join(c)}"
                 for c in _cycles({(package_of(i.importer), package_of(i.imported))
                                   for i in imports})]
    problems += [f"import cycle between modules: {' -> '.join(c)}"
                 for c in _cycles({(i.importer, i.imported) for i in imports})]
    return problems


def _cycles(edges: set[tuple[str, str]]) -> list[list[str]]:
    """One cycle per strongly connected component with more than one node (Tarjan)."""
    graph: dict[str, set[str]] = {}
    for a, b in edges:
        if a != b:
            graph.setdefault(a, set()).add(b)
            graph.setdefault(b, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [_shortest_cycle(graph, set(c), c[0]) for c in components]


def _shortest_cycle(graph: Mapping[str, set[str]], component: set[str], start: str
                    ) -> list[str]:
    """The shortest path from `start` back to itself inside one component."""
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following: list[str] = []
        for node in frontier:
            for nxt in sorted(graph[node] & component):
                if nxt == start:
                    return [*paths[node], start]
                if nxt not in paths:
                    paths[nxt] = [*paths[node], nxt]
                    following.append(nxt)
        frontier = following
    raise AssertionError(f"{start} is in a component without a cycle")
