"""The demo API's socket side: a threading HTTP server and its request handler.

The handler reads a request into a :class:`~.api.DemoRequest`, hands it to the server's backend
(the public methods of ``server._Backend``: log, faults, answer) and writes what comes back, or
hangs up as a fault asks. It knows nothing of the API itself. Standard library only.
"""

from __future__ import annotations

import socket
import socketserver
import struct
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from ._log import MAX_BODY
from .api import Answer, DemoRequest, Headers, json_answer
from .faults import (
    Drop,
    Response,
)

if TYPE_CHECKING:  # pragma: no cover - typing only
    from .server import _Backend


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64  # many clients connecting at once (load tests) are queued, not refused

    def __init__(self, address: tuple[str, int], handler: type[_Handler], *, backend: _Backend) -> None:
        self.backend = backend
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind() would look up the host's FQDN, which can stall on DNS.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)
        self.netloc = f"[{host!s}]:{port}" if ":" in str(host) else f"{host!s}:{port}"

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that went away is not news; anything else is kept for tests to inspect.
        exc = sys.exc_info()[1]
        if exc is not None and not isinstance(exc, OSError):
            self.backend.report(exc)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go in separate writes
    server: _HTTPServer

    def version_string(self) -> str:
        return "sharedcloud-demo"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def setup(self) -> None:
        super().setup()
        self.server.backend.opened(self.connection)

    def finish(self) -> None:
        self.server.backend.closed(self.connection)
        try:
            super().finish()
        except OSError:
            pass

    def _handle(self) -> None:
        """Answer one request: log it, let faults answer, else answer it like the real API."""
        backend = self.server.backend
        self._sent = False
        try:
            headers = Headers(list(self.headers.items()))
            body = self._read_body()
            if not isinstance(body, bytes):
                self.close_connection = True  # the body is left unread
                backend.log(DemoRequest(self.command, self.path, headers, authorized=backend.authorized(headers)))
                self._write(body)
                return
            request = DemoRequest(self.command, self.path, headers, body, authorized=backend.authorized(headers))
            backend.log(request)
            action = backend.take_fault(request)
            if action is not None and action.delay > 0:
                time.sleep(action.delay)
            if isinstance(action, Response):
                self._write(action.answer())
            elif isinstance(action, Drop):
                self._drop(action.reset)
            else:
                reply = backend.answer(request, action, self.server.netloc)
                self._write(reply, truncate=action is not None and action.truncate)
        except OSError:
            self.close_connection = True
        except Exception as exc:  # a bug: answer like Django in production, keep it for tests
            backend.report(exc)
            self.close_connection = True
            if not self._sent:
                self._write(json_answer(500, {"detail": "A server error occurred."}))

    def _read_body(self) -> bytes | Answer:
        """The request body (chunked or not), or the answer that refuses it: a Content-Length that
        is not a number (400), a body over ``MAX_BODY`` (413, as Django refuses an oversized upload)."""
        too_large = json_answer(413, {"detail": f"Request body too large: the API accepts at most {MAX_BODY} bytes."})
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            total = 0
            while True:
                size_line = self.rfile.readline(65537).split(b";")[0].strip() or b"0"
                if not all(char in b"0123456789abcdefABCDEF" for char in size_line):
                    # int(..., 16) takes "-1", and read(-1) would read until the client hangs up
                    return json_answer(400, {"detail": "Malformed chunked request body."})
                size = int(size_line, 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                total += size
                if total > MAX_BODY:
                    return too_large
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
        length = self.headers.get("Content-Length")
        if not length:
            return b""
        try:
            n = int(length)
        except ValueError:
            return json_answer(400, {"detail": "Malformed Content-Length."})
        if n > MAX_BODY:
            return too_large
        return self.rfile.read(n) if n > 0 else b""

    def _write(self, reply: Answer, *, truncate: bool = False) -> None:
        """Send ``reply`` (no body for HEAD); with ``truncate``, half its body, then hang up."""
        self._sent = True
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if reply.close:
            self.close_connection = True
        if self.command == "HEAD":
            return
        chunks = reply.chunks
        if truncate:
            # Half the body, mid-JSON, under the whole body's Content-Length, then hang up.
            self.close_connection = True
            whole = reply.body
            chunks = [whole[: max(1, len(whole) // 2)]]
        for chunk in chunks:
            self.wfile.write(chunk)

    def _drop(self, reset: bool) -> None:
        """Hang up without answering; with ``reset``, abort with a TCP RST rather than a FIN."""
        self._sent = True
        self.close_connection = True
        if reset:
            # SO_LINGER 0 makes close() send RST. The real close happens only once the reading
            # file object, which holds a reference on the socket, is closed too.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.rfile.close()
            self.connection.close()

    # Every method goes through the one place; the API answers 405 to those a path does not allow.
    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _handle
