"""The learner web app's pages: problem list, sign in / up, the problem workspace.

Pages are rendered on the server (Jinja2) and enhanced by the built bundles in
``app/static/`` (``frontend/`` builds them).  Every state change goes through the JSON
API with the session cookie plus ``X-Requested-With`` (the CSRF guard in ``app.deps``);
pages themselves only read.  Routes are left out of the OpenAPI schema, which documents
the JSON API alone.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import unquote, urlsplit

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from app.auth import service as auth_service
from app.deps import SESSION_COOKIE, SessionDep, SettingsDep
from app.errors import NotFound
from app.models import User
from app.problems import repository as problems_repository
from app.problems.service import offered_frameworks, visible_problem
from app.submissions import service as submissions_service
from app.web.render import format_value, highlight_css, statement_html

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
DIFFICULTY_ORDER = {"easy": 0, "medium": 1, "hard": 2}

# Scripts only from this origin, no inline script; styles inline too because KaTeX
# positions glyphs with style attributes and CodeMirror injects its theme as <style>.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                               "img-src 'self' data:; font-src 'self'; connect-src 'self'; "
                               "object-src 'none'; base-uri 'none'; form-action 'self'; "
                               "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}

router = APIRouter(include_in_schema=False)
NextUrl = Annotated[str | None, Query(alias="next", max_length=2000)]
templates = Jinja2Templates(directory=TEMPLATES_DIR)


@lru_cache(maxsize=64)
def _asset_version(name: str) -> str:
    return hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest()[:12]


def static_url(name: str) -> str:
    """``/static/NAME?v=<content hash>``: a rebuilt asset gets a new URL, so caches never go stale."""
    return f"/static/{name}?v={_asset_version(name)}"


templates.env.globals["static_url"] = static_url


def page_user(request: Request, session: SessionDep) -> User | None:
    """The signed-in user from the session cookie, or None (pages are readable by anyone)."""
    token = request.cookies.get(SESSION_COOKIE)
    return auth_service.user_for_token(session, token) if token else None


def _page(request: Request, template: str, user: User | None, status: int = 200,
          **context: Any) -> HTMLResponse:
    response = templates.TemplateResponse(request, template, {"user": user, **context},
                                          status_code=status)
    response.headers.update(SECURITY_HEADERS)
    return response


def _unsafe_char(char: str) -> bool:
    # Browsers drop tabs and newlines inside URLs ("/\t/evil" becomes "//evil") and read
    # "\\" as "/"; other control characters have no business in a path either.
    return char == "\\" or ord(char) < 0x20 or ord(char) == 0x7F


def safe_next(target: str | None) -> str:
    """``target`` if it is a path on this site, else "/": an open redirect after
    sign-in would help phishing.  No scheme, no host, one leading "/", and no control
    character or backslash in it, raw or percent-decoded."""
    if not target:
        return "/"
    for form in (target, unquote(target)):
        if any(_unsafe_char(char) for char in form) or not form.startswith("/") \
                or form.startswith("//"):
            return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/"
    return target


@router.get("/", response_class=HTMLResponse)
def problem_list(request: Request, session: SessionDep) -> HTMLResponse:
    user = page_user(request, session)
    progress = submissions_service.progress(session, user) if user else {}
    problems = []
    for problem, version in problems_repository.current_versions(session):
        manifest = version.manifest
        problems.append({"slug": problem.slug, "title": version.title,
                         "difficulty": manifest["difficulty"], "tags": manifest.get("tags", []),
                         "status": progress.get(problem.slug, "new"), "preparing": False})
    for problem, version in problems_repository.preparing(session):
        manifest = version.manifest
        problems.append({"slug": problem.slug, "title": version.title,
                         "difficulty": manifest["difficulty"], "tags": manifest.get("tags", []),
                         "status": "new", "preparing": True})
    problems.sort(key=lambda p: (p["preparing"], DIFFICULTY_ORDER.get(p["difficulty"], 3),
                                 p["title"].lower()))
    solved = sum(p["status"] == "solved" for p in problems)
    preparing = sum(p["preparing"] for p in problems)
    return _page(request, "problems.html", user, problems=problems, solved=solved,
                 preparing=preparing)


@router.get("/signin", response_class=HTMLResponse)
def sign_in(request: Request, session: SessionDep, next_url: NextUrl = None) -> HTMLResponse:
    return _page(request, "auth.html", page_user(request, session), mode="signin",
                 next_url=safe_next(next_url))


@router.get("/signup", response_class=HTMLResponse)
def sign_up(request: Request, session: SessionDep, next_url: NextUrl = None) -> HTMLResponse:
    return _page(request, "auth.html", page_user(request, session), mode="signup",
                 next_url=safe_next(next_url))


FRAMEWORK_NAMES = {"jax": "JAX", "numpy": "NumPy", "pytorch": "PyTorch"}


@router.get("/problems/{slug}", response_class=HTMLResponse)
def problem_page(slug: str, request: Request, session: SessionDep,
                 settings: SettingsDep) -> HTMLResponse:
    user = page_user(request, session)
    try:
        problem, version = visible_problem(session, slug)
    except NotFound:
        return _page(request, "not_found.html", user, status=404, what=f"problem '{slug}'")
    manifest = version.manifest
    examples = [{"name": e["name"],
                 "inputs": [(name, format_value(value)) for name, value in e["inputs"].items()],
                 "expected": format_value(e["expected"])} for e in (version.examples or [])]
    status = submissions_service.progress(session, user).get(problem.slug, "new") if user else None
    offered, _ = offered_frameworks(version, settings.enabled_frameworks)
    starters = {"jax": version.starter, **(version.starters or {})}
    data = {"slug": problem.slug, "title": version.title, "starter": version.starter,
            "starters": {f: starters[f] for f in offered}, "frameworks": offered,
            "user": user.username if user else None, "tolerance": manifest["tolerance"],
            "examples": len(examples)}
    return _page(request, "problem.html", user, problem=problem, version=version,
                 frameworks=[(f, FRAMEWORK_NAMES[f]) for f in offered],
                 difficulty=manifest["difficulty"], tags=manifest.get("tags", []), problem_status=status,
                 statement=statement_html(version.statement), examples=examples, data=data)


@router.get("/assets/highlight.css")
def highlight_stylesheet() -> Response:
    """Colours for code blocks in statements (Pygments' token classes)."""
    return Response(highlight_css(), media_type="text/css",
                    headers={"Cache-Control": "public, max-age=3600"})
