"""`provenance-linker serve`: the REST API under uvicorn (component provenance-api)."""

from __future__ import annotations

import os
import tempfile

import typer

from ..access.proxies import TRUSTED_PROXIES_ENV, TrustedProxies
from ..errors import UsageError
from .context import state


def serve(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host", help="address to listen on"),
    port: int = typer.Option(8080, "--port", min=0, max=65535, help="port to listen on"),
    workers: int = typer.Option(1, "--workers", min=1, max=64,
                                help="uvicorn worker processes"),
    tls_cert: str | None = typer.Option(None, "--tls-cert", envvar="PROVENANCE_TLS_CERT",
                                        help="PEM certificate chain: serve HTTPS (needed "
                                        "by the admission webhook)"),
    tls_key: str | None = typer.Option(None, "--tls-key", envvar="PROVENANCE_TLS_KEY",
                                       help="PEM private key of --tls-cert"),
    trusted_proxy: list[str] = typer.Option(
        [], "--trusted-proxy", envvar=TRUSTED_PROXIES_ENV,
        help="CIDR of a reverse proxy whose X-Forwarded-For is believed (repeatable); "
        "none by default: the socket peer is the caller"),
) -> None:
    """Serve the REST API (/v1, /healthz, /readyz, /metrics, /docs)."""
    import uvicorn

    settings = state(ctx).settings
    # Worker processes build their own app from the environment.
    os.environ["PROVENANCE_DB"] = settings.db_url
    proxies = TrustedProxies.parse(trusted_proxy)  # refuse a bad CIDR before starting
    os.environ[TRUSTED_PROXIES_ENV] = ",".join(str(n) for n in proxies.networks)
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Counters from every worker process must add up at /metrics.
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="provenance-metrics-")
    if bool(tls_cert) != bool(tls_key):
        raise UsageError("--tls-cert and --tls-key go together")
    for path in (tls_cert, tls_key):
        if path and not os.path.isfile(path):
            raise UsageError(f"no such file: {path}", where="--tls-cert/--tls-key")
    uvicorn.run("provenance_linker.api.app:create_app", factory=True, host=host, port=port,
                workers=workers, log_config=None, access_log=False, lifespan="on",
                # Forwarded headers are judged by the app (api/forwarded.py), never by
                # uvicorn, whose default believes them from loopback.
                proxy_headers=False, forwarded_allow_ips=[], server_header=False,
                timeout_graceful_shutdown=10, ssl_certfile=tls_cert, ssl_keyfile=tls_key)
