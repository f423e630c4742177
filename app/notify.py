"""Local "submission changed" notifications from workers to the API, without polling.

The API process binds a Unix datagram socket (``notify.sock`` in the data directory)
and wakes the SSE streams waiting on a submission when a worker on the same host
sends that submission's id after committing its results.  A datagram carries only
an id; the stream still reads everything from the database, so a lost, forged or
duplicated datagram can at worst make a stream look at the database once more.
Workers on other hosts (or an API that is not listening) simply go unheard: streams
poll the database as before unless a local worker was heard from in the last minute,
and then keep only a slow poll (``EVENT_FALLBACK_POLL_S`` in the endpoint) as a
safety net.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from pathlib import Path

log = logging.getLogger("tensorjudge.notify")
SOCKET_NAME = "notify.sock"


def socket_path(data_dir: Path) -> Path:
    return Path(data_dir) / SOCKET_NAME


class Sender:
    """Worker side: fire-and-forget datagrams (never blocks, never raises)."""

    def __init__(self, path: Path):
        self.path = str(path)

    def send(self, submission_id: int) -> None:
        with contextlib.suppress(OSError):  # nobody listening, or its buffer is full
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
                sock.setblocking(False)
                sock.sendto(str(submission_id).encode(), self.path)


class Listener:
    """API side: one socket, per-submission events that SSE streams wait on."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.waiters: dict[int, set[asyncio.Event]] = {}
        self.sock: socket.socket | None = None
        self.heard_at = float("-inf")

    def live(self, within_s: float = 60.0) -> bool:
        """Whether a local worker announced something recently (so streams may rely on it)."""
        return time.monotonic() - self.heard_at < within_s

    def start(self) -> bool:
        """Bind and start listening on the running loop; False if the path is unusable."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            sock.bind(str(self.path))
            os.chmod(self.path, 0o600)  # only root (the workers) may write to it
            sock.setblocking(False)
        except OSError:
            log.warning("no local notifications (%s); SSE falls back to polling", self.path,
                        exc_info=True)
            return False
        self.sock = sock
        asyncio.get_running_loop().add_reader(sock.fileno(), self._on_readable)
        return True

    def stop(self) -> None:
        if self.sock is not None:
            with contextlib.suppress(Exception):
                asyncio.get_running_loop().remove_reader(self.sock.fileno())
            self.sock.close()
            self.sock = None
            with contextlib.suppress(OSError):
                self.path.unlink()

    def _on_readable(self) -> None:
        assert self.sock is not None
        while True:
            try:
                data = self.sock.recv(64)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            try:
                submission_id = int(data)
            except ValueError:
                continue
            self.heard_at = time.monotonic()
            for event in self.waiters.get(submission_id, ()):
                event.set()

    @contextlib.contextmanager
    def watch(self, submission_id: int):
        """An ``asyncio.Event`` set whenever ``submission_id`` is announced."""
        event = asyncio.Event()
        self.waiters.setdefault(submission_id, set()).add(event)
        try:
            yield event
        finally:
            waiters = self.waiters.get(submission_id)
            if waiters is not None:
                waiters.discard(event)
                if not waiters:
                    del self.waiters[submission_id]
