"""The whole ``tensorjudge serve`` process tree SIGKILLed with jobs queued and running,
then started again on the same data: every submission reaches ``done`` with the verdict
its code deserves, the interrupted ones are graded again, nothing is lost or doubled."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
import uuid

import httpx2 as httpx
import pytest
from sqlalchemy import func, select

from app.db import make_engine, make_sessionmaker
from app.models import CaseResultRow, Job, JobStatus
from tests.conftest import DATA_DIR
from tests.serving import free_port, start_serve, wait_published
from tests.tiny_problem import TINY_REFERENCE

SLOW = "import time\n\ndef add(a, b):\n    time.sleep(0.6)\n    return a + b\n"
WRONG = "def add(a, b):\n    return a - b\n"
CRASH = "def add(a, b):\n    raise ValueError('no')\n"
CODES = [(SLOW, "accepted"), (WRONG, "wrong_answer"), (SLOW, "accepted"), (CRASH, "runtime_error"),
         (TINY_REFERENCE, "accepted"), (SLOW, "accepted"), (WRONG, "wrong_answer")]


def group_alive(pgid: int) -> bool:
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                return True
    return False


@pytest.mark.slow
def test_serve_tree_sigkilled_and_restarted_grades_everything_once(tiny_dirs):
    data_dir = DATA_DIR / f"crash-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "TENSORJUDGE_DATA_DIR": str(data_dir),
           "TENSORJUDGE_PROBLEMS_DIR": str(tiny_dirs[0]),
           "TENSORJUDGE_REFERENCE_DIR": str(tiny_dirs[1]), "TENSORJUDGE_LEASE_S": "3"}
    port = free_port()
    server = start_serve(env, port)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            wait_published(client)
            client.post("/api/auth/register", json={"username": "ada", "password": "longenough"})
            token = client.post("/api/auth/login",
                                json={"username": "ada", "password": "longenough"}).json()["token"]
            headers = {"Authorization": f"Bearer {token}"}
            ids = [client.post("/api/submissions", headers=headers,
                               json={"problem": "vector-add", "code": code}).json()["id"]
                   for code, _ in CODES]
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                states = [client.get(f"/api/submissions/{i}", headers=headers).json()["status"]
                          for i in ids]
                if "running" in states and "queued" in states:
                    break
                time.sleep(0.05)
            assert "running" in states and "queued" in states, states
            interrupted = {i for i, state in zip(ids, states, strict=True) if state == "running"}
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)
        deadline = time.monotonic() + 15
        while group_alive(server.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not group_alive(server.pid), "a worker or fork server outlived the SIGKILL"

        server = start_serve(env, port)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            wait_published(client)
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline:
                results = [client.get(f"/api/submissions/{i}", headers=headers).json() for i in ids]
                if all(r["status"] == "done" for r in results):
                    break
                time.sleep(0.2)
        assert [r["verdict"] for r in results] == [verdict for _, verdict in CODES]
        engine = make_engine(f"sqlite:///{data_dir / 'tensorjudge.db'}")
        with make_sessionmaker(engine)() as session:
            jobs = session.scalars(select(Job).where(Job.submission_id.in_(ids))).all()
            rows = dict(session.execute(
                select(CaseResultRow.submission_id, func.count()).where(
                    CaseResultRow.submission_id.in_(ids)).group_by(CaseResultRow.submission_id)).all())
        engine.dispose()
        assert len(jobs) == len(ids) and all(job.status is JobStatus.DONE for job in jobs)
        assert rows == {i: 2 for i in ids}  # one set of case results each, never two
        attempts = {job.submission_id: job.attempts for job in jobs}
        assert all(attempts[i] == 2 for i in interrupted), attempts  # running ones re-graded
        assert all(attempts[i] == 1 for i in ids if i not in interrupted), attempts
    finally:
        if server.poll() is None:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
        shutil.rmtree(data_dir, ignore_errors=True)
