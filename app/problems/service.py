"""Decisions about problems: syncing folders, new versions, what learners may see."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session, sessionmaker

from app.errors import Conflict, FrameworkUnavailable, InvalidInput, NotFound, Unavailable
from app.jobs import repository as jobs
from app.jobs import warming
from app.models import KnownMistakeRow, ProblemRow, ProblemVersion, User, VersionStatus
from app.problems import repository
from app.problems.manifest import (
    InvalidProblem,
    Manifest,
    Problem,
    discover,
    expand_cases,
    load_problem,
)
from app.problems.mistakes import CATEGORIES, KnownMistake
from app.problems.schemas import MistakeCreate, ProblemCreate
from app.problems.versions import frameworks_of, version_fields
from sandbox import FRAMEWORKS, builtin_source, why_unavailable

log = logging.getLogger("tensorjudge.problems")


def add_version(session: Session, slug: str, loaded: Problem) -> ProblemVersion | None:
    """Store ``loaded`` as a new pending version unless its content is already stored."""
    problem = repository.get_problem(session, slug)
    if problem is None:
        problem = ProblemRow(slug=slug)
        session.add(problem)
        session.flush()
    latest = repository.latest_version(session, problem.id)
    # The fingerprint covers what defines expected outputs; a statement or starter edit
    # (a typo fixed in a course repository) is a new version too, graded the same.
    if latest is not None and latest.fingerprint == loaded.fingerprint and \
            latest.statement == loaded.statement and latest.starter == loaded.starter and \
            (latest.starters or {}) == loaded.starters and \
            latest.status is not VersionStatus.REJECTED:
        return None
    number = repository.next_version_number(session, problem.id)
    version = ProblemVersion(problem_id=problem.id, version=number, status=VersionStatus.PENDING,
                             **version_fields(loaded))
    session.add(version)
    session.flush()
    jobs.enqueue_validation(session, version.id)
    return version


def sync_folder(session: Session, problems_dir: Path, reference_dir: Path) -> list[str]:
    """Load every problem folder; new content becomes a new (pending) version."""
    changed = []
    for folder in discover(problems_dir):
        try:
            loaded = load_problem(folder, reference_dir)
        except InvalidProblem as exc:
            log.error("skipping invalid problem: %s", exc)
            continue
        if add_version(session, folder.name, loaded) is not None:
            changed.append(folder.name)
        sync_pack_mistakes(session, folder.name, loaded)
    session.commit()
    return changed


def sync_pack_mistakes(session: Session, slug: str, loaded: Problem) -> None:
    """Make the stored "pack" mistakes of ``slug`` those of its folder's wrong solutions."""
    problem = repository.get_problem(session, slug)
    assert problem is not None
    stored = {m.key: m for m in repository.mistakes(session, problem.id) if m.origin == "pack"}
    for mistake in loaded.mistakes:
        row = stored.pop(mistake.key, None)
        if row is None:
            session.add(KnownMistakeRow(problem_id=problem.id, key=mistake.key, origin="pack",
                                        code=mistake.code, explanation=mistake.explanation,
                                        category=mistake.category))
        else:
            row.code, row.explanation, row.category = (mistake.code, mistake.explanation,
                                                       mistake.category)
    for row in stored.values():
        session.delete(row)


def known_mistakes(session: Session, problem_id: int) -> tuple[KnownMistake, ...]:
    """What hints match against when grading this problem (any version)."""
    return tuple(KnownMistake(m.key, m.code, m.explanation, m.category)
                 for m in repository.mistakes(session, problem_id))


def _problem_for_instructor(session: Session, slug: str) -> ProblemRow:
    problem = repository.get_problem(session, slug)
    if problem is None or problem.current_version_id is None:
        raise NotFound(f"no problem '{slug}'")
    return problem


def list_mistakes(session: Session, slug: str) -> list[KnownMistakeRow]:
    return repository.mistakes(session, _problem_for_instructor(session, slug).id)


def add_mistake(session: Session, slug: str, body: MistakeCreate, user: User) -> KnownMistakeRow:
    """Store an instructor's known mistake; its outputs are computed in the sandbox as a
    warming piece of the current version (later versions: when they are validated), or
    when a wrong answer's hints need them (a mistake that crashes never matches)."""
    if body.category not in CATEGORIES:
        raise InvalidInput(f"category must be one of {', '.join(CATEGORIES)}")
    problem = _problem_for_instructor(session, slug)
    row = KnownMistakeRow(problem_id=problem.id, key="api-pending", origin="instructor",
                          code=body.code, explanation=body.explanation.strip(),
                          category=body.category, created_by=user.id)
    session.add(row)
    session.flush()
    row.key = f"api-{row.id}"
    session.commit()
    if problem.current_version_id is not None:  # its outputs, as a warming piece
        warming.enqueue_version(session, problem.current_version_id, problem.id)
    return row


def delete_mistake(session: Session, slug: str, mistake_id: int) -> None:
    problem = _problem_for_instructor(session, slug)
    row = repository.get_mistake(session, problem.id, mistake_id)
    if row is None:
        raise NotFound(f"problem '{slug}' has no known mistake {mistake_id}")
    if row.origin == "pack":
        raise Conflict(f"mistake {mistake_id} comes from the problem folder "
                       f"(solutions/wrong/{row.key}); remove or edit that file instead")
    session.delete(row)
    session.commit()


def build_problem(body: ProblemCreate, slug: str) -> Problem:
    """Validate an instructor's problem body into a gradeable problem (422 on errors)."""
    data: dict[str, Any] = {
        "title": body.title, "difficulty": body.difficulty, "tags": body.tags,
        "entry": body.entry, "forbid": body.forbid,
        "harness": "flax_module" if body.harness == "flax_module" else "call",
        "tolerance": body.tolerance.model_dump(), "cases": [c.model_dump() for c in body.cases],
        "grad": body.grad,
    }
    if body.frameworks is not None:
        data["frameworks"] = body.frameworks
    if body.limits is not None:
        data["limits"] = body.limits.model_dump()
    try:
        manifest = Manifest.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InvalidInput(f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}") from exc
    harness_code = body.harness_code or builtin_source(manifest.harness)
    cases = expand_cases(manifest)
    starters: dict[str, str] = {f: code for f, code in body.starters.items()
                                if f in manifest.accepted_frameworks}
    return Problem(slug=slug, manifest=manifest, statement=body.statement,
                         starter=body.starter_code, reference=body.solution_code,
                         harness_code=harness_code, cases=cases, starters=starters)


def wait_for_validation(sessions: sessionmaker, version_id: int, timeout_s: float) -> ProblemVersion:
    """Block until a worker has run the version's solution on every case."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with sessions() as session:
            version = session.get(ProblemVersion, version_id)
            if version.status is not VersionStatus.PENDING:
                return version
        time.sleep(0.2)
    raise Unavailable("no grading worker validated the problem in time; it stays pending")


def publish(sessions: sessionmaker, slug: str, body: ProblemCreate, timeout_s: float,
            must_exist: bool) -> ProblemVersion:
    """Create a problem (or a new version), run its solution in the sandbox, keep it if all run."""
    loaded = build_problem(body, slug)
    with sessions() as session:
        existing = repository.get_problem(session, slug)
        if must_exist and (existing is None or existing.current_version_id is None):
            raise NotFound(f"no problem '{slug}'")
        if not must_exist and existing is not None and existing.current_version_id is not None:
            raise Conflict(f"problem '{slug}' exists; PUT /api/problems/{slug} adds a version")
        version = add_version(session, slug, loaded)
        if version is None:
            raise Conflict("this content is already the current version")
        if existing is not None and existing.archived:
            existing.archived = False
        session.commit()
        version_id = version.id
    version = wait_for_validation(sessions, version_id, timeout_s)
    if version.status is VersionStatus.REJECTED:
        raise InvalidInput(f"the solution does not run on every case: {version.status_detail}")
    return version


def published(session: Session) -> list[tuple[ProblemRow, ProblemVersion]]:
    """Every published, non-archived problem with its current version, by slug."""
    return repository.current_versions(session)


def preparing(session: Session) -> list[tuple[ProblemRow, ProblemVersion]]:
    """Problems whose first version is still being validated (listed, not open yet)."""
    return repository.preparing(session)


def visible_problem(session: Session, slug: str) -> tuple[ProblemRow, ProblemVersion]:
    problem = repository.get_problem(session, slug)
    if problem is None or problem.archived or problem.current_version_id is None:
        raise NotFound(f"no problem '{slug}'")
    version = repository.get_version(session, problem.current_version_id)
    assert version is not None
    return problem, version



def framework_unavailable(framework: str, enabled: tuple[str, ...]) -> str | None:
    """Why this server does not grade ``framework`` (not installed, or turned off), or None."""
    if framework in FRAMEWORKS and framework not in enabled:
        return "turned off on this server (TENSORJUDGE_FRAMEWORKS)"
    return why_unavailable(framework)


def offered_frameworks(version: ProblemVersion, enabled: tuple[str, ...] = FRAMEWORKS
                       ) -> tuple[list[str], dict[str, str]]:
    """The version's frameworks this server can run, and why it cannot run the others."""
    offered, unavailable = [], {}
    for framework in frameworks_of(version):
        why = framework_unavailable(framework, enabled)
        if why:
            unavailable[framework] = why
        else:
            offered.append(framework)
    return offered, unavailable


def check_framework(slug: str, version: ProblemVersion, framework: str,
                    enabled: tuple[str, ...] = FRAMEWORKS) -> None:
    """422 unless the version accepts ``framework`` and this server can run it."""
    accepted = frameworks_of(version)
    if framework not in accepted:
        raise InvalidInput(f"problem '{slug}' accepts {', '.join(accepted)}, not {framework}")
    why = framework_unavailable(framework, enabled)
    if why:
        raise FrameworkUnavailable(f"{framework} cannot be graded here: {why}")


def archive(session: Session, slug: str) -> None:
    """Hide a problem from learners; its submissions are kept."""
    problem = repository.get_problem(session, slug)
    if problem is None or problem.archived:
        raise NotFound(f"no problem '{slug}'")
    problem.archived = True
    session.commit()
