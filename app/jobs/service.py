"""What a worker does with a claimed job: grade a submission or validate a problem version.

Grading: claim -> reset partial results -> grade in the sandbox (streaming cases) ->
write every case, the verdict, its course gradebook cell and the job's end in one
transaction -> notify SSE.
Validation: run the reference on every case; ready (and current) or rejected.
Every write first locks the job row and checks the lease is still ours
(``repository.lock_owned``), so a worker that lost its lease never writes results.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from app.courses.repository import count_attempt
from app.grading.engine import Grader, ReferenceFailed, Yielded
from app.grading.verdicts import CaseResult, GradeResult
from app.jobs import repository, warming
from app.jobs.repository import Claim, LeaseLost
from app.models import CaseResultRow, ProblemRow, ProblemVersion, Submission, SubmissionStatus, VersionStatus
from app.notify import Sender
from app.problems.inputs import describe
from app.problems.manifest import Problem
from app.problems.service import known_mistakes
from app.problems.versions import problem_from_version

T = TypeVar("T")
log = logging.getLogger("tensorjudge.worker")
MAX_ATTEMPTS = 3
CASE_WRITE_INTERVAL_S = 0.25
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


@dataclass
class Lease:
    """A claimed job's lease as the worker sees it; ``lost`` once another worker took it."""

    job_id: int
    lost: bool = False


class JobService:
    """Grades and validates claimed jobs for one worker (its id, sandbox and problem cache)."""

    def __init__(self, sessions: sessionmaker, grader: Grader, worker_id: str, notify: Sender):
        self.sessions, self.grader, self.worker_id, self.notify = sessions, grader, worker_id, notify
        self._problems: dict[int, Problem] = {}

    def problem(self, session: Session, version_id: int) -> Problem:
        """The gradeable problem of a (immutable, hence cacheable) version."""
        if version_id not in self._problems:
            version, slug = repository.version_with_slug(session, version_id)
            self._problems[version_id] = problem_from_version(slug, version)
        return self._problems[version_id]

    def with_mistakes(self, session: Session, version_id: int, problem_id: int) -> Problem:
        """The version's problem with the known mistakes hints match against (these
        belong to the problem, not the version, and instructors may add some any time)."""
        return replace(self.problem(session, version_id), mistakes=known_mistakes(session, problem_id))

    def grade(self, claim: Claim, lease: Lease) -> None:
        """Grade a claimed submission and write its result (raises ``LeaseLost``)."""
        assert claim.submission_id is not None
        submission_id = claim.submission_id
        with self.sessions() as session:
            repository.reset_partial_results(session, claim.job_id, self.worker_id, submission_id)
            submission = session.get(Submission, submission_id)
            assert submission is not None
            started_at = submission.started_at = datetime.now(UTC)
            submission.status = SubmissionStatus.RUNNING
            created = submission.created_at.replace(tzinfo=UTC)
            session.commit()
            version = session.get(ProblemVersion, submission.problem_version_id)
            assert version is not None
            problem = self.with_mistakes(session, version.id, version.problem_id)
            code, mode, framework = submission.code, submission.mode, submission.framework
        context = {"submission": submission_id, "problem": problem.slug, "version": version.version,
                   "worker": self.worker_id, "job": claim.job_id,
                   "queue_ms": round((started_at - created).total_seconds() * 1000, 1)}
        cases = [(c.name, c.visible) for c in problem.select(mode)]
        if claim.attempts > MAX_ATTEMPTS:
            result = GradeResult.internal(
                cases, f"grading failed {MAX_ATTEMPTS} times (the worker died each time)")
            self._complete(claim, submission_id, result, context)
            return
        on_case, flush = self._case_streamer(claim, submission_id, lease, [n for n, _ in cases])
        try:
            result = self.grader.grade(problem, code, mode, defer_mistakes=True, on_case=on_case,
                                       framework=framework, between_groups=flush)
        except ReferenceFailed as exc:
            log.error("reference failed while grading submission %s: %s", submission_id, exc)
            result = GradeResult.internal(cases, "the reference solution failed")
        if lease.lost:
            raise LeaseLost(f"job {claim.job_id}")
        self._complete(claim, submission_id, result, context)

    def _case_streamer(self, claim: Claim, submission_id: int, lease: Lease, names: list[str]
                       ) -> tuple[Callable[[CaseResult], None], Callable[[], None]]:
        """``on_case`` writing cases as they finish, at most every
        ``CASE_WRITE_INTERVAL_S``, and waking the submission's SSE streams; and
        ``flush`` writing every case passed so far at once (between process groups:
        the visible cases are shown before the hidden ones compile).

        Only a leading run of cases in case order is written (``names``: the cases'
        names in that order), because the stream sends rows in index order, once.
        """
        index_of = {name: index for index, name in enumerate(names)}
        pending: dict[int, CaseResult] = {}
        last_write = [time.monotonic()]
        streamed = {"ok": True, "written": 0}  # written: cases 0 .. written-1 are stored

        def on_case(case: CaseResult) -> None:
            # Live progress only: ``_complete`` writes any case missing here, so a failed
            # write is not fatal, and it must never raise into the sandbox mid-run.  Cases
            # of a slow run stream as they finish; cases that arrive together (one program
            # ran them all) wait for the next flush or _complete's single transaction.
            pending[index_of[case.name]] = case
            if time.monotonic() - last_write[0] >= CASE_WRITE_INTERVAL_S:
                flush()

        def flush() -> None:
            end = streamed["written"]
            while end in pending:
                end += 1
            if not streamed["ok"] or end == streamed["written"]:
                return
            try:
                with self.sessions() as session:
                    repository.lock_owned(session, claim.job_id, self.worker_id)
                    for index in range(streamed["written"], end):
                        session.add(case_row(submission_id, index, pending[index]))
                    repository.announce(session, submission_id)
                    session.commit()
            except LeaseLost:
                lease.lost = True
                streamed["ok"] = False
                return
            except Exception:
                log.warning("could not stream cases of submission %s; they are written at the end",
                            submission_id, exc_info=True)
                streamed["ok"] = False
                return
            last_write[0] = time.monotonic()
            streamed["written"] = end
            self.notify.send(submission_id)

        return on_case, flush

    def _complete(self, claim: Claim, submission_id: int, result: GradeResult,
                  context: dict[str, Any]) -> None:
        with_db_retry(lambda: self._write_result(claim, submission_id, result),
                      f"writing the result of submission {submission_id}")
        self.notify.send(submission_id)
        log.info("submission %s graded: %s (%d/%d)", submission_id, result.verdict.value,
                 result.passed, result.total,
                 extra={**context, "verdict": result.verdict.value,
                        "grading_ms": round(result.wall_ms, 1), "passed": result.passed,
                        "total": result.total})

    def _write_result(self, claim: Claim, submission_id: int, result: GradeResult) -> None:
        """Case rows, verdict, gradebook cell and job state in one transaction: all of it or none."""
        with self.sessions() as session:
            job = repository.lock_owned(session, claim.job_id, self.worker_id)
            existing = repository.written_case_indexes(session, submission_id)
            for index, case in enumerate(result.cases):
                if index not in existing:
                    session.add(case_row(submission_id, index, case))
            submission = session.get(Submission, submission_id)
            assert submission is not None
            first_verdict = submission.verdict is None
            submission.status = SubmissionStatus.DONE
            submission.verdict = result.verdict.value
            submission.passed = result.passed
            submission.total = result.total
            submission.stdout = result.stdout
            submission.finished_at = datetime.now(UTC)
            submission.grading_ms = result.wall_ms
            submission.hints_pending = result.hints_pending
            if first_verdict:  # its course's gradebook cell counts it once, with its cases
                count_attempt(session, submission)
            if result.hints_pending:  # the verdict is out; this job now waits for hints
                repository.follow_with_hints(session, job)
            else:
                repository.finish(session, job)
            repository.announce(session, submission_id)
            session.commit()

    def give_way(self, claim: Claim, what: str) -> None:
        """Requeue a background job whose run made way for a learner's (not an attempt)."""
        with self.sessions() as session:
            repository.requeue(session, repository.lock_owned(session, claim.job_id, self.worker_id))
            session.commit()
        log.info("%s made way for a learner's job", what,
                 extra={"job": claim.job_id, "worker": self.worker_id})

    def validate(self, claim: Claim) -> None:
        """Run the reference on every case of a new version: ready (and current) or rejected."""
        assert claim.problem_version_id is not None
        with self.sessions() as session:
            problem = self.problem(session, claim.problem_version_id)
        examples = None
        try:
            outputs = self.grader.reference_outputs(problem, background=True)
            examples = [{"name": c.name, "inputs": {k: describe(v) for k, v in c.inputs.items()},
                         "expected": outputs[c.name].tolist()}
                        for c in problem.cases if c.visible]
            status, detail = VersionStatus.READY, ""
        except Yielded:
            self.give_way(claim, f"validation of {problem.slug}")
            return
        except ReferenceFailed as exc:
            status, detail = VersionStatus.REJECTED, f"case '{exc.case}': {exc.detail}"
        with self.sessions() as session:
            job = repository.lock_owned(session, claim.job_id, self.worker_id)
            version = session.get(ProblemVersion, claim.problem_version_id)
            assert version is not None
            version.status, version.status_detail, version.examples = status, detail, examples
            if status is VersionStatus.READY:
                row = session.get(ProblemRow, version.problem_id)
                assert row is not None
                current = (session.get(ProblemVersion, row.current_version_id)
                           if row.current_version_id else None)
                if current is None or current.version < version.version:
                    row.current_version_id = version.id
            repository.finish(session, job)
            session.commit()
            if status is VersionStatus.READY:
                warming.enqueue_version(session, version.id, version.problem_id)
