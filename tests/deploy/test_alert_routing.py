"""deploy/alertmanager/alertmanager.yml routes every alert of deploy/prometheus/alerts.yml
as the runbooks say, checked by the real `amtool` (Debian prometheus-alertmanager):
critical → pagerduty + slack-incidents, warning → slack-alerts, info → email (business
hours)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).parents[2]
CONFIG = ROOT / "deploy/alertmanager/alertmanager.yml"
RULES = ROOT / "deploy/prometheus/alerts.yml"
EXPECTED = {"critical": "pagerduty,slack-incidents", "warning": "slack-alerts",
            "info": "email"}


def amtool() -> str:
    path = shutil.which("amtool")
    if path is None:
        pytest.fail("amtool not found: run scripts/system-deps.sh (prometheus-alertmanager)")
    return path


def alert_rules() -> list[dict[str, Any]]:
    rules = yaml.safe_load(RULES.read_text())
    return [r for g in rules["groups"] for r in g["rules"] if "alert" in r]


def test_config_is_valid() -> None:
    done = subprocess.run([amtool(), "check-config", str(CONFIG)], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout


def test_receivers_are_named_for_their_channels() -> None:
    config = yaml.safe_load(CONFIG.read_text())
    names = {r["name"] for r in config["receivers"]}
    assert names == {"pagerduty", "slack-incidents", "slack-alerts", "email"}
    channels = {r["name"]: r["slack_configs"][0]["channel"] for r in config["receivers"]
                if "slack_configs" in r}
    assert channels == {"slack-incidents": "#incidents", "slack-alerts": "#alerts"}
    email = next(r for r in config["route"]["routes"] if r["receiver"] == "email")
    assert email["active_time_intervals"] == ["business-hours"]
    inhibit = config["inhibit_rules"][0]
    assert inhibit["source_matchers"] == ['severity="critical"']
    assert inhibit["target_matchers"] == ['severity="warning"']


@pytest.mark.parametrize("rule", alert_rules(), ids=lambda r: str(r["alert"]))
def test_every_alert_reaches_its_severitys_receivers(rule: dict[str, Any]) -> None:
    labels = {"alertname": rule["alert"], **rule.get("labels", {})}
    severity = labels["severity"]
    assert severity in EXPECTED, f"{rule['alert']}: unknown severity {severity}"
    done = subprocess.run(
        [amtool(), "config", "routes", "test", f"--config.file={CONFIG}",
         f"--verify.receivers={EXPECTED[severity]}",
         *(f"{k}={v}" for k, v in sorted(labels.items()))],
        capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_wrong_expectation_fails() -> None:
    """The check itself can fail (so the passes above mean something)."""
    done = subprocess.run(
        [amtool(), "config", "routes", "test", f"--config.file={CONFIG}",
         "--verify.receivers=email", "alertname=X", "severity=critical"],
        capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
