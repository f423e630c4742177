"""The FastAPI application: routers, error handlers, health, lifespan-owned database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from app import apidocs, metrics
from app.accounts.endpoints import router as accounts_router
from app.auth.endpoints import router as auth_router
from app.bodylimit import BodyLimit, NoSniff
from app.config import Settings
from app.courses.endpoints import router as courses_router
from app.courses.pages import router as course_pages
from app.db import libpq_url, make_engine, make_sessionmaker
from app.errors import ERROR_RESPONSES, install_handlers
from app.jobs import repository as jobs
from app.notify import Listener, socket_path
from app.problems import repository as problems_repository
from app.problems.endpoints import router as problems_router
from app.ratelimit import PerIpLimit
from app.submissions.endpoints import router as submissions_router
from app.web.endpoints import STATIC_DIR
from app.web.endpoints import router as web_router


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings.db_url)
        app.state.engine = engine
        app.state.sessions = make_sessionmaker(engine)
        listener = Listener(socket_path(settings.data_dir))
        datagrams = listener.start()
        postgres = libpq_url(settings.db_url) if settings.notify_listen else None
        if postgres is not None:
            listener.listen_postgres(postgres)
        app.state.notifications = listener if datagrams or postgres else None
        yield
        await listener.close()
        engine.dispose()

    app = FastAPI(title="TensorJudge", version="0.1.0", lifespan=lifespan,
                  docs_url=None, redoc_url=None,  # /docs from app.apidocs, without a CDN
                  description="Grader for machine-learning coding exercises. Errors are "
                              "`{\"error\", \"detail\"}` with a 4xx status.")
    app.state.settings = settings
    install_handlers(app)
    app.include_router(auth_router, responses=ERROR_RESPONSES)
    app.include_router(problems_router, responses=ERROR_RESPONSES)
    app.include_router(submissions_router, responses=ERROR_RESPONSES)
    app.include_router(courses_router, responses=ERROR_RESPONSES)
    app.include_router(accounts_router, responses=ERROR_RESPONSES)
    app.include_router(web_router)  # the learner's pages (not in the OpenAPI schema)
    app.include_router(course_pages)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    apidocs.install(app)

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict:
        """Liveness; also reports any sandbox layer an operator disabled (development only)."""
        return {"status": "ok", "sandbox_disabled_layers": list(settings.disabled_layers)}

    refused = settings.layers_override_refused

    @app.get("/readyz", tags=["health"], responses={503: {"description": "Not ready (body says why)"}})
    def readyz(request: Request) -> JSONResponse:
        """Ready when the database answers and a worker that passed the sandbox
        self-check has sent a heartbeat recently; never while sandbox layers are
        disabled without the development flag (the body says so)."""
        checks: dict[str, Any] = {"database": False, "workers": 0}
        if settings.disabled_layers:
            checks["sandbox_disabled_layers"] = list(settings.disabled_layers)
            checks["development"] = settings.development
        if refused:
            checks["refused"] = refused
        listener = getattr(request.app.state, "notifications", None)
        checks["notifications"] = listener.transports() if listener is not None else []
        try:
            with request.app.state.sessions() as session:
                checks["database"] = jobs.database_answers(session)
                checks["workers"] = jobs.fresh_workers(session, settings.worker_fresh_s)
                # Listed but not open yet: their references are still running.
                checks["preparing"] = [p.slug for p, _ in problems_repository.preparing(session)]
                checks["jobs_pending"] = jobs.unfinished(session)  # warming included
        except Exception as exc:  # the database is down: not ready, say why
            checks["error"] = type(exc).__name__
        ready = checks["database"] and checks["workers"] > 0 and not refused
        return JSONResponse({"ready": ready, **checks}, status_code=200 if ready else 503)

    metrics.install(app, settings.worker_fresh_s)
    # The editor bundle is ~680 KB; classrooms share thin links.  Event streams are
    # never compressed (Starlette excludes text/event-stream: it must flush per event).
    # Level 6, not Starlette's 9: a 900 KB gradebook compresses in ~7 ms instead of
    # ~17 ms, 7% larger (bench/gradebook.py).
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=6)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    # Outermost: a flood is refused before its body is read or a session is opened.
    app.add_middleware(PerIpLimit, per_minute=settings.requests_per_ip_per_minute)
    app.add_middleware(NoSniff)  # outside everything, so 429s and 413s carry it too
    return app
