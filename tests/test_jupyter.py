"""Objects that display themselves in Jupyter: the client, an error, one image's card."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

import sharedcloud_nb as sc

MISSING = "00000000-0000-0000-0000-000000000000"


def _not_found(client: sc.Client) -> sc.NotFoundError:
    with pytest.raises(sc.NotFoundError) as info:
        client.image(MISSING)
    return info.value


def test_a_raised_error_renders_concisely(client):
    error = _not_found(client)
    lines = error._render_traceback_()
    assert lines[0].startswith("NotFoundError: 404") and "Not found" in lines[0]
    assert lines[1].startswith("  in ") and __file__ in lines[1] and "client.image(MISSING)" in lines[1]
    assert len(lines) == 2 and client._token not in "\n".join(lines)


def test_ipython_shows_the_short_form_without_the_chain(demo_server):
    code = (
        "import sharedcloud_nb as sc\n"
        f"client = sc.Client({demo_server.token!r}, url={demo_server.url!r})\n"
        f"client.image({MISSING!r})\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "IPython", "--colors=NoColor", "--quick", "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
    )
    shown = result.stdout + result.stderr
    assert shown.splitlines()[0].startswith("NotFoundError: 404 Not Found for GET /api/v1/images/")
    assert shown.splitlines()[1] == f"  in Cell In[1], line 3: client.image({MISSING!r})"
    assert "Traceback" not in shown and "requests" not in shown and "During handling" not in shown
    assert demo_server.token not in shown


def test_an_error_displayed_as_an_object(client):
    shown = _not_found(client)._repr_html_()
    assert "NotFoundError" in shown and "<th" in shown and "404" in shown and "Not found" in shown
    plain = sc.TransportError("Could not connect to <host>")._repr_html_()
    assert "&lt;host&gt;" in plain and "<table>" not in plain


def test_card_is_the_pickers_card(client):
    from sharedcloud_nb.display import image_card

    frame = client.images()
    image = client.image(frame.index[0])
    card = sc.card(image)
    assert card.rows == image_card(image).rows
    assert card._repr_html_() == card.html and "<table" in card.html
    assert "Demo data" in card.text
    assert sc.card(frame.iloc[0]).rows == card.rows


def test_card_refuses_a_frame_with_a_hint(client):
    with pytest.raises(TypeError, match=r"df\.loc\[uuid\]"):
        sc.card(client.images())
    with pytest.raises(TypeError, match="got str"):
        sc.card(MISSING)  # type: ignore[arg-type]


def test_card_of_a_frame_not_from_the_demo_has_no_demo_note(client):
    image = client.images().iloc[0]
    image.attrs = {"source": "https://sharedcloud.io"}
    assert "Demo" not in sc.card(image).text
    assert isinstance(image, pd.Series)


# -- User-Agent ------------------------------------------------------------------------------------


def _agent() -> str:
    import requests

    return f"sharedcloud_nb/{sc.__version__} python-requests/{requests.__version__}"


def test_every_request_says_who_sends_it_login_included(fresh_server):
    client = sc.Client(fresh_server.token, url=fresh_server.url)
    client.images()
    client.image(client.images().index[0])
    sc.login(fresh_server.username, fresh_server.password, url=fresh_server.url)
    agents = {request.headers["User-Agent"] for request in fresh_server.requests}
    assert agents == {_agent()} and len(fresh_server.requests) == 4


def test_a_users_session_is_not_changed_and_its_own_agent_is_kept(fresh_server):
    import requests

    plain = requests.Session()
    sc.Client(fresh_server.token, url=fresh_server.url, session=plain).images()
    assert fresh_server.requests[-1].headers["User-Agent"] == _agent()
    assert plain.headers["User-Agent"] == requests.utils.default_user_agent()  # untouched
    own = requests.Session()
    own.headers["User-Agent"] = "my-lab-notebook/2"
    sc.Client(fresh_server.token, url=fresh_server.url, session=own).images()
    assert fresh_server.requests[-1].headers["User-Agent"] == "my-lab-notebook/2"


def test_the_version_is_the_projects():
    from pathlib import Path

    import tomllib

    project = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())["project"]
    assert sc.__version__ == project["version"]


def test_the_whole_traceback_is_still_there_for_who_asks(demo_server):
    # What the docstring promises: the short form is only what IPython shows.
    cell = f"import sharedcloud_nb as sc\nsc.Client(token, url={demo_server.url!r}).image({MISSING!r})"
    code = (
        "import sys, traceback\n"
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "shell = InteractiveShell.instance(colors='NoColor')\n"
        f"shell.push({{'token': {demo_server.token!r}}})  # a token the cell does not spell out\n"
        f"shell.run_cell({cell!r})\n"
        "print('---')\n"
        "traceback.print_exception(sys.last_value, file=sys.stdout)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    short, _, full = result.stdout.partition("---\n")
    assert "NotFoundError: 404" in short and "Traceback" not in short
    assert "Traceback (most recent call last)" in full and "raise_for_status" in full
    assert demo_server.token not in result.stdout
