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
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.courses import repository
from app.courses.schemas import CaseFailures, MistakeCount, ProblemStats
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


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else utc(moment).isoformat().replace("+00:00", "Z")


def gradebook(session: Session, user: User, slug: str) -> dict[str, Any]:
    """The gradebook as plain JSON-ready data (the ``Gradebook`` schema documents it; a
    500-learner class has thousands of cells, too many to build as models twice)."""
    course = staff_course(session, user, slug)
    problems = course_problems(session, course.id)
    slugs = dict(problems)
    cells: dict[int, dict[str, dict[str, Any]]] = {}
    for row in repository.best_attempts(session, course.id):
        if row.problem_id not in slugs:
            continue  # a problem since removed from every assignment
        cells.setdefault(row.user_id, {})[slugs[row.problem_id]] = {
            "best_verdict": row.verdict, "passed": row.passed, "total": row.total,
            "attempts": row.attempts, "first_accepted_at": _iso(row.first_accepted_at),
            "late": bool(row.late), "best_submission": row.id}
    rows = []
    for uid, username in repository.learners(session, course.id):
        found = cells.get(uid, {})
        # Cells in column order, whatever order the table hands them back in.
        mine = {slug: found[slug] for _, slug in problems if slug in found}
        rows.append({
            "username": username, "cells": mine,
            "solved": sum(c["best_verdict"] == Verdict.ACCEPTED.value for c in mine.values()),
            "late": sum(c["late"] for c in mine.values()),
            "attempts": sum(c["attempts"] for c in mine.values())})
    return {"course": course.slug, "problems": [s for _, s in problems], "rows": rows}


def _safe(value: str) -> str:
    """Spreadsheets run a cell starting with = + - @ as a formula; quote it as text."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def _text(value: object) -> str:
    return "" if value is None else str(value)


def to_csv(book: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    problems = book["problems"]
    writer.writerow(["username", *problems, "solved", "late", "attempts",
                     *[f"{p}:{d}" for p in problems for d in DETAILS]])
    for row in book["rows"]:
        details: list[str] = []
        for p in problems:
            cell = row["cells"].get(p)
            if cell is None:
                details += ["", "", "0", "", ""]
                continue
            details += [_text(cell["passed"]), _text(cell["total"]), str(cell["attempts"]),
                        (cell["first_accepted_at"] or "").replace("Z", "+00:00"),
                        "yes" if cell["late"] else ""]
        writer.writerow([_safe(row["username"]),
                         *[row["cells"][p]["best_verdict"] if p in row["cells"] else ""
                           for p in problems],
                         row["solved"], row["late"], row["attempts"], *details])
    return out.getvalue()


def _median(values: list[float]) -> float | None:
    return float(statistics.median(values)) if values else None


def stats(session: Session, user: User, slug: str, problem_slug: str) -> ProblemStats:
    """How the course's learners fare on one problem.  Hint categories and known
    mistakes count hinted cases (each is one hint a learner was shown)."""
    course = staff_course(session, user, slug)
    problem_id = next((pid for pid, s in course_problems(session, course.id)
                       if s == problem_slug), None)
    if problem_id is None:
        raise NotFound(f"course '{slug}' has no problem '{problem_slug}'")
    progress = repository.learner_progress(session, course.id, problem_id)
    solvers = [row for row in progress if row.attempts_to_accept is not None]
    verdicts = dict(sorted(repository.verdict_counts(session, course.id, problem_id),
                           key=lambda kv: (-kv[1], kv[0])))
    submissions = sum(verdicts.values())
    categories: Counter[str] = Counter()
    matched: dict[str, list[int]] = {}
    failing: Counter[str] = Counter()
    for row in repository.failed_cases(session, course.id, problem_id):
        if row.hint_category:
            categories[row.hint_category] += row.cases
        if row.mistake:
            count, example = matched.get(row.mistake, [0, row.example])
            matched[row.mistake] = [count + row.cases, min(example, row.example)]
        if not row.visible:
            failing[row.name] += row.cases
    titles = repository.mistake_titles(session, problem_id)
    mistakes = [MistakeCount(title=titles.get(key, (key, "other"))[0],
                             category=titles.get(key, (key, "other"))[1], count=n, example=example)
                for key, (n, example) in sorted(matched.items(), key=lambda kv: (-kv[1][0], kv[0]))]
    return ProblemStats(
        problem=problem_slug, learners=len(repository.learners(session, course.id)),
        attempted=len(progress), solved=len(solvers),
        acceptance_rate=len(solvers) / len(progress) if progress else None,
        submissions=submissions,
        submission_acceptance_rate=(verdicts.get(Verdict.ACCEPTED.value, 0) / submissions
                                    if submissions else None),
        verdicts=verdicts,
        median_attempts_to_accept=_median([row.attempts_to_accept for row in solvers]),
        median_seconds_to_accept=_median([(utc(row.accepted_at) - utc(row.first_at)).total_seconds()
                                          for row in solvers]),
        hint_categories=dict(sorted(categories.items(), key=lambda kv: (-kv[1], kv[0]))),
        known_mistakes=mistakes,
        failing_hidden_cases=[CaseFailures(name=n, failed=c) for n, c in sorted(
            failing.items(), key=lambda kv: (-kv[1], kv[0]))[:FAILING_CASES]])
