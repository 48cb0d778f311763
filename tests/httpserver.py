"""A small local HTTP server for download tests (no network: 127.0.0.1, a free port).

Use the ``http_server`` fixture (import it into a test module:
``from tests.httpserver import http_server  # noqa: F401``), or ``with LocalServer() as server: ...``.
Register routes, then fetch ``server.url(path)``::

    server.route("/ok.csv", b"a,b\\n1,2\\n")                  # serve a body (status 200)
    server.route("/flaky.csv", body, fail_times=2)             # HTTP 500 twice, then the body
    server.route("/slow.csv", body, delay_s=2.0)               # sleep before answering (past the client timeout)
    server.route("/cut.csv", body, truncate_to=10)             # Content-Length: len(body), but only 10 bytes sent
    server.route("/gone.csv", b"no", status=404)               # any status
    server.route("/wrong.csv", b"x,y\\n1,2\\n")                 # a wrong schema is just another body

    server.route("/api", respond=fn)  # fn(query, headers) -> (status, body[, headers]): answer per request
                                      # (e.g. only the exact paging offset, 403 for some User-Agents)

``server.hits(path)`` counts requests to a path; ``server.requests`` lists (path, query dict, headers dict).
Unknown paths answer 404. The server runs in a daemon thread and stops at fixture teardown (or on leaving the
``with`` block); a sleeping handler wakes up early when the server stops, so teardown never waits for delay_s.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest


@dataclass
class Route:
    body: bytes
    status: int = 200
    fail_times: int = 0
    fail_status: int = 500
    delay_s: float = 0.0
    truncate_to: int | None = None
    headers: dict = field(default_factory=dict)
    respond: object = None


class LocalServer:
    """Threaded HTTP server on 127.0.0.1 with configurable fault routes (see the module docstring)."""

    def __init__(self) -> None:
        self._routes: dict[str, Route] = {}
        self._hits: dict[str, int] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.requests: list[tuple[str, dict, dict]] = []
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    # -- public API -------------------------------------------------------------------------------------------
    def route(self, path: str, body: bytes | str = b"", *, status: int = 200, fail_times: int = 0,
              fail_status: int = 500, delay_s: float = 0.0, truncate_to: int | None = None, headers: dict | None = None,
              respond=None) -> str:
        """Register (or replace) a route; returns its full URL. Replacing a route keeps its hit count.
        respond(query: dict of lists, headers: dict) -> (status, body) or (status, body, headers) answers each request
        instead of the fixed body."""
        if isinstance(body, str):
            body = body.encode("utf-8")
        with self._lock:
            self._routes[path] = Route(body, status, fail_times, fail_status, delay_s, truncate_to, dict(headers or {}),
                                       respond)
        return self.url(path)

    def url(self, path: str) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}{path}"

    def hits(self, path: str) -> int:
        """Requests received for path so far (any route state, including 404s)."""
        with self._lock:
            return self._hits.get(path, 0)

    def start(self) -> LocalServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- handler --------------------------------------------------------------------------------------------
    def _handler_class(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # keep test output quiet
                pass

            def do_GET(self) -> None:  # noqa: N802 (http.server naming)
                parts = urlsplit(self.path)
                with server._lock:
                    server.requests.append((parts.path, parse_qs(parts.query), dict(self.headers)))
                    server._hits[parts.path] = server._hits.get(parts.path, 0) + 1
                    route = server._routes.get(parts.path)
                    failing = False
                    if route is not None:
                        failing = route.fail_times > 0
                        if failing:
                            route.fail_times -= 1
                if route is None:
                    return self._send(404, b"not found")
                if route.delay_s and server._stop.wait(route.delay_s):
                    return
                if failing:
                    return self._send(route.fail_status, b"server error")
                if route.respond is not None:
                    status, body, *extra = route.respond(parse_qs(parts.query), dict(self.headers))
                    body = body.encode("utf-8") if isinstance(body, str) else body
                    return self._send(status, body, None, extra[0] if extra else None)
                self._send(route.status, route.body, route.truncate_to, route.headers)

            def _send(self, status: int, body: bytes, truncate_to: int | None = None, headers: dict | None = None):
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "text/csv; charset=utf-8")
                    self.send_header("Content-Length", str(len(body)))
                    for name, value in (headers or {}).items():
                        self.send_header(name, value)
                    if truncate_to is not None:
                        self.send_header("Connection", "close")
                        self.close_connection = True
                    self.end_headers()
                    self.wfile.write(body if truncate_to is None else body[:truncate_to])
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (e.g. its timeout)
                    self.close_connection = True

        return Handler


@pytest.fixture
def http_server():
    """A running LocalServer, stopped at teardown."""
    with LocalServer() as server:
        yield server
