"""All SQL about submissions and their case results."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from app.grading.verdicts import Verdict
from app.models import CaseResultRow, Mode, ProblemRow, ProblemVersion, Submission


def get_with_problem(session: Session, submission_id: int) -> tuple[Submission, str, int] | None:
    row = session.execute(
        select(Submission, ProblemRow.slug, ProblemVersion.version)
        .join(ProblemVersion, ProblemVersion.id == Submission.problem_version_id)
        .join(ProblemRow, ProblemRow.id == ProblemVersion.problem_id)
        .where(Submission.id == submission_id)
    ).first()
    return None if row is None else (row[0], row[1], row[2])


def case_rows(session: Session, submission_id: int, after: int = -1) -> list[CaseResultRow]:
    return list(session.scalars(
        select(CaseResultRow).where(CaseResultRow.submission_id == submission_id,
                                    CaseResultRow.idx > after).order_by(CaseResultRow.idx)))


def recent_count(session: Session, user_id: int, since: datetime) -> int:
    return session.scalar(select(func.count()).select_from(Submission)
                          .where(Submission.user_id == user_id, Submission.created_at >= since)) or 0


def history(session: Session, user_id: int | None, slug: str | None, page: int,
            per_page: int) -> tuple[list[tuple[Submission, str, int]], int]:
    query = (select(Submission, ProblemRow.slug, ProblemVersion.version)
             .join(ProblemVersion, ProblemVersion.id == Submission.problem_version_id)
             .join(ProblemRow, ProblemRow.id == ProblemVersion.problem_id))
    if user_id is not None:
        query = query.where(Submission.user_id == user_id)
    if slug is not None:
        query = query.where(ProblemRow.slug == slug)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(query.order_by(Submission.id.desc())
                           .offset((page - 1) * per_page).limit(per_page)).all()
    return [(r[0], r[1], r[2]) for r in rows], total


def problem_progress(session: Session, user_id: int) -> list[tuple[str, bool]]:
    """(slug, solved) for every problem ``user_id`` has submitted to, any version.

    Solved means a full submission (mode "submit") was accepted.
    """
    solved = func.max(case((and_(Submission.mode == Mode.SUBMIT,
                                 Submission.verdict == Verdict.ACCEPTED.value), 1), else_=0))
    rows = session.execute(
        select(ProblemRow.slug, solved)
        .join(ProblemVersion, ProblemVersion.problem_id == ProblemRow.id)
        .join(Submission, Submission.problem_version_id == ProblemVersion.id)
        .where(Submission.user_id == user_id)
        .group_by(ProblemRow.slug)).all()
    return [(slug, bool(flag)) for slug, flag in rows]
