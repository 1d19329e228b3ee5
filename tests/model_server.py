"""A model server on 127.0.0.1 for download tests: plain files (the official release's layout)
and a Hugging Face Hub endpoint (`/{repo}/resolve/{revision}/{file}`, as HF_ENDPOINT), with
faults on demand: status codes, a connection dropped part-way, a wrong Content-Length, a slow
stream. Every request is logged, so a test can prove that a cached model made none.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

COMMIT = "0123456789abcdef0123456789abcdef01234567"


@dataclass
class Fault:
    status: int | None = None  # answer every request with this status
    drop_at: int | None = None  # close the connection once the file's byte `drop_at` is reached
    drop_times: int = 1_000_000  # ... on this many requests (then serve normally)
    extra_length: int = 0  # announce this many bytes more than the file has, then close
    bytes_per_s: float | None = None  # stream slowly
    ignore_range: bool = False


@dataclass
class ModelServer:
    files: dict[str, bytes] = field(default_factory=dict)  # URL path -> content
    faults: dict[str, Fault] = field(default_factory=dict)
    requests: list[tuple[str, str, str | None]] = field(default_factory=list)  # (method, path, Range)
    port: int = 0
    _server: ThreadingHTTPServer | None = None
    _stop: threading.Event = field(default_factory=threading.Event)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def add(self, path: str, data: bytes) -> str:
        self.files[path] = data
        return self.url + path

    def add_hub_repo(self, repo_id: str, folder: Path) -> None:
        for f in folder.iterdir():
            if f.is_file():
                self.files[f"/{repo_id}/resolve/main/{f.name}"] = f.read_bytes()

    def count(self, method: str | None = None, path_contains: str = "") -> int:
        return sum(1 for m, p, _ in self.requests if (method in (None, m)) and path_contains in p)

    def start(self) -> ModelServer:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        server.daemon_threads = True
        self._server = server
        self.port = server.server_address[1]
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


def _handler(state: ModelServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # quiet test output
            pass

        def do_HEAD(self) -> None:
            self._serve(body=False)

        def do_GET(self) -> None:
            self._serve(body=True)

        def _serve(self, body: bool) -> None:
            path = self.path.split("?", 1)[0]
            state.requests.append((self.command, path, self.headers.get("Range")))
            fault = state.faults.get(path, Fault())
            data = state.files.get(path)
            hub = re.match(r"^/[^/]+/[^/]+/resolve/[^/]+/(.+)$", path)
            if fault.status is not None or data is None:
                self._status(fault.status or 404, hub is not None)
                return
            start = 0
            rng = re.match(r"bytes=(\d+)-$", self.headers.get("Range") or "")
            if rng and not fault.ignore_range and int(rng.group(1)) < len(data):
                start = int(rng.group(1))
            self.send_response(206 if start else 200)
            if start:
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            self.send_header("Content-Length", str(len(data) - start + fault.extra_length))
            self.send_header("Accept-Ranges", "bytes")
            if hub is not None:
                self.send_header("X-Repo-Commit", COMMIT)
                big = hub.group(1).endswith((".safetensors", ".bin"))
                digest = hashlib.sha256(data).hexdigest() if big else hashlib.sha1(data).hexdigest()
                self.send_header("ETag", f'"{digest}"')
            self.end_headers()
            if not body:
                return
            self._stream(data, start, fault)

        def _stream(self, data: bytes, start: int, fault: Fault) -> None:
            drop = fault.drop_at if fault.drop_times > 0 else None
            if drop is not None:
                fault.drop_times -= 1
            end = len(data) if drop is None else max(start, min(drop, len(data)))
            step = 16384
            try:
                for i in range(start, end, step):
                    if state._stop.is_set():
                        break
                    chunk = data[i : min(i + step, end)]
                    self.wfile.write(chunk)
                    if fault.bytes_per_s:
                        time.sleep(len(chunk) / fault.bytes_per_s)
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                return
            if drop is not None or fault.extra_length:
                self.close_connection = True
                self.connection.shutdown(2)

        def _status(self, code: int, hub: bool) -> None:
            self.send_response(code)
            if hub and code == 404:
                self.send_header("X-Error-Code", "EntryNotFound")
                self.send_header("X-Repo-Commit", COMMIT)
            self.send_header("Content-Length", "0")
            self.end_headers()

    return Handler
