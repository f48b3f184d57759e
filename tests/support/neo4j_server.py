"""A real Neo4j 5 for the tests: tests/neo4j/Launcher.java on a free loopback port.

Started once per test session (on first use, stopped when the session ends), with
authentication on. `stop()` and `start()` take the database away and bring it back on
the same port with the same data, for outage tests. `clean()` empties the graph between
tests but keeps the schema, so each test starts from an empty, migrated database.
"""

from __future__ import annotations

import os
import queue
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest
from neo4j import Driver, GraphDatabase

NEO4J_DIR = Path(__file__).resolve().parents[1] / "neo4j"
USER = "neo4j"
PASSWORD = "provenance-test-password"
STARTUP_SECONDS = 180.0
# Deletes in batches (auto-commit), so a benchmark-sized graph fits the memory limit.
CLEAN = ("MATCH (n) WHERE NOT n:SchemaVersion "
         "CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS")
HEAP = os.environ.get("NEO4J_TEST_HEAP", "1g")  # transactions may use up to 70% of it
PAGE_CACHE = os.environ.get("NEO4J_TEST_PAGECACHE", "64m")  # test graphs are small


class Neo4jServer:
    def __init__(self, heap: str = HEAP, page_cache: str = PAGE_CACHE) -> None:
        self.home = Path(tempfile.mkdtemp(prefix="provenance-neo4j-"))
        self.uri = ""
        self._lines: queue.Queue[str] = queue.Queue()
        self._driver: Driver | None = None
        lib = NEO4J_DIR / "lib"
        if not (lib / ".complete").is_file():
            subprocess.run([str(NEO4J_DIR / "fetch.sh")], check=True)
        java = shutil.which("java")
        if java is None:
            raise RuntimeError("java not found: the Neo4j tests need Java 17 "
                               "(scripts/system-deps.sh installs it)")
        self._log = (self.home / "launcher.log").open("wb")
        self._proc = subprocess.Popen(
            [java, f"-Xmx{heap}", "-XX:+UseSerialGC", "-cp", str(lib / "*"),
             str(NEO4J_DIR / "Launcher.java"), str(self.home / "db")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log,
            env={**os.environ, "NEO4J_TEST_PASSWORD": PASSWORD,
                 "NEO4J_TEST_PAGECACHE": page_cache}, text=True, bufsize=1)
        threading.Thread(target=self._read_stdout, daemon=True).start()
        try:
            self.uri = self._expect("bolt://")
        except BaseException:
            self._proc.kill()  # a server that did not come up must not outlive the test
            self._proc.wait()
            self._log.close()
            raise

    def _read_stdout(self) -> None:
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            self._lines.put(line.strip())
        self._lines.put("")  # the process ended

    def _expect(self, prefix: str) -> str:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            try:
                line = self._lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                line = ""
            if line.startswith(prefix):
                return line
            if line == "" or time.monotonic() > deadline:
                log = (self.home / "launcher.log").read_text(errors="replace")[-4000:]
                raise RuntimeError(f"Neo4j test server did not answer {prefix!r}:\n{log}")

    def _send(self, command: str) -> None:
        assert self._proc.stdin is not None
        self._proc.stdin.write(command + "\n")
        self._proc.stdin.flush()

    @property
    def url(self) -> str:
        """The store URL (credentials in the URL so any store opened from it connects)."""
        host = self.uri.removeprefix("bolt://")
        return f"neo4j://{USER}:{PASSWORD}@{host}"

    def driver(self) -> Driver:
        if self._driver is None:
            self._driver = GraphDatabase.driver(self.uri, auth=(USER, PASSWORD),
                                                notifications_min_severity="OFF")
        return self._driver

    def stop(self) -> None:
        """Shut the database down (the port stops answering)."""
        self._send("stop")
        self._expect("stopped")

    def start(self) -> None:
        """Start it again on the same port with the same data."""
        self._send("start")
        self._expect("bolt://")

    def clean(self) -> None:
        """Delete every node and relationship, keeping constraints, indexes and the schema
        version node (so a store opened next needs no migration)."""
        with self.driver().session() as session:
            session.run(CLEAN).consume()

    def shutdown(self) -> None:
        if self._driver is not None:
            self._driver.close()
        if self._proc.poll() is None:
            assert self._proc.stdin is not None
            self._proc.stdin.close()
            try:
                self._proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._log.close()
        shutil.rmtree(self.home, ignore_errors=True)


_server: Neo4jServer | None = None


def shared_server(config: pytest.Config) -> Neo4jServer:
    """The session's server: started on first use, stopped when the session ends."""
    global _server
    if _server is None:
        _server = Neo4jServer()
        config.add_cleanup(_stop_shared)
    return _server


def _stop_shared() -> None:
    global _server
    if _server is not None:
        _server.shutdown()
        _server = None
