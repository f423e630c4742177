"""The durable job queue: all of its SQL.

A job is claimed by one worker at a time under a lease.  On PostgreSQL the claim is
``UPDATE ... WHERE id = (SELECT ... FOR UPDATE SKIP LOCKED LIMIT 1)``, so concurrent
claimers never block on or take the same row; on SQLite the same single UPDATE
statement is atomic because SQLite serialises writers.  A job whose lease expired
(its worker died) is claimable again.  Everything a worker writes for a job happens
in a transaction that first locks the job row *and* checks it still owns it, so a
worker that lost its lease can never write a second set of results.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from app.models import CaseResultRow, Job, JobKind, JobStatus, WorkerBeat


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


def enqueue_grade(session: Session, submission_id: int) -> Job:
    job = Job(kind=JobKind.GRADE, submission_id=submission_id)
    session.add(job)
    return job


def enqueue_validation(session: Session, version_id: int) -> Job:
    job = Job(kind=JobKind.VALIDATE, problem_version_id=version_id)
    session.add(job)
    return job


def depth(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Job).where(Job.status == JobStatus.QUEUED)) or 0


def claim(session: Session, worker_id: str, lease_s: float) -> Claim | None:
    """Atomically take the oldest claimable job; commit and return it, or None."""
    moment = now()
    candidate = (
        select(Job.id)
        .where(or_(Job.status == JobStatus.QUEUED,
                   and_(Job.status == JobStatus.RUNNING, Job.lease_expires_at < moment)))
        .order_by(Job.id)
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    row = session.execute(
        update(Job)
        .where(Job.id == candidate)
        .values(status=JobStatus.RUNNING, worker_id=worker_id, attempts=Job.attempts + 1,
                lease_expires_at=moment + timedelta(seconds=lease_s))
        .returning(Job.id, Job.kind, Job.submission_id, Job.problem_version_id, Job.attempts)
    ).first()
    session.commit()
    if row is None:
        return None
    return Claim(row.id, JobKind(row.kind), row.submission_id, row.problem_version_id, row.attempts)


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
    done = session.execute(
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
