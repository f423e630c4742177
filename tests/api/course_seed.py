"""Rows for course tests: published problems and graded submissions written directly
(grading itself is tested elsewhere; one course test grades for real), each counted in
its gradebook cell by the worker's own ``count_attempt``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from app.courses.repository import count_attempt
from app.models import (
    CaseResultRow,
    KnownMistakeRow,
    Mode,
    ProblemRow,
    ProblemVersion,
    Submission,
    SubmissionStatus,
    User,
    VersionStatus,
)


def add_problem(session: Session, slug: str) -> int:
    """A published problem with one ready version; returns its version id."""
    problem = ProblemRow(slug=slug)
    session.add(problem)
    session.flush()
    version = ProblemVersion(
        problem_id=problem.id, version=1, status=VersionStatus.READY, fingerprint=slug,
        title=slug.replace("-", " ").title(),
        manifest={"entry": "f", "difficulty": "easy", "tolerance": {}, "limits": {}},
        statement="", starter="", reference="", harness_code="", examples=[])
    session.add(version)
    session.flush()
    problem.current_version_id = version.id
    session.commit()
    return version.id


def add_mistake(session: Session, slug: str, key: str, explanation: str, category: str) -> None:
    problem = session.query(ProblemRow).filter_by(slug=slug).one()
    session.add(KnownMistakeRow(problem_id=problem.id, key=key, origin="instructor", code="",
                                explanation=explanation, category=category))
    session.commit()


def user_id(session: Session, username: str) -> int:
    return session.query(User).filter_by(username=username).one().id


def add_attempt(session: Session, user: int, version_id: int, assignment: int | None,
                verdict: str, at: datetime, cases: list[tuple[str, bool, str, dict]],
                late: bool = False, mode: Mode = Mode.SUBMIT) -> int:
    """A graded submission; ``cases`` are (name, visible, verdict, extra data)."""
    passed = sum(v == "accepted" for _, _, v, _ in cases)
    submission = Submission(user_id=user, problem_version_id=version_id, mode=mode, code="# seeded",
                            status=SubmissionStatus.DONE, verdict=verdict, passed=passed,
                            total=len(cases), created_at=at, finished_at=at,
                            assignment_id=assignment, late=late)
    session.add(submission)
    session.flush()
    for idx, (name, visible, case_verdict, extra) in enumerate(cases):
        session.add(CaseResultRow(submission_id=submission.id, idx=idx, name=name, visible=visible,
                                  verdict=case_verdict,
                                  data={"name": name, "verdict": case_verdict, **extra}))
    count_attempt(session, submission)
    session.commit()
    return submission.id


def learner_token(sessions, username: str) -> str:
    """A learner account and its token without a login (login is rate limited per IP)."""
    from app.auth.service import service_token
    from app.models import Role

    with sessions() as session:
        return service_token(session, Role.LEARNER, username, "test")
