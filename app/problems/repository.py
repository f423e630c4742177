"""All SQL about problems and their versions."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Problem, ProblemVersion


def get_problem(session: Session, slug: str) -> Problem | None:
    return session.scalars(select(Problem).where(Problem.slug == slug)).first()


def current_versions(session: Session) -> list[tuple[Problem, ProblemVersion]]:
    """Every non-archived problem with a ready version, by slug."""
    rows = session.execute(
        select(Problem, ProblemVersion)
        .join(ProblemVersion, ProblemVersion.id == Problem.current_version_id)
        .where(Problem.archived.is_(False))
        .order_by(Problem.slug)
    ).all()
    return [(p, v) for p, v in rows]


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

