"""Outbound webhooks: `notify add URL --events …`, and delivery of product events.

Each subscription is a record (collection `notifications.webhooks`) with its URL, events,
body format (`json`, or `slack` for a Slack-compatible `{"text": …}`) and an HMAC secret.
A delivery POSTs the body with `X-Provenance-Event` and `X-Provenance-Signature:
sha256=<HMAC-SHA256(secret, body)>`, retries with exponential backoff, and after the last
attempt files the delivery in the dead-letter list (`notifications.dead`). Secrets and
URL credentials never reach a log line or a listing.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson

from ..errors import NotFound, UsageError
from ..store.interface import GraphStore
from ..telemetry import events as ev
from ..telemetry.logging import get_logger

WEBHOOKS = "notifications.webhooks"
DEAD = "notifications.dead"
STATE = "notifications.state"
EVENTS = ("workload_affected", "verification_failed", "malicious_package",
          "integrity_violation")
FORMATS = ("json", "slack")
SIGNATURE_HEADER = "X-Provenance-Signature"
EVENT_HEADER = "X-Provenance-Event"


def shown_url(url: str) -> str:
    """The URL without credentials, query or fragment (Slack URLs carry their secret in
    the path, so only scheme, host and the first path segment are shown)."""
    parts = urlsplit(url)
    first = parts.path.strip("/").split("/", 1)[0]
    return f"{parts.scheme}://{parts.hostname or ''}{':' + str(parts.port) if parts.port else ''}" \
           f"/{first}{'/…' if parts.path.strip('/').count('/') else ''}"


def add(store: GraphStore, url: str, events: list[str], *, body_format: str = "json",
        secret: str | None = None, clock: Callable[[], datetime]) -> tuple[str, str]:
    """Subscribe; returns (id, secret). The secret is shown once, to the caller."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"not an http(s) URL: {shown_url(url)}", where="URL")
    unknown = sorted(set(events) - set(EVENTS))
    if not events or unknown:
        raise UsageError(f"unknown event {unknown[0]!r}" if unknown else "no events given",
                         where="--events", hint="one or more of " + ", ".join(EVENTS))
    if body_format not in FORMATS:
        raise UsageError(f"unknown format {body_format!r}", where="--format",
                         hint="json or slack")
    secret = secret or secrets.token_hex(32)
    ident = hashlib.sha256(url.encode()).hexdigest()[:12]
    store.put_record(WEBHOOKS, ident, {"url": url, "events": sorted(set(events)),
                                       "format": body_format, "secret": secret,
                                       "added_at": clock().isoformat()})
    return ident, secret


def listing(store: GraphStore) -> list[dict[str, Any]]:
    return [{"id": ident, "url": shown_url(v["url"]), "events": v["events"],
             "format": v["format"], "added_at": v.get("added_at")}
            for ident, v in store.list_records(WEBHOOKS)]


def remove(store: GraphStore, ident: str) -> None:
    if not store.delete_record(WEBHOOKS, ident):
        raise NotFound(f"no webhook {ident!r}", hint="see `notify list`")


def dead_letters(store: GraphStore) -> list[dict[str, Any]]:
    return [{"id": k, **{f: v[f] for f in ("webhook", "event", "error", "at", "attempts")}}
            for k, v in store.list_records(DEAD)]


def _body(body_format: str, event: str, at: str, data: Mapping[str, Any]) -> bytes:
    if body_format == "slack":
        detail = ", ".join(f"{k}: {v}" for k, v in sorted(data.items()) if v is not None)
        return orjson.dumps({"text": f"*{event.replace('_', ' ')}* — {detail}"})
    return orjson.dumps({"event": event, "at": at, "data": dict(data)},
                        option=orjson.OPT_SORT_KEYS)


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def deliver(store: GraphStore, event: str, data: Mapping[str, Any], *,
            clock: Callable[[], datetime], attempts: int = 4, backoff: float = 0.5,
            timeout: float = 5.0, sleep: Callable[[float], None] = time.sleep) -> int:
    """Send `event` to every webhook subscribed to it; returns how many accepted it."""
    assert event in EVENTS, event
    log = get_logger()
    at = clock().isoformat()
    delivered = 0
    for ident, hook in store.list_records(WEBHOOKS):
        if event not in hook["events"]:
            continue
        body = _body(hook["format"], event, at, data)
        headers = {"Content-Type": "application/json", EVENT_HEADER: event,
                   SIGNATURE_HEADER: signature(hook["secret"], body)}
        error = ""
        for attempt in range(1, attempts + 1):
            try:
                answer = httpx.post(hook["url"], content=body, headers=headers,
                                    timeout=timeout)
                if answer.status_code < 300:
                    log.info(ev.NOTIFICATION_SENT, webhook=ident, notification=event,
                             url=shown_url(hook["url"]), attempt=attempt)
                    delivered += 1
                    break
                error = f"HTTP {answer.status_code}"
            except httpx.HTTPError as exc:
                error = type(exc).__name__
            if attempt < attempts:
                sleep(backoff * 2 ** (attempt - 1))
        else:
            log.error(ev.NOTIFICATION_FAILED, webhook=ident, notification=event,
                      url=shown_url(hook["url"]), attempts=attempts, error=error)
            store.put_record(DEAD, f"{at}-{ident}-{event}", {
                "webhook": ident, "event": event, "error": error, "at": at,
                "attempts": attempts, "body": body.decode()})
    return delivered


def new_since_last(store: GraphStore, event: str, keys: Mapping[str, Mapping[str, Any]]
                   ) -> list[Mapping[str, Any]]:
    """The items of `keys` (key -> data) not notified before for `event`; remembers them."""
    seen = set((store.get_record(STATE, event) or {}).get("keys", []))
    fresh = [data for key, data in sorted(keys.items()) if key not in seen]
    if fresh or seen - set(keys):
        store.put_record(STATE, event, {"keys": sorted(keys)})
    return fresh


def notify_integrity(store: GraphStore, report: Any, *, clock: Callable[[], datetime]) -> None:
    """After an `integrity.verify`: tell subscribers about a violation."""
    if report.divergence is not None:
        d = report.divergence
        deliver(store, "integrity_violation", {"store": report.store, "table": d.table,
                                               "label": d.label, "key": d.key,
                                               "problem": d.problem}, clock=clock)


def after_verdict_changes(store: GraphStore, changes: list[dict[str, Any]], *,
                          clock: Callable[[], datetime] | None = None) -> int:
    """The re-evaluation's hook (runtime/reevaluate.CHANGE_HOOKS): a running workload
    whose verdict turned to fail — a new advisory, MAL record, VEX statement, key change
    or quarantine made it affected — is one `workload_affected` event."""
    affected = [c for c in changes if c.get("new") == "fail" and c.get("old") != "fail"]
    if not affected or not any("workload_affected" in hook.get("events", ())
                               for _, hook in store.list_records(WEBHOOKS)):
        return 0
    now = clock or (lambda: datetime.now(UTC))
    for change in affected:
        cause = change.get("cause") or {}
        deliver(store, "workload_affected", {
            "deployment": change.get("deployment"), "artifact": change.get("artifact"),
            "environment": change.get("environment"), "old": change.get("old"),
            "new": change.get("new"), "failed": list(change.get("failed") or []),
            "cause": {k: cause[k] for k in ("kind", "action", "name", "document")
                      if k in cause}}, clock=now)
    return len(affected)


def notify_new_malicious(store: GraphStore, *, clock: Callable[[], datetime]) -> int:
    """Malicious packages in current SBOMs not notified before (the worker's watch)."""
    from ..vulns.stats import malicious_package_series

    series = {f"{s['ecosystem']}/{s['package']}@{s['version']}/{s['advisory']}": s
              for s in malicious_package_series(store)}
    fresh = new_since_last(store, "malicious_package", series)
    for item in fresh:
        deliver(store, "malicious_package", item, clock=clock)
    return len(fresh)
