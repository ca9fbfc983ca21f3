"""Every environment variable, default, API path, retry status and user hint of the package.

Precedence everywhere: argument > environment > default. Standard library only.
"""

from __future__ import annotations

import os
from pathlib import Path

#: The package's version (``sc.__version__``), also sent in every request's ``User-Agent``.
VERSION = "0.1.0"

#: The real service's host root.
DEFAULT_URL = "https://sharedcloud.io"
#: (connect, read) timeouts in seconds.
DEFAULT_TIMEOUT: tuple[float, float] = (5, 30)
#: How many times a GET is retried on a transient failure.
DEFAULT_RETRIES = 3
#: Exponential backoff factor between retries (urllib3 ``Retry.backoff_factor``).
DEFAULT_BACKOFF = 0.5
#: The longest wait a ``Retry-After`` header may impose, in seconds.
MAX_RETRY_AFTER = 60.0
#: The longest a call may take, every attempt and wait included (seconds); Client(deadline=...).
DEFAULT_DEADLINE = 300.0
#: The most bytes an answer may decode to: far above any real catalogue (a million images is
#: about 420 MB of JSON); Client(max_bytes=...).
DEFAULT_MAX_BYTES = 2 * 1024**3
#: A compressed answer may inflate at most this many times (real JSON: 5 to 30); a larger ratio
#: is a decompression bomb. Checked once the answer has decoded past MIN_RATIO_BYTES.
MAX_DECOMPRESSION_RATIO = 200
MIN_RATIO_BYTES = 16 * 1024**2
#: Pages a listing may have beyond what its ``count`` implies (a server adding images meanwhile).
PAGE_SLACK = 5

#: The statuses a GET is retried on (with backoff, honouring Retry-After); a 500 is not retried.
RETRY_STATUSES: tuple[int, ...] = (429, 502, 503, 504)

#: Every path of the API is under this prefix and ends with a slash.
API_PREFIX = "/api/v1/"
#: ``GET``: the images (``?instance=<uuid>`` narrows them to one instance's downloads).
IMAGES_PATH = API_PREFIX + "images/"
#: ``POST`` username and password: a token.
LOGIN_PATH = API_PREFIX + "api-token-auth/"

#: What an error message tells a person to do when the token is refused.
TOKEN_HINT = "check SHAREDCLOUD_TOKEN or use sc.token_form()"
#: What an error message tells a person to do when an image is not found.
NOT_FOUND_HINT = "check the uuid (list them with client.images())."
#: What an error message tells a person when a path of the API is not found.
NOT_AN_API_HINT = "this url does not look like a Sharedcloud server (no such API path there); check the server url."
#: What an error message tells a person when the server keeps rate-limiting.
RATE_LIMIT_HINT = "the server is rate-limiting; wait a minute and try again, or raise retries=."
#: What an error message tells a person when the server keeps failing.
SERVER_ERROR_HINT = "the service has a problem; try again later."

ENV_TOKEN = "SHAREDCLOUD_TOKEN"
ENV_URL = "SHAREDCLOUD_URL"
ENV_CLI_URL = "SHAREDCLOUD_CLI_URL"
#: Set to 1 to make ``connect()`` use the built-in demo catalogue whatever else is configured.
ENV_DEMO = "SHAREDCLOUD_DEMO"
#: Set to 0 to hide the progress bars of long calls.
ENV_PROGRESS = "SHAREDCLOUD_PROGRESS"

#: Where the official command-line client keeps the token it got from login (relative to HOME).
CLI_CONFIG = Path(".sharedcloud") / "client_config"


def cli_config_path() -> Path:
    """The official CLI's login file, under the current HOME."""
    return Path(os.path.expanduser("~")) / CLI_CONFIG


def resolve_url(url: str | None = None) -> tuple[str, bool]:
    """The server url: argument > SHAREDCLOUD_URL > SHAREDCLOUD_CLI_URL > the real service.

    Returns:
        The url without a trailing slash, and whether it was configured (not the default).
    """
    if url is not None and not isinstance(url, str):
        return url, True  # not text: the client's url check refuses it, naming its type
    for candidate in (url, os.environ.get(ENV_URL), os.environ.get(ENV_CLI_URL)):
        if candidate and candidate.strip():
            return candidate.strip().rstrip("/"), True
    return DEFAULT_URL, False


#: Where a token came from, as an error message says it (see :func:`resolve_token_source`).
SOURCE_ARGUMENT = "the token argument"
SOURCE_ENV = ENV_TOKEN
SOURCE_CLI = "the CLI login file ~/.sharedcloud/client_config"
SOURCE_FORM = "the token form"


def resolve_token_source(token: str | None = None) -> tuple[str | None, str]:
    """The token and where it came from: argument > SHAREDCLOUD_TOKEN > the CLI login file.

    The login file is only read, never written.

    Returns:
        The token (None when there is none) and one of the ``SOURCE_*`` phrases.
    """
    if token is not None and not isinstance(token, str):
        return token, SOURCE_ARGUMENT  # not text: the client's token check refuses it, naming its type
    if token is not None and token.strip():
        return token.strip(), SOURCE_ARGUMENT
    env = os.environ.get(ENV_TOKEN)
    if env and env.strip():
        return env.strip(), SOURCE_ENV
    try:
        text = cli_config_path().read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None, SOURCE_ARGUMENT
    return (text or None), SOURCE_CLI


def resolve_token(token: str | None = None) -> str | None:
    """The token: argument > SHAREDCLOUD_TOKEN > the CLI login file > None (see :func:`resolve_token_source`)."""
    return resolve_token_source(token)[0]


def token_advice(source: str) -> str:
    """What to do when the server refuses a token that came from ``source``."""
    if source == SOURCE_ENV:
        return f"the token came from {ENV_TOKEN}: check it, or use sc.token_form()."
    if source == SOURCE_CLI:
        return f"the token came from {SOURCE_CLI}: log in again with the CLI, or set {ENV_TOKEN}."
    if source == SOURCE_FORM:
        return "the token came from the token form: paste it again."
    return f"the token was passed as an argument: check it, or set {ENV_TOKEN} or use sc.token_form()."


def demo_forced() -> bool:
    """True when SHAREDCLOUD_DEMO asks for the demo catalogue (1, true, yes)."""
    return os.environ.get(ENV_DEMO, "").strip().lower() in ("1", "true", "yes")


# -- Snapshots on disk and offline mode ----------------------------------------------------------

#: Where snapshots are kept; else $XDG_CACHE_HOME/sharedcloud_nb, else ~/.cache/sharedcloud_nb.
ENV_CACHE_DIR = "SHAREDCLOUD_CACHE_DIR"
#: Set to 1 to make ``connect()`` serve stored snapshots and never touch the network.
ENV_OFFLINE = "SHAREDCLOUD_OFFLINE"
#: The XDG base directory for caches (read only when SHAREDCLOUD_CACHE_DIR is not set).
ENV_XDG_CACHE = "XDG_CACHE_HOME"
#: The folder of the package's snapshots under a cache directory.
CACHE_NAME = "sharedcloud_nb"


def cache_dir(path: str | os.PathLike[str] | None = None) -> Path:
    """The snapshot store's folder: argument > SHAREDCLOUD_CACHE_DIR > $XDG_CACHE_HOME/sharedcloud_nb > ~/.cache/sharedcloud_nb.

    Nothing is created here; the store makes the folder on its first write.
    """
    if path is not None and str(path).strip():
        return Path(path).expanduser()
    env = os.environ.get(ENV_CACHE_DIR, "").strip()
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get(ENV_XDG_CACHE, "").strip()
    # The XDG spec says a relative path is invalid and must be ignored.
    if xdg and Path(xdg).is_absolute():
        return Path(xdg) / CACHE_NAME
    return Path(os.path.expanduser("~")) / ".cache" / CACHE_NAME


def offline_forced() -> bool:
    """True when SHAREDCLOUD_OFFLINE asks for offline mode (1, true, yes)."""
    return os.environ.get(ENV_OFFLINE, "").strip().lower() in ("1", "true", "yes")


def progress_default() -> bool:
    """False when SHAREDCLOUD_PROGRESS turns progress bars off (0, false, no, off)."""
    return os.environ.get(ENV_PROGRESS, "").strip().lower() not in ("0", "false", "no", "off")
