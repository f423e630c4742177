"""PostgreSQL LISTEN/NOTIFY wakes SSE streams on an API host without local workers.

The API and the worker get different data directories, so the worker's datagrams
(``notify.sock``) can never reach the API: only PostgreSQL carries the news.  The API's
polls are set to 600 s, so a stream that is not woken by a notification would sit out
the test's own deadline: these tests fail when NOTIFY or LISTEN is missing, however
fast or slow the machine is.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time

import httpx2 as httpx
import pytest
from psycopg.conninfo import conninfo_to_dict

from app.db import libpq_url, make_engine, make_sessionmaker
from app.jobs import repository
from app.migrate import upgrade
from app.notify import Listener
from tests.api.conftest import create_pg_database, drop_pg_database
from tests.api.test_queue import start_worker, stop
from tests.conftest import ROOT
from tests.serving import free_port, wait_published
from tests.tiny_problem import TINY_REFERENCE

NEVER_S = "600"  # the API's polls: only a notification can wake a stream within the test


@pytest.fixture
def pg_url(postgres_available):
    if not postgres_available:
        pytest.fail("PostgreSQL is not running on 127.0.0.1:5432")
    name, url = create_pg_database()
    try:
        yield url
    finally:
        drop_pg_database(name)


def test_a_notify_committed_in_a_worker_transaction_wakes_only_that_submission(pg_url, tmp_path):
    engine = make_engine(pg_url)
    sessions = make_sessionmaker(engine)

    def commit_announcement(submission_id: int) -> None:
        with sessions() as session:
            repository.announce(session, submission_id)
            session.commit()

    async def scenario() -> tuple[bool, bool, list[str]]:
        listener = Listener(tmp_path / "notify.sock")  # no datagram socket: PostgreSQL only
        conninfo = libpq_url(pg_url)
        assert conninfo is not None
        listener.listen_postgres(conninfo)
        try:
            while not listener.listening:
                await asyncio.sleep(0.05)
            with listener.watch(7) as seven, listener.watch(8) as eight:
                await asyncio.to_thread(commit_announcement, 7)
                await asyncio.wait_for(seven.wait(), 60)
                return seven.is_set(), eight.is_set(), listener.transports()
        finally:
            await listener.close()

    try:
        woke, other, transports = asyncio.run(asyncio.wait_for(scenario(), 120))
    finally:
        engine.dispose()
    assert woke and not other
    assert transports == ["postgresql"]


def test_libpq_url_only_for_postgresql():
    assert libpq_url("sqlite:///x.db") is None
    assert libpq_url("postgresql+psycopg://u@h:5432/db") == "postgresql://u@h:5432/db"
    socket_form = libpq_url("postgresql://u@/db?host=/var/run/postgresql")
    assert socket_form is not None
    assert conninfo_to_dict(socket_form) == {"user": "u", "dbname": "db",
                                             "host": "/var/run/postgresql"}


def test_api_without_workers_streams_the_verdict_a_worker_elsewhere_announces(pg_url, tiny_dirs,
                                                                              tmp_path):
    upgrade(pg_url)
    port = free_port()
    env = {**os.environ, "TENSORJUDGE_DATABASE_URL": pg_url,
           "TENSORJUDGE_DATA_DIR": str(tmp_path / "api-host"),
           "TENSORJUDGE_PROBLEMS_DIR": str(tiny_dirs[0]),
           "TENSORJUDGE_REFERENCE_DIR": str(tiny_dirs[1]),
           "TENSORJUDGE_EVENTS_POLL_S": NEVER_S, "TENSORJUDGE_EVENTS_FALLBACK_POLL_S": NEVER_S}
    api = subprocess.Popen([sys.executable, "-m", "app", "serve", "--workers", "0", "--port", str(port)],
                           cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    worker = start_worker(pg_url, tiny_dirs)  # its data directory is tests' DATA_DIR
    stopped = False
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            wait_published(client, process=api, timeout=180)
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline:  # validation done, LISTEN connected
                ready = client.get("/readyz").json()
                if ready.get("jobs_pending") == 0 and "postgresql" in ready["notifications"]:
                    break
                time.sleep(0.2)
            assert ready["notifications"] == ["datagram", "postgresql"], ready
            client.post("/api/auth/register", json={"username": "ada", "password": "longenough"})
            token = client.post("/api/auth/login", json={"username": "ada", "password": "longenough"}
                                ).json()["token"]
            headers = {"Authorization": f"Bearer {token}"}
            # The worker is paused, so the stream's first look finds the job queued and
            # says ": waiting"; only then may the worker grade it.
            worker.send_signal(signal.SIGSTOP)
            stopped = True
            sent = client.post("/api/submissions", headers=headers,
                               json={"problem": "vector-add", "code": TINY_REFERENCE})
            assert sent.status_code == 202, sent.text
            events: list[str] = []
            done = threading.Event()
            with client.stream("GET", f"/api/submissions/{sent.json()['id']}/events",
                               headers=headers, timeout=httpx.Timeout(30, read=240)) as stream:
                for line in stream.iter_lines():
                    if line == ": waiting":
                        events.append("waiting")
                        worker.send_signal(signal.SIGCONT)
                        stopped = False
                    elif line.startswith("event: "):
                        events.append(line.removeprefix("event: "))
                    elif line.startswith("data: ") and events[-1] == "done":
                        assert '"verdict": "accepted"' in line
                        done.set()
                        break
            assert done.is_set()
            assert events[0] == "waiting" and events[-1] == "done" and "case" in events, events
    finally:
        if stopped:
            worker.send_signal(signal.SIGCONT)
        stop([worker])
        api.terminate()
        api.wait(timeout=30)
