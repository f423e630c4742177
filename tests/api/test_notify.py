"""Local worker -> API notifications that wake SSE streams (app/notify.py)."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from app.notify import Listener, Sender


def test_a_worker_datagram_wakes_the_stream_waiting_on_that_submission():
    async def scenario() -> tuple[bool, bool, bool]:
        with tempfile.TemporaryDirectory(prefix="tj-notify-") as folder:
            path = Path(folder) / "notify.sock"
            listener = Listener(path)
            assert listener.start()
            assert not listener.live()
            try:
                with listener.watch(7) as seven, listener.watch(8) as eight:
                    Sender(path).send(7)
                    await asyncio.wait_for(seven.wait(), 2)
                    return seven.is_set(), eight.is_set(), listener.live()
            finally:
                listener.stop()

    woke, other, live = asyncio.run(scenario())
    assert woke and not other and live


def test_garbage_and_unheard_datagrams_are_harmless():
    async def scenario() -> bool:
        with tempfile.TemporaryDirectory(prefix="tj-notify-") as folder:
            path = Path(folder) / "notify.sock"
            Sender(path).send(1)  # nobody listening yet: no error
            listener = Listener(path)
            assert listener.start()
            try:
                with listener.watch(1) as one:
                    import socket

                    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as raw:
                        raw.sendto(b"not a number", str(path))
                    await asyncio.sleep(0.1)
                    return one.is_set()
            finally:
                listener.stop()

    assert asyncio.run(scenario()) is False
