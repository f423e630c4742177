"""All SQL about jobs: the durable queue, leases, heartbeats, the results a job writes,
and the counts ``/metrics`` and ``/readyz`` report.

A job is claimed by one worker at a time under a lease.  On PostgreSQL the claim is
``UPDATE ... WHERE id = (SELECT ... FOR UPDATE SKIP LOCKED LIMIT 1)``, so concurrent
claimers never block on or take the same row; on SQLite the same single UPDATE
statement is atomic because SQLite serialises writers.  A job whose lease expired
(its worker died) is claimable again.  Everything a worker writes for a job happens
in a transaction that first locks the job row *and* checks it still owns it, so a
worker that lost its lease can never write a second set of results.

Claims go by priority (``app.models.JOB_PRIORITY``: learners' grading first, warming
last), then age.  A warming piece is a row unique by ``(version, piece)``, so it is
enqueued, claimed and computed once however many workers and hosts ask for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult, and_, delete, func, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.models import (
    JOB_PRIORITY,
    URGENT_WARM_PRIORITY,
    CaseResultRow,
    Job,
    JobKind,
    JobStatus,
    Mode,
    ProblemRow,
    ProblemVersion,
    Submission,
    SubmissionStatus,
    WorkerBeat,
)
from app.notify import CHANNEL


def now() -> datetime:
    return datetime.now(UTC)


class LeaseLost(RuntimeError):
    """The job's lease expired and another worker took it over."""


@dataclass(frozen=True)
class Claim:
    job_id: int
    kind: JobKind
    submission_id: int | None
    problem_version_id: int | None
    attempts: int
    piece: str | None = None


# A Run (visible examples only) is claimed before waiting Submits: it is the learner's
# quick check, and the shortest job.
RUN_PRIORITY = JOB_PRIORITY[JobKind.GRADE] - 1


def enqueue_grade(session: Session, submission_id: int, mode: Mode = Mode.SUBMIT) -> Job:
    priority = RUN_PRIORITY if mode is Mode.RUN else JOB_PRIORITY[JobKind.GRADE]
    job = Job(kind=JobKind.GRADE, submission_id=submission_id, priority=priority)
    session.add(job)
    return job


def enqueue_validation(session: Session, version_id: int) -> Job:
    job = Job(kind=JobKind.VALIDATE, problem_version_id=version_id,
              priority=JOB_PRIORITY[JobKind.VALIDATE])
    session.add(job)
    return job


def enqueue_warm(session: Session, version_id: int, piece: str) -> bool:
    """Add one warming piece of a version unless it was ever enqueued (by anyone).

    Committed at once, in its own transaction, so that two workers or hosts racing to
    add the same piece leave one row: the unique index decides.  True if added.
    """
    if session.scalar(select(Job.id).where(Job.problem_version_id == version_id,
                                           Job.piece == piece)) is not None:
        return False
    session.add(Job(kind=JobKind.WARM, problem_version_id=version_id, piece=piece,
                    priority=JOB_PRIORITY[JobKind.WARM]))
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return False
    return True


def warm_pieces(session: Session, version_id: int) -> dict[str, JobStatus]:
    """The version's warming pieces ever enqueued, and where each stands."""
    rows = session.execute(select(Job.piece, Job.status).where(
        Job.problem_version_id == version_id, Job.kind == JobKind.WARM)).all()
    return {piece: status for piece, status in rows if piece is not None}


def hurry_warm(session: Session, version_id: int, pieces: list[str]) -> None:
    """A learner's hints wait for these pieces: claim them before other warming."""
    session.execute(update(Job).where(Job.problem_version_id == version_id, Job.piece.in_(pieces),
                                      Job.status == JobStatus.QUEUED)
                    .values(priority=URGENT_WARM_PRIORITY))


def follow_with_hints(session: Session, job: Job) -> None:
    """Turn a locked, owned grade job into its submission's ``hints`` job (same row)."""
    job.kind = JobKind.HINTS
    job.priority = JOB_PRIORITY[JobKind.HINTS]
    job.status = JobStatus.QUEUED
    job.worker_id = None
    job.lease_expires_at = None
    job.attempts = 0


def requeue(session: Session, job: Job, seconds: float = 0.0) -> None:
    """Put a locked, owned job back in the queue, claimable ``seconds`` from now (a hints
    job waiting for warming, a background job that made way for a learner's)."""
    job.status = JobStatus.QUEUED
    job.worker_id = None
    job.lease_expires_at = None
    job.attempts = max(0, job.attempts - 1)  # waiting or giving way is not a failed attempt
    job.not_before = now() + timedelta(seconds=seconds) if seconds else None


BACKGROUND_KINDS = (JobKind.VALIDATE, JobKind.WARM)


def should_make_way(session: Session, job_id: int, grace_s: float) -> bool:
    """Whether the background job ``job_id`` (validation or warming) should stop so that a
    learner's grading job can start.

    Learners' jobs queued for over ``grace_s`` found no free worker (idle workers claim
    within a poll).  For each of them one running background job gives way, the newest
    first, so a single learner does not stop every worker's warming.
    """
    moment = now()
    waiting = session.scalar(select(func.count()).select_from(Job).where(
        Job.status == JobStatus.QUEUED, Job.kind == JobKind.GRADE,
        Job.created_at <= moment - timedelta(seconds=grace_s),
        or_(Job.not_before.is_(None), Job.not_before <= moment))) or 0
    if not waiting:
        return False
    newer = session.scalar(select(func.count()).select_from(Job).where(
        Job.status == JobStatus.RUNNING, Job.kind.in_(BACKGROUND_KINDS), Job.id > job_id,
        Job.lease_expires_at >= moment)) or 0
    return newer < waiting


def unfinished(session: Session) -> int:
    """Jobs of every kind not done yet (warming included)."""
    return session.scalar(select(func.count()).select_from(Job).where(Job.status != JobStatus.DONE)) or 0


def depth(session: Session) -> int:
    """Learners' jobs waiting (what the queue limit counts; warming never fills it)."""
    return session.scalar(select(func.count()).select_from(Job).where(
        Job.status == JobStatus.QUEUED, Job.kind == JobKind.GRADE)) or 0


def claim(session: Session, worker_id: str, lease_s: float) -> Claim | None:
    """Atomically take the oldest claimable job; commit and return it, or None."""
    moment = now()
    candidate = (
        select(Job.id)
        .where(or_(and_(Job.status == JobStatus.QUEUED,
                        or_(Job.not_before.is_(None), Job.not_before <= moment)),
                   and_(Job.status == JobStatus.RUNNING, Job.lease_expires_at < moment)))
        .order_by(Job.priority, Job.id)
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    row = session.execute(
        update(Job)
        .where(Job.id == candidate)
        .values(status=JobStatus.RUNNING, worker_id=worker_id, attempts=Job.attempts + 1,
                lease_expires_at=moment + timedelta(seconds=lease_s))
        .returning(Job.id, Job.kind, Job.submission_id, Job.problem_version_id, Job.attempts,
                   Job.piece)
    ).first()
    session.commit()
    if row is None:
        return None
    return Claim(row.id, JobKind(row.kind), row.submission_id, row.problem_version_id, row.attempts,
                 row.piece)


def lock_owned(session: Session, job_id: int, worker_id: str) -> Job:
    """Lock the job row for this transaction; raise ``LeaseLost`` unless we still own it."""
    job = session.scalars(
        select(Job).where(Job.id == job_id, Job.worker_id == worker_id,
                          Job.status == JobStatus.RUNNING).with_for_update()
    ).first()
    if job is None:
        raise LeaseLost(f"job {job_id} is no longer owned by {worker_id}")
    return job


def renew(session: Session, job_id: int, worker_id: str, lease_s: float) -> None:
    """Extend the lease (heartbeat); raise ``LeaseLost`` if it was taken over."""
    done: CursorResult[Any] = session.execute(  # type: ignore[assignment]
        update(Job)
        .where(Job.id == job_id, Job.worker_id == worker_id, Job.status == JobStatus.RUNNING)
        .values(lease_expires_at=now() + timedelta(seconds=lease_s))
    )
    session.commit()
    if done.rowcount != 1:
        raise LeaseLost(f"job {job_id} is no longer owned by {worker_id}")


def reset_partial_results(session: Session, job_id: int, worker_id: str, submission_id: int) -> None:
    """Before a re-run, drop case rows an earlier (dead) attempt left behind."""
    lock_owned(session, job_id, worker_id)
    session.execute(delete(CaseResultRow).where(CaseResultRow.submission_id == submission_id))
    session.commit()


def finish(session: Session, job: Job) -> None:
    """Mark a locked, owned job done (in the caller's transaction)."""
    job.status = JobStatus.DONE
    job.finished_at = now()
    job.lease_expires_at = None


def announce(session: Session, submission_id: int) -> None:
    """Wake SSE streams on every API host: a PostgreSQL ``NOTIFY`` in the caller's
    transaction, delivered when it commits (nothing on SQLite; see app/notify.py)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_notify(:channel, :payload)"),
                        {"channel": CHANNEL, "payload": str(submission_id)})


def beat(session: Session, worker_id: str, hostname: str, pid: int, layers: str) -> None:
    beat_row = session.get(WorkerBeat, worker_id)
    if beat_row is None:
        session.add(WorkerBeat(worker_id=worker_id, hostname=hostname, pid=pid, layers=layers,
                               seen_at=now()))
    else:
        beat_row.seen_at = now()
    session.commit()


def fresh_workers(session: Session, within_s: float) -> int:
    cutoff = now() - timedelta(seconds=within_s)
    return session.scalar(select(func.count()).select_from(WorkerBeat)
                          .where(WorkerBeat.seen_at >= cutoff)) or 0


def forget_worker(session: Session, worker_id: str) -> None:
    session.execute(delete(WorkerBeat).where(WorkerBeat.worker_id == worker_id))
    session.commit()


def database_answers(session: Session) -> bool:
    """True once the database ran a trivial statement (``/readyz``)."""
    session.execute(text("SELECT 1"))
    return True


def published_versions(session: Session) -> list[tuple[int, int]]:
    """``(version_id, problem_id)`` of every non-archived problem's current version."""
    rows = session.execute(select(ProblemRow.current_version_id, ProblemRow.id)
                           .where(ProblemRow.current_version_id.is_not(None),
                                  ProblemRow.archived.is_(False))).all()
    return [(version_id, problem_id) for version_id, problem_id in rows if version_id is not None]


def version_with_slug(session: Session, version_id: int) -> tuple[ProblemVersion, str]:
    """A stored version and its problem's slug."""
    version = session.get(ProblemVersion, version_id)
    assert version is not None, f"job names version {version_id}, which does not exist"
    slug = session.scalar(select(ProblemRow.slug).where(ProblemRow.id == version.problem_id))
    assert slug is not None
    return version, slug


def case_rows_of(session: Session, submission_id: int) -> list[CaseResultRow]:
    """A submission's stored case rows, in case order (for rewriting their hints)."""
    return list(session.scalars(select(CaseResultRow).where(CaseResultRow.submission_id == submission_id)
                                .order_by(CaseResultRow.idx)))


def written_case_indexes(session: Session, submission_id: int) -> set[int]:
    return set(session.scalars(select(CaseResultRow.idx)
                               .where(CaseResultRow.submission_id == submission_id)))


def verdict_counts(session: Session) -> list[tuple[str | None, Mode, int]]:
    """Finished submissions by verdict and mode."""
    rows = session.execute(select(Submission.verdict, Submission.mode, func.count())
                           .where(Submission.status == SubmissionStatus.DONE)
                           .group_by(Submission.verdict, Submission.mode)).all()
    return [(verdict, mode, n) for verdict, mode, n in rows]


def termination_counts(session: Session) -> dict[str, int]:
    """Cases the sandbox ended, by reason (``time``, ``memory``, ...)."""
    rows = session.execute(select(CaseResultRow.termination, func.count())
                           .where(CaseResultRow.termination.is_not(None))
                           .group_by(CaseResultRow.termination)).all()
    return {reason: n for reason, n in rows if reason is not None}


def recent_timings(session: Session, limit: int) -> list[tuple[datetime, datetime, float | None]]:
    """``(created_at, started_at, grading_ms)`` of the latest ``limit`` finished submissions."""
    rows = session.execute(select(Submission.created_at, Submission.started_at, Submission.grading_ms)
                           .where(Submission.status == SubmissionStatus.DONE,
                                  Submission.started_at.is_not(None))
                           .order_by(Submission.id.desc()).limit(limit)).all()
    return [(created, started, ms) for created, started, ms in rows if started is not None]
