"""The fork server dies or hangs in the middle of a grading: the submission ends as
``internal_error`` (never a learner verdict), a log line says why, and the worker's
next submission runs on a fresh fork server.  Real worker, real sandbox, SQLite."""

from __future__ import annotations

import logging
import os
import signal
import threading
import time

import pytest
from fastapi.testclient import TestClient

from app.grading.engine import Grader
from app.main import create_app
from sandbox import CaseSpec, CaseStatus, Limits, RunRequest, Sandbox
from sandbox.harnesses import builtin_source
from tests.api.conftest import Stack, auth, make_stack
from tests.conftest import DATA_DIR
from tests.tiny_problem import TINY_REFERENCE

SLOW = "import time\n\ndef add(a, b):\n    time.sleep(1.0)\n    return a + b\n"


@pytest.fixture
def own_stack(tmp_path, tiny_dirs):
    """A stack whose worker has a sandbox of its own (its fork server gets killed)."""
    box = Sandbox(scratch_root="/dev/shm/tensorjudge-test-scratch", zygote_timeout_s=3)
    settings, sessions, engine, worker, stop, thread = make_stack(
        f"sqlite:///{tmp_path / 'tj.db'}", tiny_dirs, Grader(box, DATA_DIR))
    try:
        with TestClient(create_app(settings)) as client:
            yield Stack(client, settings, sessions, worker), box
    finally:
        stop.set()
        thread.join(timeout=60)
        box.close()
        engine.dispose()


def running_zygote(stack: Stack, box: Sandbox, token: str, code: str) -> tuple[int, int]:
    """Submit ``code``; return (submission id, fork server pid) once it is running.

    ``box`` has one slot, so the run takes the warm fork server that is idle now."""
    zygote_pid = box.fork_server_pids().get("jax")
    assert zygote_pid is not None, "no warm fork server before the submission"
    sid = stack.client.post("/api/submissions", headers=auth(token),
                            json={"problem": "vector-add", "code": code}).json()["id"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        state = stack.client.get(f"/api/submissions/{sid}", headers=auth(token)).json()
        if state["status"] == "running" and box.fork_server_pids().get("jax") is None:
            time.sleep(0.3)  # inside the learner's code (it sleeps per case)
            return sid, zygote_pid
        time.sleep(0.02)
    raise AssertionError("the submission never started running")


@pytest.mark.parametrize(("fault", "when", "verdict", "why"), [
    # Dies mid-run: the run's outcome is unknown, so internal_error for the unjudged cases.
    ("SIGKILL", "mid-run", "internal_error", "fork server died"),
    # Hangs while idle: the next run cannot even fork; internal_error, not a stuck worker.
    ("SIGSTOP", "idle", "internal_error", "fork server hung"),
    # Hangs while the child runs: every case's output still arrives and is judged, so
    # that verdict stands; the missing exit status no longer loops the worker forever.
    ("SIGSTOP", "mid-run", "accepted", "fork server hung"),
])
def test_fork_server_fault_never_blames_the_learner_and_is_replaced(own_stack, caplog, fault, when,
                                                                     verdict, why):
    stack, box = own_stack
    stack.wait_problem()
    token = stack.token("ada")
    # A first grading warms the fork server (and the problem's expected outputs).
    first = stack.client.post("/api/submissions", headers=auth(token),
                              json={"problem": "vector-add", "code": TINY_REFERENCE}).json()["id"]
    assert stack.wait_done(first, token)["verdict"] == "accepted"
    caplog.set_level(logging.WARNING, logger="tensorjudge.sandbox")
    signum = getattr(signal, fault)
    if when == "idle":
        zygote_pid = box.fork_server_pids()["jax"]
        os.kill(zygote_pid, signum)
        sid = stack.client.post("/api/submissions", headers=auth(token),
                                json={"problem": "vector-add", "code": SLOW}).json()["id"]
    else:
        sid, zygote_pid = running_zygote(stack, box, token, SLOW)
        os.kill(zygote_pid, signum)
    try:
        result = stack.wait_done(sid, token, timeout=90)
    finally:
        try:
            os.kill(zygote_pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    assert result["verdict"] == verdict
    assert all(case["verdict"] == verdict for case in result["cases"])
    logged = [r.getMessage() + " " + str(r.exc_info[1] if r.exc_info else "") for r in caplog.records]
    assert any(why in line for line in logged), logged
    # The replacement fork server grades the next submission normally.
    again = stack.client.post("/api/submissions", headers=auth(token),
                              json={"problem": "vector-add", "code": TINY_REFERENCE}).json()["id"]
    assert stack.wait_done(again, token)["verdict"] == "accepted"
    assert box.fork_server_pids().get("jax") not in (None, zygote_pid)


def test_a_fork_server_started_from_a_thread_that_ended_keeps_serving():
    """The fork server dies with the thread that started it (PR_SET_PDEATHSIG): a first
    run from a short-lived thread (a test's, a checker's) must not leave the next run a
    fork server that is being killed."""
    request = RunRequest(code="import numpy as np\n\ndef f(n):\n    return np.arange(3) * n\n",
                         harness_code=builtin_source("call"), entry="f",
                         cases=(CaseSpec("one", {"n": 1}),))
    limits = Limits(time_s=2.0, memory_mb=512, startup_s=5.0)
    with Sandbox(scratch_root="/dev/shm/tensorjudge-test-scratch") as box:
        seen = {}

        def first_run() -> None:
            seen["status"] = box.run(request, limits).cases[0].status
            seen["server"] = box.fork_server_pids().get("jax")

        thread = threading.Thread(target=first_run)
        thread.start()
        thread.join()
        assert seen["status"] is CaseStatus.OK
        again = box.run(request, limits)
        assert again.cases[0].status is CaseStatus.OK, again.cases[0].message
        assert box.fork_server_pids().get("jax") == seen["server"] is not None
