"""Course pages (server-rendered like app/web): my courses with join and create forms,
a course (learners: assignments, due times with a countdown, their status and late
marks; staff: also the join code and a new-assignment form), the sortable gradebook
with its CSV download, a problem's statistics as inline SVG charts, and the viewer of
one attempt (code and per-case results).  Every write goes through the JSON API
(``frontend/src/courses.js``); pages only read, with the same rules as the API.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.courses import gradebook as books
from app.courses import repository, service
from app.deps import SessionDep
from app.errors import DomainError
from app.models import Role, User
from app.problems import repository as problems_repository
from app.submissions import service as submission_service
from app.web.endpoints import _page, page_user

router = APIRouter(include_in_schema=False)
BAR_WIDTH = 360  # px of the longest bar in a chart


def _signin(request: Request) -> Response:
    return RedirectResponse(f"/signin?next={request.url.path}", status_code=303)


def _denied(request: Request, user: Any, error: DomainError) -> HTMLResponse:
    return _page(request, "courses/denied.html", user, status=error.status, detail=error.detail)


def bars(counts: dict[str, int]) -> list[dict[str, Any]]:
    """Chart rows: label, count, bar width in px (the largest count is ``BAR_WIDTH``)."""
    top = max(counts.values(), default=0) or 1
    return [{"label": label, "count": n, "width": max(2, round(BAR_WIDTH * n / top))}
            for label, n in counts.items()]


def _member_page(request: Request, session: SessionDep,
                 build: Callable[[User], tuple[str, dict[str, Any]]]) -> Response:
    """Render ``build(user)``'s template and context for a signed-in user: signed out, a
    redirect to sign in; a course rule refusing (``DomainError``), the denied page."""
    user = page_user(request, session)
    if user is None:
        return _signin(request)
    try:
        template, context = build(user)
    except DomainError as error:
        return _denied(request, user, error)
    return _page(request, template, user, **context)


@router.get("/courses", response_class=HTMLResponse)
def my_courses(request: Request, session: SessionDep) -> Response:
    return _member_page(request, session, lambda user: ("courses/list.html", {
        "courses": service.mine(session, user),
        "can_create": user.role in (Role.INSTRUCTOR, Role.ADMIN)}))


@router.get("/courses/{slug}", response_class=HTMLResponse)
def course_page(slug: str, request: Request, session: SessionDep) -> Response:
    def build(user: User) -> tuple[str, dict[str, Any]]:
        detail = service.detail(session, user, slug)
        problems = ([{"slug": p.slug, "title": v.title}
                     for p, v in problems_repository.current_versions(session)]
                    if detail.role == "instructor" else [])
        return "courses/course.html", {"course": detail, "all_problems": problems,
                                       "staff": detail.role in ("ta", "instructor")}
    return _member_page(request, session, build)


@router.get("/courses/{slug}/gradebook", response_class=HTMLResponse)
def gradebook_page(slug: str, request: Request, session: SessionDep) -> Response:
    def build(user: User) -> tuple[str, dict[str, Any]]:
        book = books.gradebook(session, user, slug)
        return "courses/gradebook.html", {"book": book,
                                          "course": repository.course_by_slug(session, slug)}
    return _member_page(request, session, build)


@router.get("/courses/{slug}/problems/{problem}/stats", response_class=HTMLResponse)
def stats_page(slug: str, problem: str, request: Request, session: SessionDep) -> Response:
    def build(user: User) -> tuple[str, dict[str, Any]]:
        stats = books.stats(session, user, slug, problem)
        mistakes = {m.title: m.count for m in stats.known_mistakes}
        return "courses/stats.html", {
            "slug": slug, "stats": stats, "bar_width": BAR_WIDTH,
            "verdict_bars": bars(stats.verdicts), "hint_bars": bars(stats.hint_categories),
            "mistake_bars": bars(mistakes),
            "case_bars": bars({c.name: c.failed for c in stats.failing_hidden_cases})}
    return _member_page(request, session, build)


@router.get("/courses/{slug}/submissions/{submission_id}", response_class=HTMLResponse)
def submission_page(slug: str, submission_id: int, request: Request,
                    session: SessionDep) -> Response:
    def build(user: User) -> tuple[str, dict[str, Any]]:
        sub, problem_slug, version, owner = service.course_submission(
            session, user, slug, submission_id)
        view = submission_service.view(session, sub, problem_slug, version)
        return "courses/submission.html", {"slug": slug, "sub": view, "owner": owner}
    return _member_page(request, session, build)
