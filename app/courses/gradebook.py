"""The gradebook (JSON and CSV) and per-problem statistics of a course.

Counted attempts: full submissions ("submit" mode) recorded for one of the course's
assignments, graded, not ``internal_error``, by a current learner of the course.

CSV columns, in this order (one row per learner, by username):
``username``, then one column per problem holding the best verdict (empty: never
attempted), in course order: assignments in creation order, then their problem order (a
problem in two assignments appears once, at its first place); then ``solved``,
``late``, ``attempts`` (per-learner totals: cells accepted, cells late, attempts); then
for each problem in the same order ``<slug>:passed``, ``<slug>:total``, ``<slug>:attempts``,
``<slug>:first_accepted_at`` (ISO 8601 UTC) and ``<slug>:late`` (``yes``/empty).
"""

from __future__ import annotations

import csv
import io
import statistics
from collections import Counter

from sqlalchemy.orm import Session

from app.courses import repository
from app.courses.schemas import (
    CaseFailures,
    Cell,
    Gradebook,
    GradebookRow,
    MistakeCount,
    ProblemStats,
)
from app.courses.service import staff_course, utc
from app.errors import NotFound
from app.grading.verdicts import Verdict
from app.models import User

DETAILS = ("passed", "total", "attempts", "first_accepted_at", "late")
FAILING_CASES = 5


def course_problems(session: Session, course_id: int) -> list[tuple[int, str]]:
    """(problem id, slug) of every problem in the course's assignments, in course order."""
    # Creation order, not due order: a column keeps its place when a due time moves and
    # new assignments append columns (what a spreadsheet or LMS import expects).
    ids = sorted(a.id for a in repository.assignments(session, course_id))
    ordered: dict[int, str] = {}
    for items in repository.assignment_problems(session, ids).values():  # in ``ids`` order
        for pid, slug, _ in items:
            ordered.setdefault(pid, slug)
    return list(ordered.items())


def gradebook(session: Session, user: User, slug: str) -> Gradebook:
    course = staff_course(session, user, slug)
    problems = course_problems(session, course.id)
    slugs = dict(problems)
    cells: dict[int, dict[str, Cell]] = {}
    for row in repository.best_attempts(session, course.id):
        if row.problem_id not in slugs:
            continue  # a problem since removed from every assignment
        cells.setdefault(row.user_id, {})[slugs[row.problem_id]] = Cell(
            best_verdict=row.verdict, passed=row.passed, total=row.total, attempts=row.attempts,
            first_accepted_at=utc(row.first_accepted_at) if row.first_accepted_at else None,
            late=bool(row.late), best_submission=row.id)
    rows = []
    for uid, username in repository.learners(session, course.id):
        mine = cells.get(uid, {})
        rows.append(GradebookRow(
            username=username, cells=mine,
            solved=sum(c.best_verdict == Verdict.ACCEPTED.value for c in mine.values()),
            late=sum(c.late for c in mine.values()),
            attempts=sum(c.attempts for c in mine.values())))
    return Gradebook(course=course.slug, problems=[s for _, s in problems], rows=rows)


def _safe(value: str) -> str:
    """Spreadsheets run a cell starting with = + - @ as a formula; quote it as text."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def to_csv(book: Gradebook) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["username", *book.problems, "solved", "late", "attempts",
                     *[f"{p}:{d}" for p in book.problems for d in DETAILS]])
    for row in book.rows:
        details: list[str] = []
        for p in book.problems:
            cell = row.cells.get(p)
            if cell is None:
                details += ["", "", "0", "", ""]
                continue
            first = cell.first_accepted_at.isoformat() if cell.first_accepted_at else ""
            details += ["" if cell.passed is None else str(cell.passed),
                        "" if cell.total is None else str(cell.total), str(cell.attempts),
                        first, "yes" if cell.late else ""]
        writer.writerow([_safe(row.username),
                         *[row.cells[p].best_verdict if p in row.cells else "" for p in book.problems],
                         row.solved, row.late, row.attempts, *details])
    return out.getvalue()


def _median(values: list[float]) -> float | None:
    return float(statistics.median(values)) if values else None


def stats(session: Session, user: User, slug: str, problem_slug: str) -> ProblemStats:
    course = staff_course(session, user, slug)
    problem_id = next((pid for pid, s in course_problems(session, course.id)
                       if s == problem_slug), None)
    if problem_id is None:
        raise NotFound(f"course '{slug}' has no problem '{problem_slug}'")
    verdicts: Counter[str] = Counter()
    attempted: set[int] = set()
    to_accept: list[float] = []
    seconds: list[float] = []
    current, count, first_at, done = None, 0, None, False
    for row in repository.problem_attempts(session, course.id, problem_id):
        verdicts[row.verdict] += 1
        if row.user_id != current:
            current, count, first_at, done = row.user_id, 0, utc(row.created_at), False
            attempted.add(row.user_id)
        count += 1
        if not done and row.verdict == Verdict.ACCEPTED.value:
            done = True
            to_accept.append(count)
            seconds.append((utc(row.created_at) - first_at).total_seconds())
    submissions = sum(verdicts.values())
    titles = repository.mistake_titles(session, problem_id)
    mistakes = [MistakeCount(title=titles.get(key, (key, ""))[0], category=titles.get(key, ("", "other"))[1],
                             count=n, example=example)
                for key, n, example in repository.matched_mistakes(session, course.id, problem_id)]
    return ProblemStats(
        problem=problem_slug, learners=len(repository.learners(session, course.id)),
        attempted=len(attempted), solved=len(to_accept),
        acceptance_rate=len(to_accept) / len(attempted) if attempted else None,
        submissions=submissions,
        submission_acceptance_rate=(verdicts[Verdict.ACCEPTED.value] / submissions
                                    if submissions else None),
        verdicts=dict(sorted(verdicts.items(), key=lambda kv: (-kv[1], kv[0]))),
        median_attempts_to_accept=_median(to_accept), median_seconds_to_accept=_median(seconds),
        hint_categories=dict(repository.hint_categories(session, course.id, problem_id)),
        known_mistakes=mistakes,
        failing_hidden_cases=[CaseFailures(name=n, failed=c) for n, c in
                              repository.failing_hidden_cases(session, course.id, problem_id,
                                                              FAILING_CASES)])
