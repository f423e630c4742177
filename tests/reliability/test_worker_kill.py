"""A worker SIGKILLed while grading, on SQLite (tests/api/test_queue.py covers
PostgreSQL): its lease expires, another worker grades the job, one result set."""

from __future__ import annotations

import signal
import time

import pytest
from sqlalchemy import select

from app.db import make_engine, make_sessionmaker
from app.migrate import upgrade
from app.models import CaseResultRow, Job, JobStatus, Submission
from app.problems.service import sync_folder
from tests.api.test_queue import add_submissions, start_worker, stop, wait_all_done

SLOW = "import time\n\ndef add(a, b):\n    time.sleep(1.5)\n    return a + b\n"


@pytest.mark.slow
def test_killed_workers_job_is_regraded_once_on_sqlite(tmp_path, tiny_dirs):
    url = f"sqlite:///{tmp_path / 'tj.db'}"
    upgrade(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    with sessions() as session:
        sync_folder(session, *tiny_dirs)
    (submission_id,) = add_submissions(sessions, [SLOW])
    first = start_worker(url, tiny_dirs, lease_s=3)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            with sessions() as session:
                job = session.scalars(select(Job).where(Job.submission_id == submission_id)).one()
                submission = session.get(Submission, submission_id)
            if job.status is JobStatus.RUNNING and submission.started_at is not None:
                break
            time.sleep(0.05)
        time.sleep(0.5)  # inside the learner's code
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        second = start_worker(url, tiny_dirs, lease_s=3)
        try:
            wait_all_done(sessions, 120, [second])
        finally:
            stop([second])
    finally:
        stop([first])
    with sessions() as session:
        job = session.scalars(select(Job).where(Job.submission_id == submission_id)).one()
        submission = session.get(Submission, submission_id)
        rows = session.scalars(select(CaseResultRow.idx)
                               .where(CaseResultRow.submission_id == submission_id)).all()
    engine.dispose()
    assert job.attempts == 2 and submission.verdict == "accepted"
    assert sorted(rows) == [0, 1]
