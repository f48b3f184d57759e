"""Everything the operational spec (alerting-runbooks.md) names exists: alerts, metric
names and labels (from telemetry/metrics.py), log events and components (from
telemetry/events.py), `provenance-linker` commands and options (via --help), and the
Kubernetes objects its kubectl commands address."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from provenance_linker.cli.main import run
from provenance_linker.telemetry import events, metrics
from provenance_linker.telemetry import logging as tlog

ROOT = Path(__file__).parents[2]
DEPLOY = ROOT / "deploy"
ALERT_SECTIONS = ("## Supply Chain Security Alerts", "## System Performance Alerts",
                  "## Infrastructure Alerts", "## Security Incident Alerts")


@pytest.fixture(scope="module")
def spec(corpus: Path) -> str:
    path = corpus.parent / "spec" / "alerting-runbooks.md"
    assert path.is_file(), f"spec not found at {path}"
    return path.read_text(encoding="utf-8")


def _alert_sections(spec: str) -> dict[str, str]:
    """Alert name -> its runbook text (### headings under the alert chapters)."""
    sections: dict[str, str] = {}
    chapter = ""
    current = None
    for line in spec.splitlines():
        if line.startswith("## "):
            chapter = line.strip()
            current = None
        elif line.startswith("### ") and chapter in ALERT_SECTIONS:
            current = line[4:].strip()
            sections[current] = ""
        elif current is not None:
            sections[current] += line + "\n"
    return sections


def _rules() -> dict[str, dict[str, object]]:
    doc = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text())
    return {r["alert"]: r for g in doc["groups"] for r in g["rules"]}


def _metric_and_labels(name: str) -> tuple[str, set[str]]:
    for suffix in ("_bucket", "_count", "_sum"):
        base = name.removesuffix(suffix)
        if base != name and base in metrics.HISTOGRAMS:
            extra = {"le"} if suffix == "_bucket" else set()
            return base, set(metrics.METRIC_LABELS[base]) | extra
    assert name in metrics.METRIC_LABELS, f"metric {name} is not in telemetry/metrics.py"
    return name, set(metrics.METRIC_LABELS[name])


def _metrics_in(expr: str) -> list[str]:
    """Metric names of a PromQL expression (not functions, not label names)."""
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", expr)
    text = re.sub(r"\{[^}]*\}", " ", text)
    text = re.sub(r'"[^"]*"', " ", text)
    return [n for n in re.findall(r"\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()", text)
            if "_" in n]


def test_every_alert_has_a_rule_with_runbook(spec: str) -> None:
    sections = _alert_sections(spec)
    assert len(sections) == 10
    rules = _rules()
    assert set(sections) <= set(rules)  # rules of our own need a runbook too (below)
    runbooks = (ROOT / "docs" / "runbooks.md").read_text()
    for alert, rule in rules.items():
        annotations = rule["annotations"]
        assert isinstance(annotations, dict)
        assert annotations["runbook_url"] == f"docs/runbooks.md#{alert.lower()}"
        assert f"\n## {alert}\n" in runbooks
        labels = rule["labels"]
        assert isinstance(labels, dict) and labels["severity"] in ("critical", "warning", "info")


def test_promql_metrics_and_labels_exist(spec: str) -> None:
    queries = re.findall(r"promql:\s*(.+)", spec)
    assert len(queries) == 5
    seen = set()
    for query in queries:
        names = _metrics_in(query)
        assert names, query
        allowed: set[str] = set()
        for name in names:
            base, labels = _metric_and_labels(name)
            seen.add(base)
            allowed |= labels
            for selector in re.findall(re.escape(name) + r"\{([^}]*)\}", query):
                for label in re.findall(r"(\w+)\s*=~?", selector):
                    assert label in labels, f"{name} has no label {label}"
        for group in re.findall(r"\bby \(([^)]*)\)", query):
            for label in (x.strip() for x in group.split(",")):
                assert label in allowed, f"`by ({label})` in {query!r}"
    assert seen == {metrics.VERIFICATIONS_TOTAL, metrics.SBOM_VULNERABILITIES,
                    metrics.HTTP_REQUEST_DURATION_SECONDS, metrics.SBOM_PROCESSING_QUEUE_SIZE,
                    metrics.MALICIOUS_PACKAGES_DETECTED_TOTAL}


def test_alert_label_templates_come_from_the_rule_metrics(spec: str) -> None:
    rules = _rules()
    for alert, text in _alert_sections(spec).items():
        used = set(re.findall(r"\$labels\.(\w+)", text))
        if not used:
            continue
        expr = str(rules[alert]["expr"])
        labels = set().union(*(_metric_and_labels(n)[1] for n in _metrics_in(expr)))
        assert used <= labels, f"{alert}: {used - labels} not labels of {expr}"
    assert set(re.findall(r"\$labels\.(\w+)", spec)) == {"artifact_name", "deployment"}


def test_logged_strings_the_runbooks_grep_for(spec: str) -> None:
    greps = re.findall(r'grep "([^"]+)"', spec) + re.findall(r"grep ([A-Z]+)\b", spec)
    names = {v for k, v in vars(events).items() if k.isupper() and isinstance(v, str)}
    assert len(greps) == 5
    for pattern in greps:
        if pattern == "ERROR":
            stream = io.StringIO()
            tlog.configure(events.COMPONENT_PROCESSOR, stream=stream)
            try:
                tlog.get_logger().error("job_failed", job="x")
            finally:
                tlog.configure()
            line = json.loads(stream.getvalue())
            assert line["level"] == "ERROR" and line["component"] == "sbom-processor"
            continue
        for alternative in pattern.split("\\|"):
            assert any(alternative in name for name in names), alternative
    assert events.OUT_OF_MEMORY == "OutOfMemory" and "memory leak" in events.MEMORY_LEAK


def _manifests() -> list[dict[str, object]]:
    docs: list[dict[str, object]] = []
    for path in sorted((DEPLOY / "kubernetes").glob("*.yaml")):
        docs += [d for d in yaml.safe_load_all(path.read_text()) if d]
    return docs


def test_kubectl_targets_exist(spec: str) -> None:
    docs = _manifests()
    pod_labels: list[dict[str, str]] = []
    for d in docs:
        if d["kind"] in ("Deployment", "StatefulSet"):
            template = d["spec"]["template"]  # type: ignore[index]
            pod_labels.append(template["metadata"]["labels"])  # type: ignore[index]
    components = {v for k, v in vars(events).items() if k.startswith("COMPONENT_")}
    for key, value in re.findall(r"-l (\w+)=([\w-]+)", spec):
        assert any(labels.get(key) == value for labels in pod_labels), f"{key}={value}"
        if key == "component":
            assert value in components
    names = {(d["kind"], d["metadata"]["name"]) for d in docs}  # type: ignore[index]
    for deployment in re.findall(r"deployment/([\w-]+)", spec):
        assert ("Deployment", deployment) in names
    for pod in re.findall(r"\b(neo4j-0)\b", spec):
        assert ("StatefulSet", pod.rsplit("-", 1)[0]) in names
    host, port = re.findall(r"nc -zv (\S+) (\d+)", spec)[0]
    service = next(d for d in docs if d["kind"] == "Service" and
                   d["metadata"]["name"] == host)  # type: ignore[index]
    assert int(port) in [p["port"] for p in service["spec"]["ports"]]  # type: ignore[index]
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert "netcat" in dockerfile and "/app/provenance-linker" in dockerfile


def test_commands_the_runbooks_run(spec: str, capsys: pytest.CaptureFixture[str]) -> None:
    commands = re.findall(r"\./provenance-linker ([a-z][\w-]*(?: [a-z][\w-]*)*)((?: --[\w-]+)*)",
                          spec)
    assert commands
    for words, options in commands:
        capsys.readouterr()
        assert run([*words.split(), "--help"]) == 0, words
        text = capsys.readouterr().out
        for option in options.split():
            assert option in text, f"{words} has no {option}"


def test_commands_for_runbook_resolutions(capsys: pytest.CaptureFixture[str]) -> None:
    """The resolutions the runbooks ask for, as commands of this system."""
    for words in (["auth", "block"], ["auth", "unblock"], ["throttle", "enable"],
                  ["queue", "purge"], ["queue", "status"], ["audit", "verify"],
                  ["bypass"], ["keys"], ["serve"], ["worker"], ["tokens", "create"]):
        capsys.readouterr()
        assert run([*words, "--help"]) == 0, words


def test_promtool_check_and_unit_tests() -> None:
    promtool = shutil.which("promtool")
    assert promtool, "promtool not installed: run scripts/system-deps.sh"
    rules = DEPLOY / "prometheus"
    check = subprocess.run([promtool, "check", "rules", "alerts.yml"], cwd=rules,
                           capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stdout + check.stderr
    assert f"SUCCESS: {len(_rules())} rules found" in check.stdout
    unit = subprocess.run([promtool, "test", "rules", "alerts_test.yml"], cwd=rules,
                          capture_output=True, text=True, timeout=120)
    assert unit.returncode == 0, unit.stdout + unit.stderr
    assert "SUCCESS" in unit.stdout


def test_grafana_dashboard_queries_known_metrics() -> None:
    dashboard = json.loads((DEPLOY / "grafana" / "provenance-overview.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    used = {_metric_and_labels(n)[0] for e in exprs for n in _metrics_in(e)}
    assert used == set(metrics.ALL_METRIC_NAMES)
