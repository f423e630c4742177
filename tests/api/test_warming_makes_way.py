"""A running warming piece or validation stops for a learner's job that finds no free
worker: the learner is graded next, the background job goes back to the queue (not a
failed attempt) and is computed once, later, in full."""

from __future__ import annotations

import logging
import threading
import time
import uuid

from fastapi.testclient import TestClient
from sqlalchemy import select

from app.jobs.worker import Worker
from app.main import create_app
from app.models import Job, JobKind, JobStatus
from tests.api.conftest import Stack, auth, make_stack, published_mistake

# A known mistake that computes until its CPU-time limit: the piece is still running
# whenever the learner's job arrives, however busy the machine is.
SPINS = "def add(a, b):\n    while True:\n        pass\n"
CORRECT = "import numpy as np\n\ndef add(a, b):\n    return np.asarray(a) + np.asarray(b)\n"


def _job(sessions, kind: JobKind) -> Job:
    """The newest job of ``kind``, detached from its session."""
    with sessions() as session:
        job = session.scalars(select(Job).where(Job.kind == kind).order_by(Job.id.desc())).first()
        assert job is not None
        session.expunge(job)
        return job


def _wait_running(sessions, kind: JobKind, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while _job(sessions, kind).status is not JobStatus.RUNNING:
        assert time.monotonic() < deadline, f"the {kind.value} job never started"
        time.sleep(0.05)


def test_a_warming_piece_makes_way_for_a_learner_and_is_computed_once_later(
        db_url, tiny_dirs, grader, caplog):
    caplog.set_level(logging.INFO, logger="tensorjudge.worker")
    spins = f"# {uuid.uuid4().hex}\n{SPINS}"  # never computed before, on any run
    settings, sessions, engine, _, _, _ = make_stack(db_url, tiny_dirs, grader, with_worker=False)
    worker = Worker(settings, sessions, grader=grader)  # one worker, driven by hand
    try:
        worker.start()
        while worker.run_once():  # validate and publish the problem
            pass
        with TestClient(create_app(settings)) as client:
            stack = Stack(client, settings, sessions, worker)
            stack.wait_problem()
            added = client.post("/api/problems/vector-add/mistakes",
                                headers=auth(stack.instructor_token()),
                                json={"code": spins, "explanation": "It never returns."})
            assert added.status_code == 201, added.text
            piece = _job(sessions, JobKind.WARM)
            assert piece.status is JobStatus.QUEUED

            warming = threading.Thread(target=worker.run_once)  # claims the piece: the only job
            warming.start()
            _wait_running(sessions, JobKind.WARM)
            token = stack.token("ada")
            sid = client.post("/api/submissions", headers=auth(token),
                              json={"problem": "vector-add", "code": CORRECT}).json()["id"]
            warming.join(timeout=300)
            assert not warming.is_alive()

            given_way = _job(sessions, JobKind.WARM)
            assert (given_way.id, given_way.status, given_way.attempts) == (piece.id, JobStatus.QUEUED, 0)
            assert grader.cached_mistake_outputs(*published_mistake(sessions, "vector-add", spins)) is None
            assert any("made way for a learner's job" in r.getMessage() for r in caplog.records)

            assert worker.run_once()  # the learner's job comes next
            assert stack.wait_done(sid, token, timeout=1)["verdict"] == "accepted"
            assert _job(sessions, JobKind.WARM).status is JobStatus.QUEUED

            assert worker.run_once()  # then the piece, in full: nobody waits now
            assert _job(sessions, JobKind.WARM).status is JobStatus.DONE
            assert grader.cached_mistake_outputs(*published_mistake(sessions, "vector-add", spins)) == {}
            computed = [r for r in caplog.records if "warming piece" in r.getMessage()
                        and "computed" in r.getMessage()]
            assert len(computed) == 1
    finally:
        engine.dispose()


# The reference of a new problem burns 1.5 s of CPU time per case (its limit is 5 s):
# its validation is still running when the learner's job arrives.
SLOW_PROBLEM = {
    "title": "Scale a vector slowly", "difficulty": "easy", "statement": "Return $2x$.",
    "starter_code": "def scale(x):\n    raise NotImplementedError\n", "entry": "scale",
    "solution_code": ("import time\n\nimport numpy as np\n\n\ndef scale(x):\n"
                      "    started = time.process_time()\n"
                      "    while time.process_time() - started < 1.5:\n        pass\n"
                      "    return 2 * np.asarray(x)\n"),
    "cases": [{"name": "example", "visible": True, "inputs": {"x": [1.0, 2.0]}},
              {"name": "hidden", "inputs": {"x": {"normal": [8], "seed": 3}}}],
    "limits": {"time_s": 5, "memory_mb": 512},
}


def test_a_validation_makes_way_for_a_learner_and_then_publishes(db_url, tiny_dirs, grader, caplog):
    caplog.set_level(logging.INFO, logger="tensorjudge.worker")
    settings, sessions, engine, _, _, _ = make_stack(db_url, tiny_dirs, grader, with_worker=False)
    worker = Worker(settings, sessions, grader=grader)
    try:
        worker.start()
        while worker.run_once():
            pass
        with TestClient(create_app(settings)) as client:
            stack = Stack(client, settings, sessions, worker)
            stack.wait_problem()
            prof, token = stack.instructor_token(), stack.token("ada")
            slug = f"slow-{uuid.uuid4().hex[:8]}"  # a new version: never validated before
            published = _job(sessions, JobKind.VALIDATE).id  # vector-add's, done
            created: dict = {}
            poster = threading.Thread(target=lambda: created.update(response=client.post(
                "/api/problems", headers=auth(prof), json={**SLOW_PROBLEM, "slug": slug})))
            poster.start()  # answers once the version is validated
            deadline = time.monotonic() + 60
            while _job(sessions, JobKind.VALIDATE).id == published:
                assert time.monotonic() < deadline, "no validation job was enqueued"
                time.sleep(0.05)
            validating = threading.Thread(target=worker.run_once)
            validating.start()
            _wait_running(sessions, JobKind.VALIDATE)
            sid = client.post("/api/submissions", headers=auth(token),
                              json={"problem": "vector-add", "code": CORRECT}).json()["id"]
            validating.join(timeout=300)
            assert not validating.is_alive()
            job = _job(sessions, JobKind.VALIDATE)
            assert (job.status, job.attempts) == (JobStatus.QUEUED, 0)
            assert any("validation of" in r.getMessage() and "made way" in r.getMessage()
                       for r in caplog.records)

            assert worker.run_once()  # the learner first
            assert stack.wait_done(sid, token, timeout=1)["verdict"] == "accepted"
            assert worker.run_once()  # then the validation, in full
            poster.join(timeout=120)
            assert created["response"].status_code == 201, created["response"].text
            assert _job(sessions, JobKind.VALIDATE).status is JobStatus.DONE
    finally:
        engine.dispose()
