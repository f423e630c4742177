"""``/api/problems``: list and read (everyone), create / version / archive (instructors)."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.concurrency import run_in_threadpool

from app.config import Settings
from app.deps import InstructorUser, SessionDep, SessionsDep, SettingsDep
from app.errors import InvalidInput
from app.models import ProblemVersion
from app.problems import service
from app.problems.schemas import (
    Example,
    MistakeCreate,
    MistakeOut,
    ProblemCreate,
    ProblemDetail,
    ProblemSummary,
)

router = APIRouter(prefix="/api/problems", tags=["problems"])


def _summary(slug: str, version: ProblemVersion, status: str = "ready") -> ProblemSummary:
    manifest = version.manifest
    return ProblemSummary(slug=slug, title=version.title, difficulty=manifest["difficulty"],
                          tags=manifest.get("tags", []), version=version.version, status=status)


def _detail(slug: str, version: ProblemVersion, settings: Settings) -> ProblemDetail:
    manifest = version.manifest
    offered, unavailable = service.offered_frameworks(version, settings.enabled_frameworks)
    starters = {"jax": version.starter, **(version.starters or {})}
    return ProblemDetail(
        **_summary(slug, version).model_dump(), statement=version.statement,
        starter_code=version.starter, frameworks=offered,
        starters={f: starters[f] for f in offered}, frameworks_unavailable=unavailable,
        entry=manifest["entry"], tolerance=manifest["tolerance"],
        limits=manifest["limits"], examples=[Example(**e) for e in (version.examples or [])],
    )


@router.get("", response_model=list[ProblemSummary])
def list_problems(session: SessionDep) -> list[ProblemSummary]:
    """Every published problem, then those still being prepared (``status``)."""
    return ([_summary(p.slug, v) for p, v in service.published(session)]
            + [_summary(p.slug, v, "preparing") for p, v in service.preparing(session)])


@router.get("/{slug}", response_model=ProblemDetail)
def get_problem(slug: str, session: SessionDep, settings: SettingsDep) -> ProblemDetail:
    """Statement, starter code and the visible examples with their expected outputs."""
    problem, version = service.visible_problem(session, slug)
    return _detail(problem.slug, version, settings)


@router.post("", status_code=201, response_model=ProblemDetail)
async def create_problem(body: ProblemCreate, _: InstructorUser, sessions: SessionsDep,
                         settings: SettingsDep) -> ProblemDetail:
    """Add a problem: its solution runs on every case in the sandbox first (422 if one fails)."""
    if body.slug is None:
        raise InvalidInput("slug is required")
    version = await run_in_threadpool(service.publish, sessions, body.slug, body,
                                      settings.validation_timeout_s, False)
    return _detail(body.slug, version, settings)


@router.put("/{slug}", response_model=ProblemDetail)
async def update_problem(slug: str, body: ProblemCreate, _: InstructorUser, sessions: SessionsDep,
                         settings: SettingsDep) -> ProblemDetail:
    """Publish a new version; existing submissions keep the version they were graded on."""
    if body.slug is not None and body.slug != slug:
        raise InvalidInput("the slug in the body differs from the URL")
    version = await run_in_threadpool(service.publish, sessions, slug, body,
                                      settings.validation_timeout_s, True)
    return _detail(slug, version, settings)


@router.delete("/{slug}", status_code=204)
def archive_problem(slug: str, _: InstructorUser, session: SessionDep) -> Response:
    """Archive: hidden from learners, its submissions kept."""
    service.archive(session, slug)
    return Response(status_code=204)


def _mistake(row) -> MistakeOut:  # noqa: ANN001
    return MistakeOut(id=row.id, key=row.key, origin=row.origin, explanation=row.explanation,
                      category=row.category, code=row.code)


@router.get("/{slug}/mistakes", response_model=list[MistakeOut])
def list_mistakes(slug: str, _: InstructorUser, session: SessionDep) -> list[MistakeOut]:
    """Known mistakes that hints match against: the folder's wrong solutions and added ones."""
    return [_mistake(row) for row in service.list_mistakes(session, slug)]


@router.post("/{slug}/mistakes", status_code=201, response_model=MistakeOut)
def add_mistake(slug: str, body: MistakeCreate, user: InstructorUser,
                session: SessionDep) -> MistakeOut:
    """Add a known mistake: learners whose output equals its output on a case get its
    explanation as the hint (its code runs in the sandbox, once per problem version)."""
    return _mistake(service.add_mistake(session, slug, body, user))


@router.delete("/{slug}/mistakes/{mistake_id}", status_code=204)
def delete_mistake(slug: str, mistake_id: int, _: InstructorUser, session: SessionDep) -> Response:
    """Remove an instructor-added known mistake (folder ones: edit the folder)."""
    service.delete_mistake(session, slug, mistake_id)
    return Response(status_code=204)
