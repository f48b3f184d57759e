"""docs/runbooks.md works as written against what we ship: every PromQL line parses with
promtool (the spec's non-parsing form is shown as such), every `provenance-linker`
command it names exists, `keys status` finds expiring and revoked-but-used keys, the
verification log carries the alert's `artifact_name`, and the Neo4j 5 query it gives for
slow queries runs where `dbms.listQueries()` no longer exists."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from provenance_linker.cli.main import run
from provenance_linker.ops.key_status import key_status, nearest_expiry_rows
from provenance_linker.queries.unsigned import unsigned_gauge_rows
from provenance_linker.store import open_store

from ..support.neo4j_server import Neo4jServer

RUNBOOKS = Path(__file__).parents[2] / "docs" / "runbooks.md"
SPEC_FORM = 'rate(provenance_verifications_total{result="failure"}[5m]) by (artifact_type, ' \
            'failure_reason)'


def promql_lines() -> list[str]:
    return [b.strip() for b in re.findall(r"```promql\n(.*?)```", RUNBOOKS.read_text(), re.S)]


def promtool_parses(tmp_path: Path, expr: str) -> subprocess.CompletedProcess[str]:
    promtool = shutil.which("promtool")
    assert promtool, "promtool not installed: run scripts/system-deps.sh"
    rules = tmp_path / "check.yml"
    rules.write_text("groups:\n- name: runbook\n  rules:\n  - record: runbook:check\n"
                     f"    expr: {orjson.dumps(expr).decode()}\n")
    return subprocess.run([promtool, "check", "rules", str(rules)], capture_output=True,
                          text=True, timeout=60)


def test_every_promql_line_parses_except_the_spec_form_shown_as_such(tmp_path: Path) -> None:
    lines = promql_lines()
    assert SPEC_FORM in lines and len(lines) >= 6
    for expr in lines:
        done = promtool_parses(tmp_path, expr)
        if expr == SPEC_FORM:
            assert done.returncode != 0  # the spec's form, kept to say it does not parse
        else:
            assert done.returncode == 0, expr + done.stdout + done.stderr
    assert ('sum by (artifact_type, failure_reason) (rate(provenance_verifications_total'
            '{result="failure"}[5m]))') in lines


def documented_commands() -> list[list[str]]:
    commands = set()
    for snippet in re.findall(r"`(?:\./)?provenance-linker ([^`]+)`", RUNBOOKS.read_text()):
        words = []
        for word in shlex.split(snippet.replace("…", "")):
            if word.startswith(("-", "{", "<")) or word.isupper() or "/" in word:
                break
            words.append(word)
        commands.add(tuple(words))
    return [list(c) for c in sorted(commands)]


@pytest.mark.parametrize("words", documented_commands(), ids=" ".join)
def test_every_documented_command_exists(words: list[str],
                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert run([*words, "--help"]) == 0, words
    assert "Usage" in capsys.readouterr().out


def _public_key_pem() -> bytes:
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    return key.public_bytes(serialization.Encoding.PEM,
                            serialization.PublicFormat.SubjectPublicKeyInfo)


def test_keys_status_and_the_verification_log(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path}/graph.db"
    assert run(["--db", url, "demo", "--out", str(tmp_path / "samples")]) == 0
    assert run(["--db", url, "keys", "status"]) == 0
    # A key that expires in 10 days, and the demo's signing key revoked.
    pem = tmp_path / "soon.pem"
    pem.write_bytes(_public_key_pem())
    soon = (datetime.now(UTC) + timedelta(days=10)).isoformat()
    assert run(["--db", url, "keys", "add", str(pem), "--name", "soon",
                "--not-after", soon]) == 0
    store = open_store(url)
    try:
        demo_key = next(k for k, v in store.list_records("trust.keys") if v.get("name") != "soon")
    finally:
        store.close()
    assert run(["--db", url, "keys", "revoke", demo_key, "--reason", "leaked"]) == 0
    capsys.readouterr()
    assert run(["--db", url, "keys", "status", "--within-days", "30", "-o", "json"]) == 1
    report = orjson.loads(capsys.readouterr().out)
    assert [e["name"] for e in report["expiring"]] == ["soon"]
    assert [r["key"] for r in report["revoked_in_use"]] == [demo_key]
    assert report["revoked_in_use"][0]["signatures"] >= 1
    store = open_store(url)
    try:
        quiet = key_status(store, within_days=5, clock=lambda: datetime.now(UTC))
        assert quiet.expiring == [] and quiet.nearest_expiry is not None
        ((_, seconds),) = nearest_expiry_rows(store)
        assert 9 * 86400 < seconds <= 10 * 86400
        # The UnsignedArtifactInProduction alert's label, grepped for in the logs.
        artifact_name = unsigned_gauge_rows(store)[0][0]["artifact_name"]
    finally:
        store.close()
    capsys.readouterr()
    run(["--db", url, "verify", "--artifact", artifact_name, "--environment", "production"])
    lines = [orjson.loads(line) for line in capsys.readouterr().err.splitlines()
             if line.startswith("{")]
    failed = [ln for ln in lines if ln.get("event") == "verification failed"]
    assert failed and failed[0]["artifact_name"] == artifact_name
    assert failed[0]["component"] == "signature-verifier"


def test_neo4j_5_slow_query_command(neo4j_server: Neo4jServer) -> None:
    match = re.search(r'cypher-shell "(SHOW TRANSACTIONS[^"]+)"', RUNBOOKS.read_text())
    assert match, "the Neo4j 5 form is documented"
    with neo4j_server.driver().session() as session:
        rows = session.run(match.group(1).replace("> 1000", "> -1")).data()
        assert rows and {"transactionId", "currentQuery", "elapsedTime"} <= set(rows[0])
        with pytest.raises(Exception, match=r"dbms\.listQueries"):
            session.run("CALL dbms.listQueries() YIELD query, elapsedTimeMillis "
                        "WHERE elapsedTimeMillis > 1000 RETURN query").consume()


def test_the_runbooks_block_replicas_0_stops_the_workload_running(tmp_path: Path) -> None:
    """`kubectl patch deployment … replicas: 0`, seen in the next snapshot, leaves the
    Deployment recorded but running nothing (so UnsignedArtifactInProduction resolves)."""
    from provenance_linker.model import EdgeKind

    url = f"sqlite:///{tmp_path}/graph.db"
    assert run(["--db", url, "demo", "--out", str(tmp_path / "samples")]) == 0
    snapshot = orjson.loads((tmp_path / "samples/cluster-production.k8s.json").read_bytes())
    for item in snapshot["items"]:  # pods stay listed: only the replica count says zero
        if item["kind"] == "Deployment" and item["metadata"]["name"] == "storefront-web":
            item["spec"]["replicas"] = 0
    rescaled = tmp_path / "rescaled.k8s.json"
    rescaled.write_bytes(orjson.dumps(snapshot))
    store = open_store(url)
    try:
        assert "storefront-web" in [r["deployment"] for r, _ in unsigned_gauge_rows(store)]
    finally:
        store.close()
    assert run(["--db", url, "ingest", "deployments", str(rescaled)]) == 0
    store = open_store(url)
    try:
        # Its series is gone (the demo's other unsigned workload, in another cluster, stays).
        assert "storefront-web" not in [r["deployment"] for r, _ in unsigned_gauge_rows(store)]
        runs = store.edges([EdgeKind.RUNS])
        # The rescaled cluster (ingested without --cluster: "default") runs no storefront.
        assert runs and not [e for e in runs
                             if e.src.key.startswith("default/") and "storefront" in e.src.key]
    finally:
        store.close()


# Documented commands that need parts this test does not start, and the test that runs
# each against them (checked to contain the command).
RUN_ELSEWHERE = {
    "ingest image --running --environment production": (
        "tests/registry/test_evidence_e2e.py", '"--running"'),
    "verify --artifact REF --refresh": ("tests/registry/test_evidence_e2e.py", '"--refresh"'),
    "restore /backups/provenance-….plbak --db neo4j://…": (
        "tests/ops/test_backup.py", '"restore"'),
}


def test_every_documented_command_runs_against_the_system(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Each `provenance-linker` command of the runbooks, with its placeholders filled in,
    runs against a store holding the demo (or is run by the test named above): exit 0,
    or the exit the runbook gives it, and never a traceback."""
    from provenance_linker.jobs import open_queue, queue_url_for
    from provenance_linker.jobs.interface import new_job

    url = f"sqlite:///{tmp_path}/graph.db"
    assert run(["--db", url, "demo", "--out", str(tmp_path / "samples")]) == 0
    store = open_store(url)
    try:
        artifact = unsigned_gauge_rows(store)[0][0]["artifact_name"]
        (demo_key,) = [k for k, _ in store.list_records("trust.keys")]
    finally:
        store.close()
    queue = open_queue(queue_url_for(url, None))
    bad, _ = queue.enqueue(new_job("sbom", "broken.json", "sha256:" + "0" * 64, b"{not json",
                                   {}, {}, max_attempts=1))
    queue.close()
    new_pem = tmp_path / "NEW.pem"
    new_pem.write_bytes(_public_key_pem())
    backup = tmp_path / "FILE.plbak"
    # documented form → (argv as run, exit codes the runbook allows)
    runs: dict[str, tuple[list[str], set[int]]] = {
        "verify --artifact {{ $labels.artifact_name }}": (
            ["verify", "--artifact", artifact, "--environment", "production"], {1}),
        "query unsigned --environment production": (
            ["query", "unsigned", "--environment", "production"], {0}),
        "keys status --within-days 30": (["keys", "status", "--within-days", "30"], {0}),
        "keys status --within-days 14": (["keys", "status", "--within-days", "14"], {0}),
        "keys list": (["keys", "list"], {0}),
        "bypass enable …": (["bypass", "enable", "--duration", "30m", "--reason",
                             "INC-1 verifier outage"], {0}),
        "query vulns --artifact REF": (["query", "vulns", "--artifact", artifact], {0}),
        "query blast-radius ID": (["query", "blast-radius", "DEMO-2026-0001"], {0}),
        "query blast-radius MAL-…": (["query", "blast-radius", "MAL-DEMO-2026-0001"], {0}),
        "query malicious": (["query", "malicious"], {0}),
        "quarantine add --vulnerability MAL-… --reason …": (
            ["quarantine", "add", "--vulnerability", "MAL-DEMO-2026-0001", "--reason",
             "INC-2 malicious package"], {0}),
        "throttle enable --rate 50/s --burst 100": (
            ["throttle", "enable", "--rate", "50/s", "--burst", "100"], {0}),
        "queue status": (["queue", "status"], {0}),
        "worker": (["worker", "--max-jobs", "1", "--poll", "0.05"], {0}),
        "queue list --state dead": (["queue", "list", "--state", "dead"], {0}),
        "queue retry ID": (["queue", "retry", bad.id], {0}),
        "queue purge --stuck": (["queue", "purge", "--stuck"], {0}),
        "auth block --ip 203.0.113.7": (["auth", "block", "--ip", "203.0.113.7"], {0}),
        "audit verify": (["audit", "verify"], {0}),
        "audit list": (["audit", "list"], {0}),
        "integrity verify": (["integrity", "verify"], {2}),  # no key configured: says so
        "backup FILE": (["backup", str(backup)], {0}),
        "restore FILE --db URL": (["restore", str(backup), "--db",
                                   f"sqlite:///{tmp_path}/restored.db"], {0}),
        "store prune --superseded-before 2026-01-01 --archive /backups/pruned.plbak": (
            ["store", "prune", "--superseded-before", "2026-01-01", "--archive",
             str(tmp_path / "pruned.plbak")], {0}),
        "store size": (["store", "size"], {0}),
        "keys rotate OLD NEW.pem": (["keys", "rotate", demo_key, str(new_pem)], {0}),
    }
    documented = {" ".join(s.split()) for s in re.findall(
        r"`(?:\./)?provenance-linker ([^`]+)`", RUNBOOKS.read_text())}
    assert documented == set(runs) | set(RUN_ELSEWHERE), \
        f"runbook commands without a run here: {sorted(documented - set(runs))}"
    for form, (path, needle) in RUN_ELSEWHERE.items():
        assert needle in (Path(__file__).parents[2] / path).read_text(), form
    for form, (argv, codes) in runs.items():  # in the runbooks' order of use
        capsys.readouterr()
        code = run(["--db", url, *argv])
        captured = capsys.readouterr()
        assert code in codes, (form, code, captured.err[-2000:])
        assert "Traceback" not in captured.err + captured.out, form
        if form == "worker":
            assert run(["--db", url, "queue", "status", "-o", "json"]) == 0
            assert orjson.loads(capsys.readouterr().out)["counts"] == {"dead": 1}
