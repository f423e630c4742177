"""A real ``tensorjudge serve`` for tests and benches.

It starts on a free port in its own session, so one ``killpg`` reaches serve, its
workers and their fork servers.  ``wait_published`` returns once ``/readyz`` says
ready (a worker passed the sandbox self-check) and the given problems are published.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterable
from typing import IO

import httpx2 as httpx

from tests.conftest import ROOT


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_serve(env: dict, port: int, workers: int = 1,
                log: IO[bytes] | int = subprocess.DEVNULL) -> subprocess.Popen:
    """``serve`` with ``env``; its stderr (and stdout) go to ``log``."""
    return subprocess.Popen([sys.executable, "-m", "app", "serve", "--port", str(port),
                             "--workers", str(workers)], cwd=ROOT, env=env,
                            start_new_session=True, stdout=log,
                            stderr=subprocess.STDOUT if log is not subprocess.DEVNULL else log)


def wait_published(client: httpx.Client, slugs: Iterable[str] = ("vector-add",),
                   process: subprocess.Popen | None = None, timeout: float = 120,
                   log_hint: str = "") -> None:
    """Poll until ready with every slug published; raise if ``process`` exits or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"serve exited ({process.returncode}){log_hint}")
        try:
            if client.get("/readyz").status_code == 200 and all(
                    client.get(f"/api/problems/{slug}").status_code == 200 for slug in slugs):
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"serve did not publish {list(slugs)} in {timeout:.0f} s{log_hint}")
