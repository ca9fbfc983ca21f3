"""connect(): where the token and url come from, the demo fallback, and what is never written."""

from __future__ import annotations

import warnings

import pytest

import sharedcloud_nb as sc
from sharedcloud_nb import _config, _warn


@pytest.fixture
def fresh_process():
    """As in a new process: the package has not yet said that it serves the demo catalogue."""
    _warn.forget_demo_warning()
    yield
    _warn.forget_demo_warning()


def _write_cli_login(home, token):
    folder = home / ".sharedcloud"
    folder.mkdir()
    (folder / "client_config").write_text(token + "\n")
    return folder / "client_config"


def test_no_token_anywhere_starts_the_demo_once(capsys, fresh_process):
    with pytest.warns(sc.DemoDataWarning, match=r"demo catalogue.*SHAREDCLOUD_TOKEN") as caught:
        first = sc.connect()
    assert first.is_demo
    assert len(caught) == 1
    assert caught[0].filename == __file__  # at the user's line, not inside the package
    assert issubclass(sc.DemoDataWarning, sc.SharedcloudWarning)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a second connection, from any line, warns no more
        second = sc.connect()
    assert second.url == first.url  # the same in-process server
    frame = first.images()
    assert len(frame) >= 40 and frame.attrs["source"] == "demo"
    assert first.image(frame.index[0]).attrs["source"] == "demo"
    assert capsys.readouterr() == ("", "")  # nothing printed


def test_the_demo_warning_can_be_silenced(capsys, fresh_process):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("ignore", sc.DemoDataWarning)
        assert sc.connect().is_demo
    assert caught == [] and capsys.readouterr() == ("", "")


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


def test_demo_can_be_forced(monkeypatch, capsys, fresh_process):
    monkeypatch.setenv("SHAREDCLOUD_TOKEN", "e" * 40)
    monkeypatch.setenv("SHAREDCLOUD_DEMO", "1")
    with pytest.warns(sc.DemoDataWarning, match="SHAREDCLOUD_DEMO is set"):
        assert sc.connect().is_demo
    assert capsys.readouterr().out == ""


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
