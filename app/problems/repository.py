"""All SQL about problems and their versions."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import KnownMistakeRow, ProblemRow, ProblemVersion, VersionStatus
from app.repository import row_where, rows_where


def get_problem(session: Session, slug: str) -> ProblemRow | None:
    return row_where(session, ProblemRow, ProblemRow.slug == slug)


def current_versions(session: Session) -> list[tuple[ProblemRow, ProblemVersion]]:
    """Every non-archived problem with a ready version, by slug."""
    rows = session.execute(
        select(ProblemRow, ProblemVersion)
        .join(ProblemVersion, ProblemVersion.id == ProblemRow.current_version_id)
        .where(ProblemRow.archived.is_(False))
        .order_by(ProblemRow.slug)
    ).all()
    return [(p, v) for p, v in rows]


def preparing(session: Session) -> list[tuple[ProblemRow, ProblemVersion]]:
    """Problems not open yet because their first version is still being validated
    (the reference runs on every case: minutes on a busy machine), with that version."""
    rows = session.execute(
        select(ProblemRow, ProblemVersion)
        .join(ProblemVersion, ProblemVersion.problem_id == ProblemRow.id)
        .where(ProblemRow.archived.is_(False), ProblemRow.current_version_id.is_(None),
               ProblemVersion.status == VersionStatus.PENDING)
        .order_by(ProblemRow.slug, ProblemVersion.version)
    ).all()
    latest: dict[str, tuple[ProblemRow, ProblemVersion]] = {p.slug: (p, v) for p, v in rows}
    return list(latest.values())


def latest_version(session: Session, problem_id: int) -> ProblemVersion | None:
    return session.scalars(
        select(ProblemVersion).where(ProblemVersion.problem_id == problem_id)
        .order_by(ProblemVersion.version.desc()).limit(1)
    ).first()


def next_version_number(session: Session, problem_id: int) -> int:
    top = session.scalar(select(func.max(ProblemVersion.version))
                         .where(ProblemVersion.problem_id == problem_id))
    return (top or 0) + 1


def get_version(session: Session, version_id: int) -> ProblemVersion | None:
    return session.get(ProblemVersion, version_id)



def mistakes(session: Session, problem_id: int) -> list[KnownMistakeRow]:
    """A problem's known mistakes, oldest first (pack files, then instructors' additions)."""
    return rows_where(session, KnownMistakeRow, KnownMistakeRow.problem_id == problem_id)


def get_mistake(session: Session, problem_id: int, mistake_id: int) -> KnownMistakeRow | None:
    return row_where(session, KnownMistakeRow, KnownMistakeRow.problem_id == problem_id,
                     KnownMistakeRow.id == mistake_id)
