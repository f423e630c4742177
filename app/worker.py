"""A grading worker: claims jobs from the database, grades in its sandbox, writes results.

One worker = one sandbox = one run at a time.  ``tensorjudge worker --concurrency N``
and ``serve --workers N`` start N worker processes.  A worker refuses to start when
the sandbox self-check fails (fail closed).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from app import queue
from app.config import Settings
from app.grading.engine import Grader, ReferenceFailed
from app.grading.setup import build_grader
from app.grading.verdicts import CaseResult, GradeResult, Verdict
from app.models import (
    CaseResultRow,
    Problem,
    ProblemVersion,
    Submission,
    SubmissionStatus,
    VersionStatus,
)
from app.notify import Sender, socket_path
from app.problems.inputs import describe
from app.problems.manifest import Problem as LoadedProblem
from app.problems.service import known_mistakes
from app.problems.versions import problem_from_version

T = TypeVar("T")
log = logging.getLogger("tensorjudge.worker")
MAX_ATTEMPTS = 3
CASE_WRITE_INTERVAL_S = 0.25
HINT_RESCAN_S = 30.0  # how often an idle worker looks for known mistakes not yet run
HINT_IDLE_S = 2.0  # ... once it has had no job for this long (a burst is never slowed)
DB_RETRY_S = 120.0  # how long a finished grading waits for the database to come back


def with_db_retry(action: Callable[[], T], what: str, give_up_s: float = DB_RETRY_S) -> T:
    """Run ``action``, retrying with exponential backoff while the database is unreachable.

    Only connection-level errors are retried (``OperationalError``, ``InterfaceError``);
    ``LeaseLost`` and everything else propagate at once.  After ``give_up_s`` the error
    propagates too: the job's lease then expires and another attempt grades it.
    """
    delay, deadline = 0.2, time.monotonic() + give_up_s
    while True:
        try:
            return action()
        except (OperationalError, InterfaceError) as exc:
            if time.monotonic() + delay > deadline:
                raise
            log.warning("database unavailable while %s (%s); retrying in %.1f s", what,
                        type(exc).__name__, delay)
            time.sleep(delay)
            delay = min(delay * 2, 5.0)


def case_row(submission_id: int, index: int, case: CaseResult) -> CaseResultRow:
    data = case.to_dict()
    data["verdict"] = case.verdict.value
    return CaseResultRow(submission_id=submission_id, idx=index, name=case.name,
                         visible=case.visible, verdict=case.verdict.value,
                         termination=case.termination, data=data)


class _LeaseKeeper(threading.Thread):
    """Renews a job's lease until stopped; notes if the lease was lost."""

    def __init__(self, sessions: sessionmaker, job_id: int, worker_id: str, lease_s: float):
        super().__init__(daemon=True)
        self.sessions, self.job_id, self.worker_id, self.lease_s = sessions, job_id, worker_id, lease_s
        self.stop = threading.Event()
        self.lost = False

    def run(self) -> None:
        while not self.stop.wait(self.lease_s / 3):
            try:
                with self.sessions() as session:
                    queue.renew(session, self.job_id, self.worker_id, self.lease_s)
            except queue.LeaseLost:
                self.lost = True
                return
            except Exception:  # database hiccup: try again next period
                log.warning("lease renewal for job %s failed", self.job_id, exc_info=True)


class Worker:
    def __init__(self, settings: Settings, sessions: sessionmaker, grader: Grader | None = None):
        self.settings = settings
        self.sessions = sessions
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.grader = grader
        self._problems: dict[int, LoadedProblem] = {}
        self._hints_idle_until = 0.0
        self._last_job_at = time.monotonic()
        self._notify = Sender(socket_path(settings.data_dir))  # wakes local SSE streams

    def start(self) -> None:
        """Build the sandbox (fail-closed self-check) and announce ourselves."""
        if self.grader is None:
            self.grader = build_grader(self.settings)
        self._beat()

    def close(self) -> None:
        if self.grader is not None:
            self.grader.sandbox.close()
        try:
            with self.sessions() as session:
                queue.forget_worker(session, self.worker_id)
        except Exception:
            log.warning("could not remove heartbeat of %s", self.worker_id, exc_info=True)

    def _beat(self) -> None:
        assert self.grader is not None
        with self.sessions() as session:
            queue.beat(session, self.worker_id, socket.gethostname(), os.getpid(),
                       ",".join(self.grader.sandbox.layers))

    def run(self, stop: threading.Event) -> None:
        """Claim and process jobs until ``stop`` is set; survive database outages."""
        last_beat = 0.0
        backoff = self.settings.worker_poll_s
        while not stop.is_set():
            try:
                if time.monotonic() - last_beat > 5:
                    self._beat()
                    last_beat = time.monotonic()
                worked = self.run_once() or self.warm_hints_once()
                backoff = self.settings.worker_poll_s
            except Exception:
                log.exception("worker %s: database or job failure; retrying", self.worker_id)
                worked = False
                backoff = min(backoff * 2, 5.0)
            if not worked:
                stop.wait(backoff)

    def run_once(self) -> bool:
        """Process one job if there is one; True if a job was processed."""
        with self.sessions() as session:
            claim = queue.claim(session, self.worker_id, self.settings.lease_s)
        if claim is None:
            return False
        keeper = _LeaseKeeper(self.sessions, claim.job_id, self.worker_id, self.settings.lease_s)
        keeper.start()
        started = time.monotonic()
        try:
            if claim.submission_id is not None:
                self._grade(claim, keeper)
            else:
                self._validate(claim)
        except queue.LeaseLost:
            log.warning("worker %s lost the lease on job %s; its results were discarded",
                        self.worker_id, claim.job_id)
        finally:
            keeper.stop.set()
            self._last_job_at = time.monotonic()
        log.info("job %s (%s) done in %.0f ms by %s", claim.job_id, claim.kind.value,
                 (time.monotonic() - started) * 1000, self.worker_id)
        return True

    def warm_hints_once(self) -> bool:
        """Idle time: run one known mistake whose outputs a published version lacks.

        Hints compare a wrong answer with each known mistake's outputs, computed once
        per version in the sandbox.  Computing them here, one mistake at a time between
        claims, means the first learner with a wrong answer does not wait for all of
        them.  It starts only after ``HINT_IDLE_S`` without a job, so a burst of
        submissions is never slowed, and a job that arrives meanwhile waits for one
        mistake run at most.  When nothing is missing, the next look is
        ``HINT_RESCAN_S`` later (instructors add mistakes).
        True if a mistake was run.
        """
        now = time.monotonic()
        if (self.grader is None or now < self._hints_idle_until
                or now - self._last_job_at < HINT_IDLE_S):
            return False
        with self.sessions() as session:
            for version_id, problem_id in session.execute(
                    select(Problem.current_version_id, Problem.id)
                    .where(Problem.current_version_id.is_not(None),
                           Problem.archived.is_(False))).all():
                problem = self._with_mistakes(session, version_id, problem_id)
                missing = [m for m in problem.mistakes
                           if self.grader.cached_mistake_outputs(problem, m) is None]
                if missing:
                    break
            else:
                self._hints_idle_until = time.monotonic() + HINT_RESCAN_S
                return False
        started = time.monotonic()
        self.grader.mistake_outputs(problem, missing[0])
        log.info("known mistake %s of %s computed in %.0f ms (%d left)", missing[0].key,
                 problem.slug, (time.monotonic() - started) * 1000, len(missing) - 1)
        return True

    def _problem(self, session: Session, version_id: int) -> LoadedProblem:
        """The gradeable problem of a (immutable, hence cacheable) version."""
        if version_id not in self._problems:
            version = session.get(ProblemVersion, version_id)
            slug = session.scalar(select(Problem.slug).where(Problem.id == version.problem_id))
            self._problems[version_id] = problem_from_version(slug, version)
        return self._problems[version_id]

    def _with_mistakes(self, session: Session, version_id: int, problem_id: int) -> LoadedProblem:
        """The version's problem with the known mistakes hints match against (these
        belong to the problem, not the version, and instructors may add some any time)."""
        return replace(self._problem(session, version_id),
                       mistakes=known_mistakes(session, problem_id))

    def _grade(self, claim: queue.Claim, keeper: _LeaseKeeper) -> None:
        assert self.grader is not None and claim.submission_id is not None
        submission_id = claim.submission_id
        with self.sessions() as session:
            queue.reset_partial_results(session, claim.job_id, self.worker_id, submission_id)
            submission = session.get(Submission, submission_id)
            submission.status = SubmissionStatus.RUNNING
            submission.started_at = datetime.now(UTC)
            created = submission.created_at.replace(tzinfo=UTC)
            session.commit()
            version = session.get(ProblemVersion, submission.problem_version_id)
            problem = self._with_mistakes(session, version.id, version.problem_id)
            code, mode = submission.code, submission.mode.value
        context = {"submission": submission_id, "problem": problem.slug, "version": version.version,
                   "worker": self.worker_id, "job": claim.job_id,
                   "queue_ms": round((submission.started_at - created).total_seconds() * 1000, 1)}
        if claim.attempts > MAX_ATTEMPTS:
            result = GradeResult(Verdict.INTERNAL_ERROR, [CaseResult(
                c.name, c.visible, Verdict.INTERNAL_ERROR,
                f"grading failed {MAX_ATTEMPTS} times (the worker died each time)")
                for c in problem.select(mode)])
            self._complete(claim, submission_id, result, context)
            return
        pending: list[CaseResult] = []
        last_write = [time.monotonic()]
        streamed = {"ok": True}

        def on_case(case: CaseResult) -> None:
            # Live progress only: ``_complete`` writes any case missing here, so a failed
            # write is not fatal, and it must never raise into the sandbox mid-run.  Cases
            # of a slow run stream as they finish; cases that arrive together (one program
            # ran them all) wait for _complete's single transaction.
            pending.append(case)
            if not streamed["ok"] or time.monotonic() - last_write[0] < CASE_WRITE_INTERVAL_S:
                return
            try:
                with self.sessions() as session:
                    queue.lock_owned(session, claim.job_id, self.worker_id)
                    start = session.scalar(select(func.count()).select_from(CaseResultRow)
                                           .where(CaseResultRow.submission_id == submission_id))
                    for index in range(start or 0, len(pending)):
                        session.add(case_row(submission_id, index, pending[index]))
                    session.commit()
            except queue.LeaseLost:
                keeper.lost = True
                streamed["ok"] = False
                return
            except Exception:
                log.warning("could not stream cases of submission %s; they are written at the end",
                            submission_id, exc_info=True)
                streamed["ok"] = False
                return
            last_write[0] = time.monotonic()
            self._notify.send(submission_id)

        try:
            result = self.grader.grade(problem, code, mode, on_case=on_case)
        except ReferenceFailed as exc:
            log.error("reference failed while grading submission %s: %s", submission_id, exc)
            result = GradeResult(Verdict.INTERNAL_ERROR, [CaseResult(
                c.name, c.visible, Verdict.INTERNAL_ERROR, "the reference solution failed")
                for c in problem.select(mode)])
        if keeper.lost:
            raise queue.LeaseLost(f"job {claim.job_id}")
        self._complete(claim, submission_id, result, context)

    def _complete(self, claim: queue.Claim, submission_id: int, result: GradeResult,
                  context: dict) -> None:
        with_db_retry(lambda: self._write_result(claim, submission_id, result),
                      f"writing the result of submission {submission_id}")
        self._notify.send(submission_id)
        log.info("submission %s graded: %s (%d/%d)", submission_id, result.verdict.value,
                 result.passed, result.total,
                 extra={**context, "verdict": result.verdict.value,
                        "grading_ms": round(result.wall_ms, 1), "passed": result.passed,
                        "total": result.total})

    def _write_result(self, claim: queue.Claim, submission_id: int, result: GradeResult) -> None:
        """Case rows, verdict and job state in one transaction: all of it or none."""
        with self.sessions() as session:
            job = queue.lock_owned(session, claim.job_id, self.worker_id)
            existing = set(session.scalars(select(CaseResultRow.idx)
                                           .where(CaseResultRow.submission_id == submission_id)))
            for index, case in enumerate(result.cases):
                if index not in existing:
                    session.add(case_row(submission_id, index, case))
            submission = session.get(Submission, submission_id)
            submission.status = SubmissionStatus.DONE
            submission.verdict = result.verdict.value
            submission.passed = result.passed
            submission.total = result.total
            submission.stdout = result.stdout
            submission.finished_at = datetime.now(UTC)
            submission.grading_ms = result.wall_ms
            queue.finish(session, job)
            session.commit()

    def _validate(self, claim: queue.Claim) -> None:
        assert self.grader is not None and claim.problem_version_id is not None
        with self.sessions() as session:
            problem = self._problem(session, claim.problem_version_id)
        examples = None
        try:
            outputs = self.grader.reference_outputs(problem)
            examples = [{"name": c.name, "inputs": {k: describe(v) for k, v in c.inputs.items()},
                         "expected": outputs[c.name].tolist()}
                        for c in problem.cases if c.visible]
            status, detail = VersionStatus.READY, ""
        except ReferenceFailed as exc:
            status, detail = VersionStatus.REJECTED, f"case '{exc.case}': {exc.detail}"
        with self.sessions() as session:
            job = queue.lock_owned(session, claim.job_id, self.worker_id)
            version = session.get(ProblemVersion, claim.problem_version_id)
            version.status, version.status_detail, version.examples = status, detail, examples
            if status is VersionStatus.READY:
                row = session.get(Problem, version.problem_id)
                current = (session.get(ProblemVersion, row.current_version_id)
                           if row.current_version_id else None)
                if current is None or current.version < version.version:
                    row.current_version_id = version.id
            queue.finish(session, job)
            session.commit()
