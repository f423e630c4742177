"""Warming pieces and hints that follow a verdict: the jobs a learner never waits behind.

A *warming piece* is one known mistake of one published version, run in the sandbox at
the lowest CPU priority so that hints can compare wrong answers with it.  Each piece is
a ``warm`` job, unique by ``(version, piece)``: enqueued when a version is validated,
when an instructor adds a mistake, and when a worker starts (any that are missing), and
claimed and computed once across every worker and host.  Claims take learners' jobs
first (``app.models.JOB_PRIORITY``).

A wrong answer graded before its version's pieces are all computed gets its verdict at
once (``Grader.grade(defer_mistakes=True)``); its grade job then becomes a ``hints`` job.
That job hurries the pieces it needs ahead of other warming and waits for them (it is
requeued a second later, without holding a worker), then grades the code again at the
lowest priority and rewrites only the cases' hints: the SSE stream sends them as a
``hints`` event.  Outputs live in each host's data directory; a host that lacks a piece
another host computed (a fresh data directory beside a shared PostgreSQL) computes it
itself when a hint needs it.
"""

from __future__ import annotations

import hashlib
import logging
import time
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session, sessionmaker

from app.grading.engine import Yielded
from app.jobs import repository
from app.jobs.repository import Claim
from app.models import JobStatus, Submission
from app.problems import repository as problems
from app.problems.manifest import Problem

if TYPE_CHECKING:
    from app.jobs.service import JobService, Lease

log = logging.getLogger("tensorjudge.worker")
HINTS_WAIT_S = 1.0  # how long a hints job waits before looking at its pieces again
MAX_HINT_ATTEMPTS = 3


def piece_name(key: str, code: str) -> str:
    """A mistake's piece name: its key and a hash of its code (an edit is a new piece)."""
    return f"{key}:{hashlib.sha256(code.encode()).hexdigest()[:16]}"


def enqueue_version(session: Session, version_id: int, problem_id: int) -> int:
    """Enqueue every known mistake of a version not enqueued before; how many were."""
    pieces = [piece_name(m.key, m.code) for m in problems.mistakes(session, problem_id)]
    return sum(repository.enqueue_warm(session, version_id, piece) for piece in pieces)


def enqueue_published(sessions: sessionmaker) -> int:
    """At a worker's start: every published version's pieces that were never enqueued."""
    with sessions() as session:
        return sum(enqueue_version(session, version_id, problem_id)
                   for version_id, problem_id in repository.published_versions(session))


def warm(jobs: JobService, claim: Claim) -> None:
    """Compute one warming piece (a known mistake's outputs) at the lowest CPU priority."""
    assert claim.problem_version_id is not None
    with jobs.sessions() as session:
        version, _ = repository.version_with_slug(session, claim.problem_version_id)
        problem = jobs.with_mistakes(session, version.id, version.problem_id)
    mistake = next((m for m in problem.mistakes if piece_name(m.key, m.code) == claim.piece), None)
    started = time.monotonic()
    if mistake is not None:  # else: deleted or edited since (its new code is a new piece)
        try:
            jobs.grader.mistake_outputs(problem, mistake, background=True)
        except Yielded:
            jobs.give_way(claim, f"warming piece {claim.piece} of {problem.slug}")
            return
    with jobs.sessions() as session:
        repository.finish(session, repository.lock_owned(session, claim.job_id, jobs.worker_id))
        session.commit()
    log.info("warming piece %s of %s computed in %.0f ms", claim.piece, problem.slug,
             (time.monotonic() - started) * 1000,
             extra={"piece": claim.piece, "problem": problem.slug, "version": claim.problem_version_id,
                    "worker": jobs.worker_id})


def follow_hints(jobs: JobService, claim: Claim, lease: Lease) -> None:
    """A graded submission's hints: wait for the pieces they need, then write them."""
    assert claim.submission_id is not None
    with jobs.sessions() as session:
        submission = session.get(Submission, claim.submission_id)
        assert submission is not None
        version, _ = repository.version_with_slug(session, submission.problem_version_id)
        problem = jobs.with_mistakes(session, version.id, version.problem_id)
        code, mode, framework = submission.code, submission.mode, submission.framework
        if claim.attempts > MAX_HINT_ATTEMPTS:  # the worker died each time: hints stay as they are
            _finish(jobs, session, claim, submission)
            return
        waiting = _pieces_to_wait_for(jobs, session, version.id, problem)
        if waiting:
            repository.hurry_warm(session, version.id, waiting)
            repository.requeue(
                session, repository.lock_owned(session, claim.job_id, jobs.worker_id), HINTS_WAIT_S)
            session.commit()
            return
    result = jobs.grader.grade(problem, code, mode, background=True, framework=framework)
    with jobs.sessions() as session:
        job = repository.lock_owned(session, claim.job_id, jobs.worker_id)
        submission = session.get(Submission, claim.submission_id)
        assert submission is not None
        for row in repository.case_rows_of(session, claim.submission_id):
            case = result.cases[row.idx] if row.idx < len(result.cases) else None
            if case is None or case.verdict.value != row.verdict:
                log.warning("submission %s case %s: verdict %s on the hints run, %s stored; "
                            "hint left as it was", claim.submission_id, row.name,
                            case.verdict.value if case else None, row.verdict)
                continue
            row.data = {**row.data, "hint": case.hint, "hint_category": case.hint_category,
                        "mistake": case.mistake}
        submission.hints_pending = False
        repository.finish(session, job)
        repository.announce(session, claim.submission_id)
        session.commit()
    jobs.notify.send(claim.submission_id)


def _pieces_to_wait_for(jobs: JobService, session: Session, version_id: int,
                        problem: Problem) -> list[str]:
    """Pieces this host lacks that a warm job will compute; computes the rest here
    (pieces another host computed, whose outputs this host's data directory lacks)."""
    statuses = repository.warm_pieces(session, version_id)
    waiting = []
    for mistake in jobs.grader.missing_mistakes(problem):
        name = piece_name(mistake.key, mistake.code)
        status = statuses.get(name)
        if status is None:
            repository.enqueue_warm(session, version_id, name)
            waiting.append(name)
        elif status is not JobStatus.DONE:
            waiting.append(name)
        else:
            jobs.grader.mistake_outputs(problem, mistake, background=True)
    return waiting


def _finish(jobs: JobService, session: Session, claim: Claim, submission: Submission) -> None:
    submission.hints_pending = False
    repository.finish(session, repository.lock_owned(session, claim.job_id, jobs.worker_id))
    repository.announce(session, submission.id)
    session.commit()
    jobs.notify.send(submission.id)
