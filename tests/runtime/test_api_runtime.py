"""/v1/quarantine (writer adds, admin removes, audited), /v1/running and /v1/history over
a live `serve`."""

from __future__ import annotations

from pathlib import Path

from provenance_linker.store import open_store

from ..support.service import make_token, start_service
from .helpers import deployment, digest_of, ingest, listing

WEB = digest_of("api-web")


def test_quarantine_roles_and_running(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path}/graph.db"
    store = open_store(db_url)
    ingest(store, listing(deployment("web", "shop-prod", f"reg.test/web@{WEB}")), "s.json")
    store.close()
    tokens = {r: make_token(db_url, r, f"{r}-user") for r in ("reader", "writer", "admin")}
    service = start_service(tmp_path, db_url=db_url)
    try:
        with service.client(tokens["reader"]) as reader:
            assert reader.post("/v1/quarantine", json={"artifact": WEB, "reason": "x"}
                               ).status_code == 403
            running = reader.get("/v1/running", params={"artifact": WEB}).json()
            assert running["workloads"] == 1
            hist = reader.get("/v1/history", params={"deployment": "shop-prod/Deployment/web"})
            assert hist.json()["running"] is True
            bad = reader.get("/v1/history", params={"deployment": "web"})
            assert bad.status_code == 400 and "NAMESPACE/KIND/NAME" in bad.text
        with service.client(tokens["writer"]) as writer:
            two = writer.post("/v1/quarantine", json={"artifact": WEB, "package": "p",
                                                      "reason": "x"})
            assert two.status_code == 400
            added = writer.post("/v1/quarantine", json={"artifact": f"reg.test/web@{WEB}",
                                                        "reason": "incident 9"})
            assert added.status_code == 201, added.text
            ident = added.json()["id"]
            assert added.json()["to_drain"][0]["name"] == "web"
            assert writer.delete(f"/v1/quarantine/{ident}").status_code == 403
        with service.client(tokens["admin"]) as admin:
            assert [e["id"] for e in admin.get("/v1/quarantine").json()["quarantine"]] == [ident]
            assert admin.delete(f"/v1/quarantine/{ident}").status_code == 200
            assert admin.delete(f"/v1/quarantine/{ident}").status_code == 404
            audit = admin.get("/v1/audit").json()
        actions = [(e.get("action"), e.get("outcome")) for e in audit.get("entries", audit)]
        assert ("quarantine.add", "ok") in actions and ("quarantine.remove", "ok") in actions
    finally:
        service.stop()
