"""Raw HTTP/1.1 over a socket, for tests where the bytes on the wire are the point: pipelining,
framing, slow clients. Every read has a deadline."""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass


@dataclass
class RawResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((value for key, value in self.headers if key == name.lower()), None)

    def all(self, name: str) -> list[str]:
        return [value for key, value in self.headers if key == name.lower()]


def connect(base: str, timeout: float = 10) -> socket.socket:
    host, port = base.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=timeout)
    return sock


class Reader:
    """Reads responses off one connection; bodies framed by Content-Length (the gateway's)."""

    def __init__(self, sock: socket.socket, timeout: float = 10):
        self.sock = sock
        self.buffer = b""
        self.deadline = time.monotonic() + timeout

    def _fill(self) -> bool:
        self.sock.settimeout(max(0.05, self.deadline - time.monotonic()))
        chunk = self.sock.recv(65536)
        if not chunk:
            return False
        self.buffer += chunk
        return True

    def response(self, head_only: bool = False) -> RawResponse:
        while b"\r\n\r\n" not in self.buffer:
            if time.monotonic() > self.deadline or not self._fill():
                raise ConnectionError(f"no complete response head; got {self.buffer[:200]!r}")
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        headers = []
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers.append((name.strip().lower(), value.strip()))
        length = next((int(value) for name, value in headers if name == "content-length"), 0)
        if head_only or status in (204, 304):
            length = 0
        while len(self.buffer) < length:
            if time.monotonic() > self.deadline or not self._fill():
                raise ConnectionError("the body ended early")
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return RawResponse(status, headers, body)

    def closed(self) -> bool:
        """True once the server closes the connection (within the deadline); leftover bytes are kept."""
        while time.monotonic() < self.deadline:
            try:
                if not self._fill():
                    return True
            except TimeoutError:
                continue
            except (ConnectionResetError, OSError):
                return True
        return False


def request(method: str, path: str, headers: dict[str, str] | None = None, body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    for name, value in (headers or {}).items():
        lines.append(f"{name}: {value}")
    if body or method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
