"""Registry credentials the way docker finds them: `~/.docker/config.json` (or
`$DOCKER_CONFIG/config.json`) `auths`, `credHelpers` per host and the `credsStore`
default, each helper run as `docker-credential-NAME get` with the host on stdin."""

from __future__ import annotations

import base64
import binascii
import json
import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError, RegistryError

HELPER_TIMEOUT_SECONDS = 20
_HUB_KEYS = ("https://index.docker.io/v1/", "index.docker.io", "docker.io",
             "registry-1.docker.io")


@dataclass(frozen=True, slots=True)
class Credential:
    username: str | None = None
    password: str | None = None
    identity_token: str | None = None  # an OAuth2 refresh token (`identitytoken`)

    def __repr__(self) -> str:  # never print a secret
        return f"Credential(username={self.username!r})"


def docker_config_path(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    if env.get("DOCKER_CONFIG"):
        return Path(env["DOCKER_CONFIG"]) / "config.json"
    return Path.home() / ".docker" / "config.json"


def _keys_for(host: str) -> tuple[str, ...]:
    if host in ("docker.io", "registry-1.docker.io", "index.docker.io"):
        return _HUB_KEYS
    return (host, f"https://{host}", f"http://{host}", f"https://{host}/v1/",
            f"https://{host}/v2/")


class CredentialStore:
    """Looks credentials up per registry host; nothing is read until asked."""

    def __init__(self, config: Mapping[str, Any] | None = None, *,
                 source: str = "docker config") -> None:
        self._config = dict(config or {})
        self._source = source
        self._cache: dict[str, Credential | None] = {}

    @classmethod
    def from_file(cls, path: Path | None = None) -> CredentialStore:
        path = path or docker_config_path()
        if not path.is_file():
            return cls({}, source=str(path))
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise ConfigError(f"cannot read docker config: {exc}", where=str(path)) from exc
        if not isinstance(data, dict):
            raise ConfigError("docker config is not a JSON object", where=str(path))
        return cls(data, source=str(path))

    def get(self, host: str) -> Credential | None:
        if host not in self._cache:
            self._cache[host] = self._lookup(host)
        return self._cache[host]

    def _lookup(self, host: str) -> Credential | None:
        helpers = self._config.get("credHelpers") or {}
        for key in _keys_for(host):
            if isinstance(helpers, dict) and isinstance(helpers.get(key), str):
                return run_helper(helpers[key], host)
        auths = self._config.get("auths") or {}
        for key in _keys_for(host):
            entry = auths.get(key) if isinstance(auths, dict) else None
            if isinstance(entry, dict):
                found = self._from_entry(entry, key)
                if found is not None:
                    return found
        store = self._config.get("credsStore")
        if isinstance(store, str) and store:
            return run_helper(store, host)
        return None

    def _from_entry(self, entry: Mapping[str, Any], key: str) -> Credential | None:
        token = entry.get("identitytoken")
        if isinstance(entry.get("auth"), str) and entry["auth"]:
            try:
                user, _, password = base64.b64decode(entry["auth"]).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError) as exc:
                raise ConfigError("auths entry is not base64 user:password",
                                  where=f"{self._source}: auths[{key}].auth") from exc
            return Credential(user, password, token if isinstance(token, str) else None)
        if isinstance(entry.get("username"), str):
            return Credential(entry["username"], str(entry.get("password") or ""),
                              token if isinstance(token, str) else None)
        if isinstance(token, str) and token:
            return Credential(None, None, token)
        return None


def run_helper(name: str, host: str) -> Credential | None:
    """`docker-credential-NAME get`: JSON {Username, Secret}; "credentials not found"
    means none. A Username of `<token>` marks Secret as an identity token."""
    program = f"docker-credential-{name}"
    try:
        done = subprocess.run([program, "get"], input=host.encode(), capture_output=True,
                              timeout=HELPER_TIMEOUT_SECONDS, check=False)
    except FileNotFoundError as exc:
        raise ConfigError(f"credential helper {program} is not installed",
                          where=host, hint="install it or remove it from the docker config"
                          ) from exc
    except subprocess.TimeoutExpired as exc:
        raise RegistryError(f"credential helper {program} did not answer in "
                            f"{HELPER_TIMEOUT_SECONDS} s", where=host) from exc
    out = done.stdout.decode(errors="replace").strip()
    if done.returncode != 0:
        message = (out or done.stderr.decode(errors="replace")).strip()
        if "credentials not found" in message.lower():
            return None
        raise RegistryError(f"credential helper {program} failed: {message[:200]}",
                            where=host)
    try:
        data = json.loads(out)
        user, secret = str(data["Username"]), str(data["Secret"])
    except (ValueError, KeyError, TypeError) as exc:
        raise RegistryError(f"credential helper {program} answered no Username/Secret",
                            where=host) from exc
    if user == "<token>":
        return Credential(None, None, secret)
    return Credential(user, secret)
