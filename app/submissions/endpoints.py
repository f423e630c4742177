"""``/api/submissions``: submit, poll, history, live events (SSE)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import StreamingResponse

from app.deps import CurrentUser, SessionDep, SessionsDep, SettingsDep
from app.models import Role, SubmissionStatus
from app.submissions import repository, service
from app.submissions.schemas import (
    ProblemProgress,
    SubmissionAccepted,
    SubmissionCreate,
    SubmissionListItem,
    SubmissionOut,
    SubmissionPage,
)

router = APIRouter(prefix="/api/submissions", tags=["submissions"])
EVENT_TIMEOUT_S = 600
WAITING = ": waiting\n\n"  # an SSE comment (clients ignore it): nothing to send yet
# Ids are 64-bit in the database; a larger one in the URL is a 422, not an overflow (500).
SubmissionId = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.post("", status_code=202, response_model=SubmissionAccepted)
def create(body: SubmissionCreate, user: CurrentUser, session: SessionDep,
           settings: SettingsDep) -> SubmissionAccepted:
    """Queue code for grading: mode "run" grades the visible examples, "submit" every case."""
    submission = service.submit(session, settings, user, body)
    return SubmissionAccepted(id=submission.id, status=submission.status.value)


@router.get("", response_model=SubmissionPage)
def history(user: CurrentUser, session: SessionDep, problem: str | None = Query(None, max_length=64),
            page: int = Query(1, ge=1, le=100_000), per_page: int = Query(20, ge=1, le=100),
            all_users: bool = Query(False, description="instructors: every learner's submissions")
            ) -> SubmissionPage:
    """Your submissions, newest first (instructors may ask for everyone's)."""
    owner = None if (all_users and user.role in (Role.INSTRUCTOR, Role.ADMIN)) else user.id
    rows, total = repository.history(session, owner, problem, page, per_page)
    items = [SubmissionListItem(id=s.id, problem=slug, version=version, mode=s.mode.value,
                                status=s.status.value, verdict=s.verdict, passed=s.passed,
                                total=s.total, created_at=s.created_at,
                                framework=s.framework, assignment=s.assignment_id,
                                late=s.late) for s, slug, version in rows]
    return SubmissionPage(items=items, page=page, per_page=per_page, total=total)


@router.get("/progress", response_model=list[ProblemProgress])
def progress(user: CurrentUser, session: SessionDep) -> list[ProblemProgress]:
    """Your status per problem you have tried: solved (a full submission accepted) or attempted."""
    return [ProblemProgress(problem=slug, status=status)
            for slug, status in sorted(service.progress(session, user).items())]


@router.get("/{submission_id}", response_model=SubmissionOut)
def get(submission_id: SubmissionId, user: CurrentUser, session: SessionDep) -> SubmissionOut:
    """A submission with its per-case results (hidden cases: figures only)."""
    submission, slug, version = service.get_visible(session, user, submission_id)
    return service.view(session, submission, slug, version)


def _finite(value: Any) -> Any:
    """Non-finite floats as null, as the JSON responses send them: json.dumps would write
    ``Infinity`` (e.g. a relative error against a zero), which JSON.parse rejects."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def _sse(event: str, data: dict) -> str:
    return f"event: {event}\ndata: {json.dumps(_finite(data), default=str)}\n\n"


@router.get("/{submission_id}/events", response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}}}})
def events(submission_id: SubmissionId, request: Request, user: CurrentUser, session: SessionDep,
           sessions: SessionsDep, settings: SettingsDep) -> StreamingResponse:
    """Server-Sent Events: one ``case`` event per finished case, then one ``done`` event.

    When the first look finds nothing to send yet, the stream sends one SSE comment
    (``: waiting``) before it waits.

    When ``done`` says ``hints_pending`` (a wrong answer graded before its problem's
    known mistakes were warm), the stream stays open for one ``hints`` event,
    ``{"cases": [...]}`` with every case as it is stored now, hints included.
    """
    service.get_visible(session, user, submission_id)

    listener = getattr(request.app.state, "notifications", None)

    async def stream() -> AsyncIterator[str]:
        # Woken by the worker's datagram or PostgreSQL NOTIFY when it commits
        # (app/notify.py); the database stays the only source of what is sent.
        watch = listener.watch(submission_id) if listener else contextlib.nullcontext()
        with watch as changed:
            sent = -1
            done_sent = waited = False
            started = time.monotonic()
            while time.monotonic() - started < EVENT_TIMEOUT_S:
                if await request.is_disconnected():
                    return
                if changed is not None:
                    changed.clear()
                with sessions() as db:
                    submission, slug, version = service.get_visible(db, user, submission_id)
                    for row in repository.case_rows(db, submission_id, after=sent):
                        yield _sse("case", {"index": row.idx, **service.case_out(row).model_dump()})
                        sent = row.idx
                    if submission.status is SubmissionStatus.DONE and not done_sent:
                        view = service.view(db, submission, slug, version, with_code=False)
                        yield _sse("done", view.model_dump(mode="json", exclude={"cases"}))
                        done_sent = True
                        if not submission.hints_pending:
                            return
                    elif done_sent and not submission.hints_pending:
                        cases = [service.case_out(row).model_dump(mode="json")
                                 for row in repository.case_rows(db, submission_id)]
                        yield _sse("hints", {"id": submission_id, "cases": cases})
                        return
                if not waited and sent < 0 and not done_sent:
                    yield WAITING
                waited = True
                if changed is None:
                    await asyncio.sleep(settings.events_poll_s)
                else:
                    live = listener is not None and listener.live()
                    poll = settings.events_fallback_poll_s if live else settings.events_poll_s
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(changed.wait(), poll)
        yield _sse("timeout", {"id": submission_id})

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
