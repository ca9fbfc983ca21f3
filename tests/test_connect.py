"""connect(): where the token and url come from, the demo fallback, and what is never written."""

from __future__ import annotations

import pytest

import sharedcloud_nb as sc
from sharedcloud_nb import _config


def _write_cli_login(home, token):
    folder = home / ".sharedcloud"
    folder.mkdir()
    (folder / "client_config").write_text(token + "\n")
    return folder / "client_config"


def test_no_token_anywhere_starts_the_demo_once(capsys):
    first = sc.connect()
    out = capsys.readouterr().out
    assert first.is_demo
    assert out.count("\n") == 1 and "demo catalogue" in out and "SHAREDCLOUD_TOKEN" in out
    second = sc.connect()
    assert second.url == first.url  # the same in-process server
    assert len(first.images()) >= 40


def test_argument_beats_environment_beats_cli_file(monkeypatch, clean_env, demo_server):
    _write_cli_login(clean_env, "c" * 40)
    monkeypatch.setenv("SHAREDCLOUD_TOKEN", "e" * 40)
    monkeypatch.setenv("SHAREDCLOUD_URL", demo_server.url)
    assert sc.connect(token="a" * 40)._token == "a" * 40
    assert sc.connect()._token == "e" * 40
    monkeypatch.delenv("SHAREDCLOUD_TOKEN")
    assert sc.connect()._token == "c" * 40


def test_cli_login_file_is_read_not_written(monkeypatch, clean_env, demo_server):
    path = _write_cli_login(clean_env, demo_server.token)
    before = path.stat().st_mtime_ns, path.read_text()
    monkeypatch.setenv("SHAREDCLOUD_CLI_URL", demo_server.url)
    client = sc.connect()
    assert client.url == demo_server.url
    assert len(client.images()) == len(demo_server.images)
    assert (path.stat().st_mtime_ns, path.read_text()) == before
    assert sorted(p.name for p in clean_env.rglob("*")) == [".sharedcloud", "client_config"]


def test_url_precedence(monkeypatch):
    monkeypatch.setenv("SHAREDCLOUD_TOKEN", "e" * 40)
    assert sc.connect().url == "https://sharedcloud.io"
    monkeypatch.setenv("SHAREDCLOUD_CLI_URL", "https://cli.example.org/")
    assert sc.connect().url == "https://cli.example.org"
    monkeypatch.setenv("SHAREDCLOUD_URL", "https://env.example.org")
    assert sc.connect().url == "https://env.example.org"
    assert sc.connect(url="https://arg.example.org").url == "https://arg.example.org"


def test_configured_url_without_token_is_an_error_not_the_demo(monkeypatch):
    monkeypatch.setenv("SHAREDCLOUD_URL", "https://sharedcloud.example.org")
    with pytest.raises(sc.AuthenticationError, match=r"No token for https://sharedcloud\.example\.org"):
        sc.connect()


def test_demo_can_be_forced(monkeypatch, capsys):
    monkeypatch.setenv("SHAREDCLOUD_TOKEN", "e" * 40)
    monkeypatch.setenv("SHAREDCLOUD_DEMO", "1")
    assert sc.connect().is_demo
    assert "SHAREDCLOUD_DEMO is set" in capsys.readouterr().out


def test_connect_refuses_plain_http_to_a_remote_host(monkeypatch):
    monkeypatch.setenv("SHAREDCLOUD_TOKEN", "e" * 40)
    monkeypatch.setenv("SHAREDCLOUD_URL", "http://sharedcloud.io")
    with pytest.raises(sc.InsecureURLError):
        sc.connect()


def test_real_url_client_is_not_demo(monkeypatch):
    monkeypatch.setenv("SHAREDCLOUD_TOKEN", "e" * 40)
    client = sc.connect()
    assert not client.is_demo
    assert client.source == "https://sharedcloud.io"
    assert "e" * 40 not in repr(client)


def test_env_names_are_the_documented_ones():
    assert (_config.ENV_TOKEN, _config.ENV_URL, _config.ENV_CLI_URL) == (
        "SHAREDCLOUD_TOKEN",
        "SHAREDCLOUD_URL",
        "SHAREDCLOUD_CLI_URL",
    )
