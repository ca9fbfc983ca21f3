"""The demo API's answers as pure functions: a :class:`DemoRequest` in, an :class:`Answer` out.

This module owns *what* the demo API answers, with no socket in sight: :func:`answer` routes a
request and runs its view, reading the data through a small :class:`Catalogue` interface. It
emulates Sharedcloud, a Django REST Framework (DRF) service, including DRF's details:

- ``GET /api/v1/images/``, ``GET /api/v1/images/<uuid>/``, ``?instance=<uuid>`` (images downloaded
  on that instance; an unknown instance gives ``[]``; a malformed uuid gives
  ``400 {"instance": ["“x” is not a valid UUID."]}``, as Django's UUIDField says it), and with a
  page size set, DRF's page-number pagination (``?page=K``, absolute ``next``/``previous``).
- ``POST /api/v1/api-token-auth/`` with ``username``/``password``, form-encoded, multipart or JSON.
- ``Authorization: Token <key>`` and DRF's four 401 answers, with ``WWW-Authenticate: Token``.
  As in DRF, authentication runs before the method check (an unauthenticated ``POST`` on images
  is 401, an authenticated one 405), and a malformed or unknown ``Token`` header is refused even on
  the login endpoint, which otherwise needs no credentials.
- ``OPTIONS`` answers DRF's SimpleMetadata; other methods are 405 with an ``Allow`` header.
- Django's APPEND_SLASH: a path without its trailing slash is answered ``301`` to the path with the
  slash (query string kept), before authentication.
- Unknown uuids and unknown paths: ``404 {"detail": "Not found."}``.

Every JSON answer is compact UTF-8 (DRF's renderer), ``Content-Type: application/json``, with a
``Content-Length``, and carries ``X-Sharedcloud-Demo: 1``.

Example:
    >>> from sharedcloud_nb.demo import DemoServer
    >>> server = DemoServer()                      # never started: no socket
    >>> request = DemoRequest("GET", "/api/v1/images", Headers())
    >>> reply = answer(request, server.catalogue, server.account)
    >>> reply.status, reply.headers["Location"]
    (301, '/api/v1/images/')

Standard library only.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import re
import uuid as uuid_module
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol
from urllib.parse import SplitResult, parse_qsl, unquote, urlencode, urlsplit

from ..schema import ImageRecord

__all__ = [
    "LIST_PATH",
    "LOGIN_PATH",
    "Account",
    "Answer",
    "Catalogue",
    "DemoRequest",
    "Headers",
    "RecordRewrite",
    "answer",
    "encode",
    "encode_list",
    "json_answer",
]

LIST_PATH = "/api/v1/images/"
LOGIN_PATH = "/api/v1/api-token-auth/"
_DETAIL_PATH = re.compile(r"/api/v1/images/([^/]+)/")
_BATCH = 5000  # records per encoded chunk of a list body
_PARSES = ["application/json", "application/x-www-form-urlencoded", "multipart/form-data"]

RecordRewrite = Callable[[dict[str, Any], int], dict[str, Any]]
"""Rewrites one served record (a copy, free to change) given its position in the answer."""


# -- requests and answers --------------------------------------------------------------------------


class Headers(Mapping[str, str]):
    """Request headers as received: case-insensitive lookup, names kept as sent.

    Example:
        >>> h = Headers([("Authorization", "Token abc")])
        >>> h["authorization"], "AUTHORIZATION" in h, dict(h)
        ('Token abc', True, {'Authorization': 'Token abc'})
    """

    __slots__ = ("_store",)

    def __init__(self, items: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        pairs = items.items() if isinstance(items, Mapping) else items
        self._store: dict[str, tuple[str, str]] = {}
        for name, value in pairs:
            self._store.setdefault(name.lower(), (name, value))  # first one wins, like get()

    def __getitem__(self, name: str) -> str:
        return self._store[name.lower()][1]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._store

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._store.values())

    def __len__(self) -> int:
        return len(self._store)

    def __repr__(self) -> str:
        return f"Headers({dict(self)!r})"


class _RequestFields(NamedTuple):
    method: str
    path: str
    headers: Headers


class DemoRequest(_RequestFields):
    """A request the demo server received: a ``(method, path, headers)`` tuple, plus ``.body``.

    ``path`` is the request target as sent, query string included; ``headers`` is a
    case-insensitive :class:`Headers`; ``body`` the raw request body (bytes); ``authorized``
    whether it carried the server's token (``Authorization: Token <key>``). In the server's log
    (``DemoServer.requests``) credentials are masked: there, ``authorized`` is what tells that the
    token was sent.
    """

    body: bytes
    authorized: bool

    def __new__(
        cls, method: str, path: str, headers: Headers, body: bytes = b"", *, authorized: bool = False
    ) -> DemoRequest:
        self = super().__new__(cls, method, path, headers)
        self.body = body
        self.authorized = authorized
        return self

    @property
    def query(self) -> dict[str, str]:
        """The query string's parameters (the last value of each)."""
        return dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))


@dataclass(frozen=True)
class Answer:
    """What to send back: a status, every header but the server's own, and the body in chunks.

    Attributes:
        status: the HTTP status.
        headers: the answer's headers (``Content-Type``, ``Content-Length``... all given).
        chunks: the body, in pieces sent one after the other (a big list need not be joined).
        close: hang up after answering (the body may be shorter than its ``Content-Length``).
    """

    status: int
    headers: Mapping[str, str]
    chunks: Sequence[bytes] = (b"",)
    close: bool = False

    @property
    def body(self) -> bytes:
        """The whole body."""
        return b"".join(self.chunks)

    def json(self) -> Any:
        """The body, decoded from JSON."""
        return json.loads(self.body)


def encode(obj: Any) -> bytes:
    """Encode like DRF's JSONRenderer: compact, UTF-8 characters kept as they are."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()


def encode_list(records: Sequence[Mapping[str, Any]]) -> list[bytes]:
    """Encode ``records`` as one JSON array, in chunks of a few thousand records.

    A million records need no second copy of a 300 MB body: the chunks are sent one by one.
    """
    n = len(records)
    if n == 0:
        return [b"[]"]
    chunks = []
    for i in range(0, n, _BATCH):
        encoded = encode(records[i : i + _BATCH])
        # Each batch encodes as "[...]": keep "[" on the first, "]" on the last, "," in between.
        first, last = i == 0, i + _BATCH >= n
        inner = encoded[0 if first else 1 : None if last else -1]
        chunks.append(inner if first else b"," + inner)
    return chunks


def _reply(
    status: int, chunks: Sequence[bytes], headers: Mapping[str, str] | None = None, *, allow: str | None = None
) -> Answer:
    """An answer with the headers DRF sends; ``headers`` are added last (a Content-Type replaces the default)."""
    # A body still being written says its length beforehand (see .generated.StreamedBody).
    length = getattr(chunks, "nbytes", None)
    head = {
        "Content-Type": "application/json",
        "Content-Length": str(sum(map(len, chunks)) if length is None else length),
    }
    if allow:
        head["Allow"] = allow
        head["Vary"] = "Accept"
    head["X-Sharedcloud-Demo"] = "1"
    head.update(headers or {})
    return Answer(status, head, chunks)


def json_answer(status: int, obj: Any, headers: Mapping[str, str] | None = None) -> Answer:
    """A JSON answer with DRF's headers.

    Example:
        >>> json_answer(404, {"detail": "Not found."}).body
        b'{"detail":"Not found."}'
    """
    return _reply(status, [encode(obj)], headers)


class _Refusal(Exception):
    """Raised by a view to answer with an error at once."""

    def __init__(self, status: int, obj: Any, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.body = encode(obj)
        self.headers = dict(headers or {})


# -- what the views read ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Account:
    """The demo account: who may log in, and the token that opens the API."""

    username: str
    password: str
    token: str

    def __repr__(self) -> str:  # the token and password never go into a repr
        return f"Account(username={self.username!r})"


class Catalogue(Protocol):
    """What the views read from the server: the served records and their cached encodings.

    Records are served in catalogue order; ``current_server_time`` in them is the catalogue's
    frozen stamp, and :meth:`now` the time to serve instead.
    """

    @property
    def page_size(self) -> int | None:
        """None to list everything at once; else the number of records per page."""

    def now(self) -> str:
        """The server's clock now, as written in ``current_server_time``."""

    def image(self, uuid: str) -> ImageRecord | None:
        """The record of ``uuid``, or None."""

    def records(self, instance: str | None) -> Sequence[ImageRecord]:
        """The records the list answers; with ``instance``, those downloaded on it."""

    def list_body(self, instance: str | None) -> Sequence[bytes]:
        """``records(instance)`` encoded as a JSON array, at the current time (chunks maybe still being written)."""

    def page_results(self, instance: str | None, page: int) -> bytes:
        """The records of ``page`` (from 1) encoded as a JSON array, at the current time."""


# -- routing ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Call:
    """One request on its way through a view."""

    request: DemoRequest
    target: SplitResult  # the request target, split
    argument: str | None  # the path's uuid, for a detail
    catalogue: Catalogue
    account: Account
    rewrite: RecordRewrite | None
    host: str

    @property
    def query(self) -> dict[str, str]:
        return dict(parse_qsl(self.target.query, keep_blank_values=True))


_View = Callable[[_Call], Sequence[bytes]]


class _Route(NamedTuple):
    name: str  # SimpleMetadata's name of the view
    allow: str
    needs_token: bool
    view: _View


def answer(
    request: DemoRequest,
    catalogue: Catalogue,
    account: Account,
    *,
    rewrite: RecordRewrite | None = None,
    host: str = "localhost",
) -> Answer:
    """Answer ``request`` as the Sharedcloud API would.

    Args:
        request: the request, as received.
        catalogue: the data served.
        account: the credentials the login and the token check accept.
        rewrite: a fault's rewrite of each record served (list, page or detail), or None.
        host: the server's own ``host:port``, for absolute links when the request has no ``Host``.

    Returns:
        The answer to send; a HEAD is answered as a GET (the server sends no body).

    Example:
        >>> from sharedcloud_nb.demo import DemoServer
        >>> server = DemoServer()
        >>> answer(DemoRequest("GET", "/api/v1/images/", Headers()), server.catalogue, server.account).json()
        {'detail': 'Authentication credentials were not provided.'}
    """
    target = urlsplit(request.path)
    path = unquote(target.path)
    found = _route(path)
    if found is None:
        return _no_route(target, path)
    route, argument = found
    call = _Call(request, target, argument, catalogue, account, rewrite, host)
    try:
        # DRF's APIView.initial(): authentication (and, on images, the permission check) come
        # before the method is looked at.
        authenticated = _authenticate(request.headers, account.token)
        if route.needs_token and not authenticated:
            raise _Refusal(401, {"detail": "Authentication credentials were not provided."}, _CHALLENGE)
        chunks: Sequence[bytes]
        if request.method == "OPTIONS":
            chunks = [encode(_options_metadata(route))]
        elif request.method not in route.allow.split(", "):
            raise _Refusal(405, {"detail": f'Method "{request.method}" not allowed.'})
        else:
            chunks = route.view(call)
    except _Refusal as refusal:
        return _reply(refusal.status, [refusal.body], refusal.headers, allow=route.allow)
    return _reply(200, chunks, allow=route.allow)


def _route(path: str) -> tuple[_Route, str | None] | None:
    if path == LIST_PATH:
        return _ROUTES["list"], None
    if path == LOGIN_PATH:
        return _ROUTES["login"], None
    match = _DETAIL_PATH.fullmatch(path)
    if match:
        return _ROUTES["detail"], match.group(1)
    return None


def _no_route(target: SplitResult, path: str) -> Answer:
    """Django's APPEND_SLASH (before any view runs), else 404."""
    if not path.endswith("/") and _route(path + "/") is not None:
        location = target.path + "/" + (f"?{target.query}" if target.query else "")
        return _reply(301, [b""], {"Location": location, "Content-Type": "text/html; charset=utf-8"})
    return json_answer(404, {"detail": "Not found."})


def _options_metadata(route: _Route) -> dict[str, Any]:
    """DRF's SimpleMetadata answer to OPTIONS."""
    return {"name": route.name, "description": "", "renders": ["application/json"], "parses": _PARSES}


# -- authentication and login ----------------------------------------------------------------------

_CHALLENGE = {"WWW-Authenticate": "Token"}


def _authenticate(headers: Headers, token: str) -> bool:
    """DRF's TokenAuthentication: True for the right token, False for no Token credentials.

    Raises:
        _Refusal: 401 for a malformed Token header or an unknown key, with DRF's texts.
    """
    parts = headers.get("Authorization", "").encode("latin-1", "replace").split()
    if not parts or parts[0].lower() != b"token":
        return False
    if len(parts) == 1:
        raise _Refusal(401, {"detail": "Invalid token header. No credentials provided."}, _CHALLENGE)
    if len(parts) > 2:
        raise _Refusal(401, {"detail": "Invalid token header. Token string should not contain spaces."}, _CHALLENGE)
    try:
        key = parts[1].decode()
    except UnicodeError:
        detail = "Invalid token header. Token string should not contain invalid characters."
        raise _Refusal(401, {"detail": detail}, _CHALLENGE) from None
    if key != token:
        raise _Refusal(401, {"detail": "Invalid token."}, _CHALLENGE)
    return True


def _login_view(call: _Call) -> list[bytes]:
    """DRF's ObtainAuthToken: validate username/password, answer the token or a 400."""
    data = _parse_form(call.request)
    errors: dict[str, list[str]] = {}
    values: dict[str, str] = {}
    for name, trim in (("username", True), ("password", False)):  # AuthTokenSerializer
        error, text = _char_field(data, name, trim)
        if error is None:
            values[name] = text
        else:
            errors[name] = [error]
    if errors:
        raise _Refusal(400, errors)
    account = call.account
    if values["username"] != account.username or values["password"] != account.password:
        raise _Refusal(400, {"non_field_errors": ["Unable to log in with provided credentials."]})
    return [encode({"token": account.token})]


def _char_field(data: Mapping[str, Any], name: str, trim: bool) -> tuple[str | None, str]:
    """DRF's CharField: ``(error, "")`` for a value it refuses, else ``(None, text)``."""
    if name not in data:
        return "This field is required.", ""
    value = data[name]
    if value is None:
        return "This field may not be null.", ""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return "Not a valid string.", ""
    text = str(value).strip() if trim else str(value)
    if text == "":
        return "This field may not be blank.", ""
    return None, text


def _parse_form(request: DemoRequest) -> Mapping[str, Any]:
    """The login request's data, parsed like DRF's JSON, form and multipart parsers."""
    content_type = request.headers.get("Content-Type", "")
    media_type = content_type.split(";")[0].strip().lower()
    if not request.body and not media_type:
        return {}
    if media_type == "application/json":
        return _parse_json(request.body)
    if media_type == "application/x-www-form-urlencoded":
        return dict(parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True))
    if media_type == "multipart/form-data":
        head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + request.body)
        data = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if isinstance(name, str) and name:
                payload = part.get_payload(decode=True)
                data[name] = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
        return data
    raise _Refusal(415, {"detail": f'Unsupported media type "{content_type}" in request.'})


def _parse_json(body: bytes) -> Mapping[str, Any]:
    """DRF's JSONParser, then the serializer's check that the data is an object."""
    try:
        data = json.loads(body.decode())
    except (UnicodeDecodeError, ValueError) as exc:
        raise _Refusal(400, {"detail": f"JSON parse error - {exc}"}) from None
    if not isinstance(data, dict):
        kinds = {list: "list", str: "str", int: "int", float: "float", bool: "bool"}
        kind = kinds.get(type(data), "NoneType")
        raise _Refusal(400, {"non_field_errors": [f"Invalid data. Expected a dictionary, but got {kind}."]})
    return data


# -- images ----------------------------------------------------------------------------------------


def _served(records: Sequence[ImageRecord], start: int, call: _Call) -> list[dict[str, Any]]:
    """The records as served, at the current time and through the fault's rewrite (the one place it runs).

    Each record is a fresh copy; ``start`` is the position of the first in the answer.
    """
    now = call.catalogue.now()
    copies: list[dict[str, Any]] = [{**record, "current_server_time": now} for record in records]
    rewrite = call.rewrite
    if rewrite is None:
        return copies
    return [rewrite(record, start + i) for i, record in enumerate(copies)]


def _detail_view(call: _Call) -> list[bytes]:
    record = call.catalogue.image(call.argument or "")
    if record is None:
        raise _Refusal(404, {"detail": "Not found."})
    return [encode(_served([record], 0, call)[0])]


def _list_view(call: _Call) -> Sequence[bytes]:
    catalogue = call.catalogue
    instance = _instance_filter(call.query.get("instance", ""))
    if catalogue.page_size is not None:
        return _page(call, instance, catalogue.page_size)
    if call.rewrite is None:
        return catalogue.list_body(instance)
    return encode_list(_served(catalogue.records(instance), 0, call))  # altered: not cached


def _instance_filter(value: str) -> str | None:
    """The instance uuid to filter on, normalised; None for no filter (empty, like django-filter)."""
    if value == "":
        return None
    try:
        return str(uuid_module.UUID(value))
    except ValueError:
        raise _Refusal(400, {"instance": [f"“{value}” is not a valid UUID."]}) from None


def _page(call: _Call, instance: str | None, size: int) -> list[bytes]:
    """DRF's PageNumberPagination over the (filtered) list."""
    records = call.catalogue.records(instance)
    count = len(records)
    pages = max(1, -(-count // size))  # Django's Paginator keeps an empty first page
    page = _page_number(call.query.get("page", "1"), pages)
    head = encode(
        {
            "count": count,
            "next": _page_link(call, page + 1) if page < pages else None,
            "previous": _page_link(call, page - 1) if page > 1 else None,
        }
    )
    if call.rewrite is None:
        results = call.catalogue.page_results(instance, page)
    else:
        start = (page - 1) * size
        results = encode(_served(records[start : start + size], start, call))
    return [head[:-1], b',"results":', results, b"}"]


def _page_number(value: str, pages: int) -> int:
    if value == "last":
        return pages
    try:
        page = int(value)
    except ValueError:
        raise _Refusal(404, {"detail": "Invalid page."}) from None
    if not 1 <= page <= pages:
        raise _Refusal(404, {"detail": "Invalid page."})
    return page


def _page_link(call: _Call, page: int) -> str:
    """The absolute url of ``page``, the other query parameters kept, sorted, as DRF writes it."""
    host = call.request.headers.get("Host") or call.host
    base = f"http://{host}{call.target.path}"
    query = {k: v for k, v in parse_qsl(call.target.query, keep_blank_values=True) if k != "page"}
    if page != 1:  # DRF drops the page parameter for the first page
        query["page"] = str(page)
    encoded = urlencode(sorted(query.items()))
    return f"{base}?{encoded}" if encoded else base


_IMAGES_ALLOW = "GET, HEAD, OPTIONS"
_ROUTES = {
    "list": _Route("Image List", _IMAGES_ALLOW, True, _list_view),
    "detail": _Route("Image Detail", _IMAGES_ALLOW, True, _detail_view),
    "login": _Route("Obtain Auth Token", "POST, OPTIONS", False, _login_view),
}


def __dir__() -> list[str]:
    # dir() and tab completion offer the public names only, not this module's imports.
    return sorted(__all__)
