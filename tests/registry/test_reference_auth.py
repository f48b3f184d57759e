"""Image references, WWW-Authenticate challenges and docker credential look-ups."""

from __future__ import annotations

import base64
import json
import os
import stat
from pathlib import Path

import pytest

from provenance_linker.errors import ConfigError, UsageError
from provenance_linker.registry.challenge import parse_challenge
from provenance_linker.registry.credentials import CredentialStore
from provenance_linker.registry.reference import parse_image_ref, tag_for

DIGEST = "sha256:" + "ab" * 32


@pytest.mark.parametrize(("text", "registry", "repository", "tag", "digest"), [
    ("127.0.0.1:5000/ns/app:1.0", "127.0.0.1:5000", "ns/app", "1.0", None),
    ("localhost/app", "localhost", "app", "latest", None),
    (f"reg.example.test/a/b/c@{DIGEST}", "reg.example.test", "a/b/c", None, DIGEST),
    (f"reg.example.test:443/app:v2@{DIGEST}", "reg.example.test:443", "app", "v2", DIGEST),
    ("nginx", "docker.io", "library/nginx", "latest", None),
    ("team/app:1", "docker.io", "team/app", "1", None),
])
def test_references_parse_like_docker(text: str, registry: str, repository: str,
                                      tag: str | None, digest: str | None) -> None:
    ref = parse_image_ref(text)
    assert (ref.registry, ref.repository, ref.tag, ref.digest) == (registry, repository, tag,
                                                                   digest)


@pytest.mark.parametrize("text", ["", "Reg.test/UPPER:1", "reg.test/app@sha256:12",
                                  "reg.test/app:bad tag", "reg.test/app:" + "x" * 200])
def test_bad_references_are_usage_errors(text: str) -> None:
    with pytest.raises(UsageError):
        parse_image_ref(text)


def test_cosign_tag_scheme() -> None:
    assert tag_for(DIGEST, ".sig") == "sha256-" + "ab" * 32 + ".sig"
    assert tag_for(DIGEST, "") == "sha256-" + "ab" * 32


def test_challenges_parse_quoted_and_bare_parameters() -> None:
    c = parse_challenge('Bearer realm="https://auth.test/token",service="reg",'
                        'scope="repository:a/b:pull,push"')
    assert c is not None and c.scheme == "bearer"
    assert c.params == {"realm": "https://auth.test/token", "service": "reg",
                        "scope": "repository:a/b:pull,push"}
    basic = parse_challenge("Basic realm=test")
    assert basic is not None and basic.scheme == "basic" and basic.params == {"realm": "test"}
    assert parse_challenge("") is None


def test_docker_config_auths_and_helpers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                         ) -> None:
    helper = tmp_path / "bin" / "docker-credential-testhelper"
    helper.parent.mkdir()
    # A real helper program: reads the host on stdin, answers docker's JSON.
    helper.write_text("#!/bin/sh\nread host\n"
                      'if [ "$host" = "helped.test" ]; then\n'
                      '  echo "{\\"Username\\":\\"hu\\",\\"Secret\\":\\"hs\\"}"\n'
                      'elif [ "$host" = "token.test" ]; then\n'
                      '  echo "{\\"Username\\":\\"<token>\\",\\"Secret\\":\\"refresh\\"}"\n'
                      "else echo 'credentials not found in native keychain'; exit 1; fi\n")
    helper.chmod(helper.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{helper.parent}{os.pathsep}{os.environ['PATH']}")
    config = tmp_path / "config.json"
    config.write_text(json.dumps({
        "auths": {"plain.test": {"auth": base64.b64encode(b"u:p:with:colons").decode()},
                  "https://index.docker.io/v1/": {"auth": base64.b64encode(b"hub:x").decode()}},
        "credHelpers": {"helped.test": "testhelper", "token.test": "testhelper"},
        "credsStore": "testhelper"}))
    store = CredentialStore.from_file(config)
    plain = store.get("plain.test")
    assert plain is not None and (plain.username, plain.password) == ("u", "p:with:colons")
    hub = store.get("docker.io")
    assert hub is not None and hub.username == "hub"
    helped = store.get("helped.test")
    assert helped is not None and (helped.username, helped.password) == ("hu", "hs")
    token = store.get("token.test")
    assert token is not None and token.identity_token == "refresh" and token.username is None
    assert store.get("elsewhere.test") is None  # credsStore: "credentials not found"
    assert "hs" not in repr(helped)


def test_a_missing_helper_is_a_clear_error(tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"credsStore": "absent-helper-xyz"}))
    with pytest.raises(ConfigError, match="docker-credential-absent-helper-xyz"):
        CredentialStore.from_file(config).get("any.test")


def test_a_broken_config_names_the_file(tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text("{not json")
    with pytest.raises(ConfigError) as info:
        CredentialStore.from_file(config)
    assert str(config) in str(info.value)
