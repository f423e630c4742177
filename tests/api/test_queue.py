"""The job queue on PostgreSQL with real ``tensorjudge worker`` processes.

Exactly-once claims with three workers, and lease reclaim after a worker is SIGKILLed
in the middle of a job.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import func, select

from app.db import make_engine, make_sessionmaker
from app.jobs.repository import enqueue_grade
from app.migrate import upgrade
from app.models import CaseResultRow, Job, JobStatus, Mode, Submission, SubmissionStatus, User
from app.problems import repository
from app.problems.service import sync_folder
from tests.api.conftest import create_pg_database, drop_pg_database
from tests.conftest import DATA_DIR, ROOT
from tests.tiny_problem import TINY_REFERENCE


@pytest.fixture
def pg(postgres_available, tiny_dirs):
    if not postgres_available:
        pytest.fail("PostgreSQL is not running on 127.0.0.1:5432")
    name, url = create_pg_database()
    upgrade(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    with sessions() as session:
        sync_folder(session, *tiny_dirs)
    try:
        yield url, sessions
    finally:
        engine.dispose()
        drop_pg_database(name)


def start_worker(url: str, tiny_dirs, lease_s: float = 30) -> subprocess.Popen:
    env = {**os.environ, "TENSORJUDGE_DATABASE_URL": url, "TENSORJUDGE_DATA_DIR": str(DATA_DIR),
           "TENSORJUDGE_PROBLEMS_DIR": str(tiny_dirs[0]),
           "TENSORJUDGE_REFERENCE_DIR": str(tiny_dirs[1]), "TENSORJUDGE_LEASE_S": str(lease_s)}
    return subprocess.Popen([sys.executable, "-m", "app", "worker"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def add_submissions(sessions, codes: list[str]) -> list[int]:
    with sessions() as session:
        user = User(username="loadtest")
        session.add(user)
        session.flush()
        problem = repository.get_problem(session, "vector-add")
        version = repository.latest_version(session, problem.id)
        ids = []
        for code in codes:
            submission = Submission(user_id=user.id, problem_version_id=version.id, mode=Mode.SUBMIT,
                                    code=code)
            session.add(submission)
            session.flush()
            enqueue_grade(session, submission.id)
            ids.append(submission.id)
        session.commit()
    return ids


def wait_all_done(sessions, timeout: float, workers: list[subprocess.Popen]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with sessions() as session:
            left = session.scalar(select(func.count()).select_from(Job)
                                  .where(Job.status != JobStatus.DONE))
        if left == 0:
            return
        for worker in workers:
            assert worker.poll() is None, worker.stderr.read().decode()[-3000:]
        time.sleep(0.2)
    raise AssertionError(f"{left} jobs still not done after {timeout} s")


def stop(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        if worker.poll() is None:
            worker.terminate()
    for worker in workers:
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        worker.stderr.close()


def test_three_workers_grade_100_jobs_exactly_once(pg, tiny_dirs):
    url, sessions = pg
    wrong = "def add(a, b):\n    return a - b\n"
    ids = add_submissions(sessions, [TINY_REFERENCE if i % 2 else wrong for i in range(100)])
    workers = [start_worker(url, tiny_dirs) for _ in range(3)]
    try:
        wait_all_done(sessions, 240, workers)
    finally:
        stop(workers)
    with sessions() as session:
        jobs = session.scalars(select(Job).where(Job.submission_id.in_(ids))).all()
        assert len(jobs) == 100 and all(job.attempts == 1 for job in jobs)
        assert len({job.worker_id for job in jobs}) == 3  # every worker took part
        subs = session.scalars(select(Submission).where(Submission.id.in_(ids))).all()
        assert all(s.status is SubmissionStatus.DONE for s in subs)
        verdicts = {s.id: s.verdict for s in subs}
        assert all(verdicts[i] == ("accepted" if n % 2 else "wrong_answer") for n, i in enumerate(ids))
        rows = session.scalar(select(func.count()).select_from(CaseResultRow)
                              .where(CaseResultRow.submission_id.in_(ids)))
        assert rows == 200  # two cases each, never a second set


def test_job_of_a_killed_worker_is_reclaimed_and_graded_once(pg, tiny_dirs):
    url, sessions = pg
    slow = ("import time\n\ndef add(a, b):\n    time.sleep(1.5)\n    return a + b\n")
    (submission_id,) = add_submissions(sessions, [slow])
    first = start_worker(url, tiny_dirs, lease_s=3)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with sessions() as session:
                job = session.scalars(select(Job).where(Job.submission_id == submission_id)).one()
                if job.status is JobStatus.RUNNING:
                    break
            time.sleep(0.05)
        assert job.status is JobStatus.RUNNING
        time.sleep(0.5)  # mid-job
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        stop([first])
    second = start_worker(url, tiny_dirs, lease_s=3)
    try:
        wait_all_done(sessions, 120, [second])
    finally:
        stop([second])
    with sessions() as session:
        job = session.scalars(select(Job).where(Job.submission_id == submission_id)).one()
        submission = session.get(Submission, submission_id)
        rows = session.scalars(select(CaseResultRow)
                               .where(CaseResultRow.submission_id == submission_id)).all()
    assert job.attempts == 2 and job.worker_id != "" and submission.verdict == "accepted"
    assert sorted(r.idx for r in rows) == [0, 1]
