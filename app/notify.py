"""Notifications that a submission changed, from workers to the API, without polling.

Two transports wake the SSE streams waiting on a submission; both carry only its id,
and the stream still reads everything from the database, so a lost, forged or
duplicated notification can at worst make a stream look at the database once more:

- same host, any database: the API binds a Unix datagram socket (``notify.sock`` in
  the data directory) and a worker sends the id after committing its results;
- any host, PostgreSQL: a worker's result transaction issues ``NOTIFY`` on
  ``CHANNEL`` (delivered at commit, ``app/jobs/repository.announce``) and the API
  holds one connection that ``LISTEN``s (``Listener.listen_postgres``), reconnecting
  with backoff when the database goes away.

Streams poll the database every ``events_poll_s`` unless a transport is live (a local
worker was heard from in the last minute, or the LISTEN connection is up); then they
keep only a slow poll (``events_fallback_poll_s``) as a safety net.
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
CHANNEL = "tensorjudge_submissions"  # PostgreSQL NOTIFY channel; the payload is the id
LISTEN_RETRY_S = (0.5, 10.0)  # first and longest wait before reconnecting the LISTEN


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
    """API side: a datagram socket and/or a PostgreSQL LISTEN, per-submission events
    that SSE streams wait on."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.waiters: dict[int, set[asyncio.Event]] = {}
        self.sock: socket.socket | None = None
        self.heard_at = float("-inf")
        self.listening = False  # the PostgreSQL LISTEN connection is up
        self._task: asyncio.Task[None] | None = None

    def live(self, within_s: float = 60.0) -> bool:
        """Whether notifications can be relied on: the LISTEN connection is up, or a
        local worker announced something recently."""
        return self.listening or time.monotonic() - self.heard_at < within_s

    def transports(self) -> list[str]:
        """What this API listens on now (``/readyz``)."""
        return (["datagram"] if self.sock is not None else []) + (
            ["postgresql"] if self.listening else [])

    def listen_postgres(self, conninfo: str) -> None:
        """LISTEN on ``CHANNEL`` in the background, on the running loop, until ``close``."""
        self._task = asyncio.get_running_loop().create_task(self._listen(conninfo))

    async def _listen(self, conninfo: str) -> None:
        import psycopg

        delay = LISTEN_RETRY_S[0]
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                        conninfo, autocommit=True, connect_timeout=10) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    self.listening, delay = True, LISTEN_RETRY_S[0]
                    log.info("listening for PostgreSQL notifications on %s", CHANNEL)
                    # Anything announced while not listening went unheard: look again.
                    self._wake_all()
                    async for notice in conn.notifies():
                        self._wake(notice.payload)
            except asyncio.CancelledError:
                self.listening = False
                raise
            except Exception as exc:  # the database went away: streams poll meanwhile
                log.warning("PostgreSQL LISTEN lost (%s); retrying in %.1f s",
                            type(exc).__name__, delay)
            self.listening = False
            await asyncio.sleep(delay)
            delay = min(delay * 2, LISTEN_RETRY_S[1])

    def _wake(self, payload: bytes | str) -> None:
        try:
            submission_id = int(payload)
        except ValueError:
            return
        for event in self.waiters.get(submission_id, ()):
            event.set()

    def _wake_all(self) -> None:
        for events in self.waiters.values():
            for event in events:
                event.set()

    async def close(self) -> None:
        """Stop both transports."""
        self.stop()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None

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
            if data.strip().isdigit():
                self.heard_at = time.monotonic()
                self._wake(data)

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
