"""A fake OSRM server on loopback, for the routing tests: http.server in a thread."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class FakeOsrm:
    url: str
    status: int = 200
    body: Any = field(
        default_factory=lambda: {
            "code": "Ok",
            "routes": [{"distance": 5000.4, "duration": 899.6, "legs": []}],
        }
    )
    paths: list[str] = field(default_factory=list)
    # While set, requests hang until the test releases them (to exercise the client's timeout).
    hang: threading.Event | None = None


@contextmanager
def fake_osrm_server() -> Iterator[FakeOsrm]:
    state: FakeOsrm

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.paths.append(self.path)
            if state.hang is not None:
                state.hang.wait(10)
            payload = state.body if isinstance(state.body, bytes) else json.dumps(state.body)
            data = payload if isinstance(payload, bytes) else payload.encode()
            self.send_response(state.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state = FakeOsrm(url=f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        if state.hang is not None:
            state.hang.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


def closed_port_url() -> str:
    """The URL of a loopback port nobody listens on (connection refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"
