"""The explorer in a real headless Chromium against `serve` on loopback, over the demo
data: sign in, overview, search, the advisory graph (read from cytoscape's own model and
checked against the API's blast radius), the click path advisory → package → artifact →
running workload, SARIF export, roles, CSRF, CSP and session expiry."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
from playwright.sync_api import Browser, Page, expect

from provenance_linker.access import tokens
from provenance_linker.store import open_store

from ..support.browser import Screenshots
from ..support.service import Service, make_token, start_service

SCHEMA = Path(__file__).parents[1] / "fixtures/sarif/sarif-schema-2.1.0.json"
ADVISORY = "MAL-DEMO-2026-0001"  # through the base image: base image nodes in the graph


def _login(page: Page, base: str, token: str, target: str = "/ui/overview") -> None:
    page.goto(base + target)
    expect(page).to_have_url(f"{base}/ui/login?next={target.replace('/', '%2F')}"
                             "&reason=not%20signed%20in")
    page.fill("#token", token)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(base + target)


def _api(service: Service, path: str, **params: str) -> Any:
    with service.client(service.tokens["reader"]) as client:
        response = client.get(path, params=params)
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture
def page(browser: Browser) -> Any:
    context = browser.new_context(viewport={"width": 1280, "height": 800},
                                  accept_downloads=True)
    page = context.new_page()
    page.csp_errors = []  # type: ignore[attr-defined]
    page.on("console", lambda m: page.csp_errors.append(m.text)  # type: ignore[attr-defined]
            if "Content Security Policy" in m.text or "Refused" in m.text else None)
    yield page
    context.close()


def test_sign_in_overview_search_and_the_advisory_path(explorer: Service, page: Page,
                                                       screenshots: Screenshots) -> None:
    base = explorer.base_url
    page.goto(base + "/ui/login")
    screenshots.take(page, "login")
    _login(page, base, explorer.tokens["writer"])
    expect(page.locator("h1")).to_have_text("Overview")
    malicious = _api(explorer, "/v1/malicious")["findings"]
    expect(page.locator("#t-mal + p.big")).to_have_text(str(len(malicious)))
    expect(page.locator(".tile", has_text="Store")).to_contain_text("up")
    screenshots.take(page, "overview")

    # Search a purl without its version: every artifact whose current SBOM holds it.
    purl = "pkg:maven/org.apache.logging.log4j/log4j-core"
    page.fill("#quick-q", purl)
    page.press("#quick-q", "Enter")
    page.wait_for_url("**/ui/search?q=*")
    expected = _api(explorer, "/v1/search", q=purl)
    expect(page.locator("#matched")).to_contain_text("purl, any version")
    rows = page.locator("#package-results tbody tr")
    expect(rows).to_have_count(len(expected["packages"]))
    holders = {(a["names"] or [a["digest"]])[0] for p in expected["packages"]
               for a in p["artifacts"]}
    assert len(holders) >= 4
    for name in holders:
        expect(page.locator("#package-results")).to_contain_text(name)
    screenshots.take(page, "search")

    # The advisory's graph is cytoscape's model of the API's blast radius.
    page.goto(f"{base}/ui/advisory?id={ADVISORY}")
    page.wait_for_function("() => window.provenanceGraphTiming !== undefined")
    model = page.evaluate("""() => ({
        nodes: provenanceGraph.nodes().map(n => n.data()),
        edges: provenanceGraph.edges().map(e => [e.source().id(), e.target().id()])})""")
    radius = _api(explorer, "/v1/blast-radius", vuln=ADVISORY)
    kinds: dict[str, set[str]] = {}
    for node in model["nodes"]:
        kinds.setdefault(node["kind"], set()).add(node["key"])
    assert kinds["advisory"] == {radius["vulnerability"]["id"]}
    assert {p["purl"] for p in radius["packages"]} <= kinds["package"]
    via_base = {a["digest"] for a in radius["artifacts"] if a["via"] == "base image"}
    direct = {a["digest"] for a in radius["artifacts"] if a["via"] == "direct"}
    assert via_base and direct
    assert kinds["base-image"] == direct  # the base image lists the package itself
    assert kinds["artifact"] == via_base
    assert kinds["deployment"] == {d["key"] for d in radius["deployments"]}
    edges = {tuple(e) for e in model["edges"]}
    for d in radius["deployments"]:
        assert (f"artifact:{d['artifact']}", f"deployment:{d['key']}") in edges
    for digest in via_base:  # application image ← its base image
        assert any(src == f"artifact:{b}" and dst == f"artifact:{digest}"
                   for src, dst in edges for b in direct)
    root = f"advisory:{radius['vulnerability']['id']}"
    assert {(root, f"package:{p['purl']}") for p in radius["packages"]} <= edges
    expect(page.locator("#graph-status")).to_have_text(
        f"{len(model['nodes'])} nodes, {len(model['edges'])} edges")

    # Selecting a workload row (keyboard) highlights exactly its path.
    first = radius["deployments"][0]
    row = page.locator(f"#paths tr[data-key='{first['key']}']")
    row.focus()
    page.keyboard.press("Enter")
    highlighted = page.evaluate("() => provenanceGraph.nodes('.hl').map(n => n.id())")
    assert highlighted[0] == root and highlighted[-1] == f"deployment:{first['key']}"
    assert len(highlighted) >= 4
    screenshots.take(page, "advisory-graph")

    # Export SARIF from the page: a valid SARIF 2.1.0 log of the same blast radius.
    with page.expect_download() as download:
        page.click("#export-sarif")
    sarif = json.loads(Path(download.value.path()).read_text())
    jsonschema.Draft4Validator(json.loads(SCHEMA.read_text())).validate(sarif)
    assert len(sarif["runs"][0]["results"]) == len(radius["artifacts"])

    # Advisory → package → artifact → the workload running it.
    package = radius["packages"][0]["purl"]
    page.locator("#packages a", has_text=package).click()
    page.wait_for_url("**/ui/search?q=*")
    running = radius["deployments"][0]
    holder = next(a for a in radius["artifacts"] if a["digest"] == running["artifact"])
    page.locator("#package-results a", has_text=(holder["names"] or [holder["digest"]])[0]
                 ).first.click()
    page.wait_for_url("**/ui/artifact?ref=*")
    expect(page.locator("#running")).to_contain_text(running["key"])
    screenshots.take(page, "artifact")
    page.locator("#running a", has_text=running["key"]).click()
    page.wait_for_url("**/ui/deployments?*")
    anchor = "d-" + "".join(c if c.isalnum() or c in "_-" else "-" for c in running["key"])
    expect(page.locator(f"#{anchor}")).to_contain_text(running["name"])
    screenshots.take(page, "deployments")
    assert not page.csp_errors, page.csp_errors  # type: ignore[attr-defined]


def test_narrow_window_has_no_sideways_scroll(explorer: Service, browser: Browser,
                                              screenshots: Screenshots) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        _login(page, explorer.base_url, explorer.tokens["reader"])
        for target in ("/ui/overview", f"/ui/advisory?id={ADVISORY}", "/ui/deployments"):
            page.goto(explorer.base_url + target)
            width = page.evaluate("() => document.documentElement.scrollWidth")
            assert width <= 391, (target, width)
        page.goto(f"{explorer.base_url}/ui/advisory?id={ADVISORY}")
        page.wait_for_function("() => window.provenanceGraphTiming !== undefined")
        screenshots.take(page, "advisory-narrow")
    finally:
        context.close()


def test_reader_sees_pages_but_no_write_controls(explorer: Service, page: Page) -> None:
    base = explorer.base_url
    digest = _api(explorer, "/v1/trace", artifact="registry.acme.test/payments/api")[
        "artifact"]["digest"]
    _login(page, base, explorer.tokens["reader"])
    page.goto(f"{base}/ui/artifact?ref={digest}")
    expect(page.locator("#h-vulns")).to_be_visible()
    expect(page.locator("form[action='/ui/vex']")).to_have_count(0)
    expect(page.locator(".who")).to_contain_text("reader")
    # Even a hand-made POST with the session's CSRF token is refused for a reader.
    csrf = page.locator("form[action='/ui/logout'] input[name=csrf]").get_attribute("value")
    response = page.request.post(base + "/ui/vex", form={
        "artifact": digest, "vulnerability": "DEMO-2026-0001", "status": "not_affected",
        "justification": "component_not_present", "csrf": csrf or ""})
    assert response.status == 403


def test_writer_records_a_vex_statement_that_export_then_carries(explorer: Service,
                                                                 page: Page) -> None:
    base = explorer.base_url
    digest = _api(explorer, "/v1/trace", artifact="registry.acme.test/payments/api")[
        "artifact"]["digest"]
    _login(page, base, explorer.tokens["writer"])
    page.goto(f"{base}/ui/artifact?ref={digest}")
    form = page.locator("form.triage").filter(
        has=page.locator("input[name=vulnerability][value='DEMO-2026-0003']"))
    form.locator("select[name=status]").select_option("not_affected")
    form.locator("select[name=justification]").select_option(
        "vulnerable_code_not_in_execute_path")
    form.locator("input[name=statement]").fill("template helper unused")
    form.locator("button").click()
    page.wait_for_url("**/ui/artifact?ref=*")
    vex = _api(explorer, "/v1/export/vex", artifact=digest, format="openvex")
    statement = next(s for s in vex["statements"]
                     if s["vulnerability"]["name"] == "DEMO-2026-0003")
    assert statement["status"] == "not_affected"
    assert statement["justification"] == "vulnerable_code_not_in_execute_path"


def test_forms_without_csrf_and_pages_without_a_session_are_refused(explorer: Service
                                                                    ) -> None:
    base = explorer.base_url
    with httpx.Client(base_url=base, follow_redirects=False) as client:
        page = client.get("/ui/overview")
        assert page.status_code == 303 and page.headers["location"].startswith("/ui/login")
        login = client.get("/ui/login")
        assert "script-src 'self'" in login.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in login.headers["content-security-policy"]
        refused = client.post("/ui/login", data={"token": explorer.tokens["writer"],
                                                 "csrf": "forged"})
        assert refused.status_code == 403 and "plk_session" not in refused.headers.get(
            "set-cookie", "")
        bad_token = client.post("/ui/login", data={
            "token": "plk_nope_nope", "csrf": client.cookies.get("plk_login_csrf") or ""})
        assert bad_token.status_code == 401
        good = client.get("/ui/login")
        csrf = good.text.split('name="csrf" value="')[1].split('"')[0]
        signed = client.post("/ui/login", data={"token": explorer.tokens["writer"],
                                                "csrf": csrf, "next": "https://evil.test/"})
        assert signed.status_code == 303 and signed.headers["location"] == "/ui/overview"
        cookie = signed.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/ui" in cookie
        logout = client.post("/ui/logout", data={"csrf": "forged"})
        assert logout.status_code == 403
        assert client.get("/ui/overview").status_code == 200


def test_expired_or_revoked_session_goes_back_to_login(tmp_path: Path, browser: Browser
                                                       ) -> None:
    db_url = f"sqlite:///{tmp_path}/graph.db"
    token = make_token(db_url, "reader", "short-lived")
    service = start_service(tmp_path, db_url=db_url,
                            env={"PROVENANCE_UI_SESSION_SECONDS": "5"})
    context = browser.new_context()
    page = context.new_page()
    try:
        # Revoking the token ends its sessions at once.
        revoked_token = make_token(db_url, "reader", "revoked-soon")
        _login(page, service.base_url, revoked_token)
        store = open_store(db_url)
        try:
            tokens.revoke(store, revoked_token.split("_")[1], actor="test")
        finally:
            store.close()
        page.goto(service.base_url + "/ui/overview")
        expect(page.locator("[role=alert]")).to_have_text(
            "the token of this session was revoked")
        _login(page, service.base_url, token)
        expect(page.locator("h1")).to_have_text("Overview")
        cookie = next(c for c in context.cookies() if c["name"] == "plk_session")
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
        time.sleep(5.5)
        page.goto(service.base_url + "/ui/deployments")  # the browser dropped the cookie
        expect(page).to_have_url(service.base_url + "/ui/login?next=%2Fui%2Fdeployments"
                                 "&reason=not%20signed%20in")
        # A replayed cookie is refused by the server too: the session itself expired.
        context.add_cookies([{"name": "plk_session", "value": cookie["value"],
                              "url": service.base_url + "/ui/"}])
        page.goto(service.base_url + "/ui/deployments")
        expect(page).to_have_url(service.base_url + "/ui/login?next=%2Fui%2Fdeployments"
                                 "&reason=session%20expired")
        expect(page.locator("[role=alert]")).to_have_text("session expired")
    finally:
        context.close()
        service.stop()


def test_viewing_pages_is_not_verifying(explorer: Service) -> None:
    """Pages and downloads show verdicts without counting them as verifications."""
    base = explorer.base_url

    def verifications() -> list[str]:
        return sorted(line for line in httpx.get(base + "/metrics").text.splitlines()
                      if line.startswith("provenance_verifications_total{"))

    with httpx.Client(base_url=base, follow_redirects=False) as client:
        login = client.get("/ui/login")
        csrf = login.text.split('name="csrf" value="')[1].split('"')[0]
        assert client.post("/ui/login", data={"token": explorer.tokens["reader"],
                                               "csrf": csrf}).status_code == 303
        before = verifications()
        for path in ("/ui/artifact?ref=registry.acme.test/storefront/web",
                     "/ui/deployments", "/ui/export/incident?id=CVE-2021-44228",
                     "/ui/export/verify.sarif?ref=registry.acme.test/storefront/web"):
            assert client.get(path).status_code == 200, path
        assert verifications() == before
    with explorer.client(explorer.tokens["reader"]) as api:
        assert api.get("/v1/verify", params={
            "artifact": "registry.acme.test/storefront/web"}).status_code == 200
    assert verifications() != before  # the API's verify still counts
