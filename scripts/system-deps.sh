#!/usr/bin/env bash
# System packages the tests use for real: redis-server (the Redis queue), promtool (alert
# rules, from Debian's prometheus package), Maven + Java 17 (the Neo4j test server).
set -euo pipefail
need=()
command -v redis-server >/dev/null || need+=(redis-server)
command -v promtool >/dev/null || need+=(prometheus)
command -v mvn >/dev/null || need+=(maven)
command -v java >/dev/null || need+=(openjdk-17-jre-headless)
# runtime: the admission webhook certificates (scripts/webhook-cert.sh)
command -v openssl >/dev/null || need+=(openssl)
# explorer (#19): Chromium for the browser tests (Playwright drives it), npm for the assets
command -v chromium >/dev/null || need+=(chromium)
command -v npm >/dev/null || need+=(npm)
# ops (#17): amtool checks the alert routing; the end-to-end alert test runs a real Alertmanager.
command -v amtool >/dev/null || need+=(prometheus-alertmanager)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  # Debian starts the packaged daemons; the tests start their own on loopback.
  ($SUDO service prometheus stop || true) >/dev/null 2>&1
  ($SUDO service redis-server stop || true) >/dev/null 2>&1
  ($SUDO service prometheus-alertmanager stop || true) >/dev/null 2>&1
fi
