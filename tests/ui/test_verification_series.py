"""The overview's verification outcomes over time come from the store: a verification
recorded by `verify` (a whole CLI process) and one through the API are still shown after
`serve` restarts; viewing pages adds none."""

from __future__ import annotations

import re
import subprocess
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import httpx
import orjson

from provenance_linker.demo.samples import cyclonedx_sbom

from ..support.service import BIN, Service, make_token, start_service


def _signed_in(service: Service, token: str) -> httpx.Client:
    client = httpx.Client(base_url=service.base_url, follow_redirects=False, timeout=30)
    login = client.get("/ui/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', login.text)
    assert csrf is not None
    assert client.post("/ui/login", data={"token": token,
                                           "csrf": csrf.group(1)}).status_code == 303
    return client


def _today_row(service: Service, token: str) -> list[str]:
    """The cells of today's row in the by-day table, [] when there is none."""
    with closing(_signed_in(service, token)) as client:
        html = client.get("/ui/overview").text
    table = html.split('id="verifications-by-day"', 1)[1].split("</table>", 1)[0]
    today = datetime.now(UTC).date().isoformat()
    for row in re.findall(r"<tr>(.*?)</tr>", table, re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        if cells and cells[0] == today:
            return cells
    return []


def test_outcomes_over_time_survive_a_restart(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path}/graph.db"
    image = cyclonedx_sbom("registry.test/shop/web:1", 4)
    sbom = tmp_path / "web.cdx.json"
    sbom.write_bytes(orjson.dumps(image.document))
    def cli(*args: str) -> int:
        return subprocess.run([str(BIN), "--db", db_url, *args], capture_output=True,
                              timeout=120).returncode
    assert cli("ingest", "sbom", str(sbom)) == 0
    assert cli("verify", "--artifact", image.name) == 1  # unsigned: a failure
    token = make_token(db_url, "reader", "viewer")

    service = start_service(tmp_path, db_url=db_url)
    try:
        # header, success, failure, bypassed
        assert _today_row(service, token)[1:] == ["0", "1", "0"]
        with service.client(token) as api:
            assert api.get("/v1/verify", params={"artifact": image.name}).status_code == 200
        assert _today_row(service, token)[1:] == ["0", "2", "0"]
        # a page's verdict is not a verification
        with closing(_signed_in(service, token)) as client:
            assert client.get("/ui/artifact", params={"ref": image.name}).status_code == 200
    finally:
        service.stop()

    restarted = start_service(tmp_path, db_url=db_url)
    try:
        assert _today_row(restarted, token)[1:] == ["0", "2", "0"]
        with closing(_signed_in(restarted, token)) as client:
            html = client.get("/ui/overview").text
        assert re.search(r'<p class="big">2 <span class="muted small">failed in 24 h', html)
        assert html.count('<rect class="o-failure"') == 2  # one bar by day, one by hour
    finally:
        restarted.stop()
