"""A real stack per test: migrated database (SQLite file or a fresh PostgreSQL
database), the FastAPI app, and a real worker thread grading in the real sandbox."""

from __future__ import annotations

import os
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from app import ratelimit
from app.config import Settings
from app.db import make_engine, make_sessionmaker
from app.jobs.worker import Worker
from app.main import create_app
from app.migrate import upgrade
from app.models import ProblemRow, ProblemVersion
from app.problems.service import known_mistakes, sync_folder
from app.problems.versions import problem_from_version
from tests.conftest import DATA_DIR
from tests.tiny_problem import write_tiny_problem

PG_HOST = os.environ.get("TENSORJUDGE_TEST_PG_HOST", "127.0.0.1")
PG_ADMIN = f"host={PG_HOST} port=5432 user=postgres dbname=postgres"


@pytest.fixture(scope="session")
def tiny_dirs(tmp_path_factory) -> tuple[Path, Path]:
    return write_tiny_problem(tmp_path_factory.mktemp("api-problems"))


@pytest.fixture(scope="session")
def postgres_available() -> bool:
    try:
        with psycopg.connect(PG_ADMIN, connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


def create_pg_database() -> tuple[str, str]:
    name = f"tj_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name, f"postgresql://postgres@{PG_HOST}:5432/{name}"


def drop_pg_database(name: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path, postgres_available):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'tensorjudge.db'}"
        return
    if not postgres_available:
        pytest.fail("PostgreSQL is not running on 127.0.0.1:5432 (scripts/test.sh starts it)")
    name, url = create_pg_database()
    try:
        yield url
    finally:
        drop_pg_database(name)


@dataclass
class Stack:
    client: TestClient
    settings: Settings
    sessions: sessionmaker
    worker: Worker | None

    def token(self, username: str, password: str = "password123") -> str:
        self.client.post("/api/auth/register", json={"username": username, "password": password})
        done = self.client.post("/api/auth/login", json={"username": username, "password": password})
        assert done.status_code == 200, done.text
        return done.json()["token"]

    def instructor_token(self) -> str:
        from app.auth.service import service_token
        from app.models import Role

        with self.sessions() as session:
            return service_token(session, Role.INSTRUCTOR, "prof", "test")

    def wait_problem(self, slug: str = "vector-add", timeout: float = 60) -> dict:
        import time

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.client.get(f"/api/problems/{slug}")
            if found.status_code == 200:
                return found.json()
            time.sleep(0.05)
        raise AssertionError(f"problem {slug} not published in {timeout} s")

    def wait_done(self, submission_id: int, token: str, timeout: float = 60,
                  hints: bool = False) -> dict:
        """The graded submission; with ``hints``, once its hints are in too."""
        import time

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            body = self.client.get(f"/api/submissions/{submission_id}", headers=auth(token)).json()
            if body["status"] == "done" and not (hints and body["hints_pending"]):
                return body
            time.sleep(0.05)
        raise AssertionError(f"submission {submission_id} not done in {timeout} s")


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def make_stack(db_url: str, tiny_dirs, grader, with_worker: bool = True, **overrides):
    problems_dir, reference_dir = tiny_dirs
    settings = Settings(database_url=db_url, data_dir=DATA_DIR, problems_dir=problems_dir,
                        reference_dir=reference_dir, validation_timeout_s=60, **overrides)
    upgrade(db_url)
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    with sessions() as session:
        sync_folder(session, problems_dir, reference_dir)
    ratelimit.reset()
    stop = threading.Event()
    worker = thread = None
    if with_worker:
        worker = Worker(settings, sessions, grader=grader)
        worker.start()
        thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
        thread.start()
    return settings, sessions, engine, worker, stop, thread


@pytest.fixture
def stack(db_url, tiny_dirs, grader):
    settings, sessions, engine, worker, stop, thread = make_stack(db_url, tiny_dirs, grader)
    try:
        with TestClient(create_app(settings)) as client:
            yield Stack(client, settings, sessions, worker)
    finally:
        stop.set()
        if thread is not None:
            thread.join(timeout=30)
        engine.dispose()


@pytest.fixture
def bare_stack(db_url, tiny_dirs):
    """The app on a migrated database without a worker: for tests that seed graded rows."""
    settings, sessions, engine, _, _, _ = make_stack(db_url, tiny_dirs, None, with_worker=False)
    try:
        with TestClient(create_app(settings)) as client:
            yield Stack(client, settings, sessions, None)
    finally:
        engine.dispose()


def published_mistake(sessions, slug: str, code: str):
    """The problem's current version as the worker loads it, and the mistake with ``code``."""
    with sessions() as session:
        row = session.scalars(select(ProblemRow).where(ProblemRow.slug == slug)).one()
        mistake = next(m for m in known_mistakes(session, row.id) if m.code == code)
        version = session.get(ProblemVersion, row.current_version_id)
        return problem_from_version(slug, version), mistake
