"""Migrations on SQLite and PostgreSQL: 0003 matches its model and goes down and up; 0010
back-fills the gradebook cells."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select

import app.models  # noqa: F401  (registers the tables)
from app.db import Base, make_engine, make_sessionmaker
from app.migrate import alembic_config, upgrade
from app.models import Assignment, Course, GradebookCell, Mode, User
from tests.api.course_seed import add_attempt, add_problem


def _mentions(diff, table: str) -> bool:
    return table in repr(diff)


def test_known_mistakes_table_matches_its_model_and_migrates_down_and_up(db_url):
    upgrade(db_url)
    engine = make_engine(db_url)
    try:
        with engine.connect() as connection:
            diffs = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        assert [d for d in diffs if _mentions(d, "known_mistakes")] == []
        command.downgrade(alembic_config(db_url), "0002")
        assert "known_mistakes" not in inspect(engine).get_table_names()
        upgrade(db_url)
        assert "known_mistakes" in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_postgresql_schema_matches_the_models_after_every_migration(db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite keeps 0001's tables (see migration 0004)")
    upgrade(db_url)
    engine = make_engine(db_url)
    try:
        with engine.connect() as connection:
            diffs = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        assert [d for d in diffs if d[0] in ("add_fk", "remove_fk", "add_table", "remove_table")] == []
        foreign = inspect(engine).get_foreign_keys("problems")
        assert [fk["name"] for fk in foreign] == ["fk_problem_current_version"]
    finally:
        engine.dispose()


def _cells(engine) -> list[tuple]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(
            select(GradebookCell.course_id, GradebookCell.user_id, GradebookCell.problem_id,
                   GradebookCell.best_key, GradebookCell.attempts, GradebookCell.first_accepted_at)
            .order_by(GradebookCell.course_id, GradebookCell.user_id, GradebookCell.problem_id))]


def test_gradebook_cells_back_filled_as_the_worker_keeps_them(db_url):
    """Migration 0010 back-fills from graded submissions the same cells the worker's
    ``count_attempt`` kept while grading them; uncounted attempts stay out."""
    upgrade(db_url)
    engine = make_engine(db_url)
    t0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    try:
        with make_sessionmaker(engine)() as session:
            course = Course(slug="dl", title="DL", join_code="CODE")
            ada, bob = User(username="ada"), User(username="bob")
            session.add_all([course, ada, bob])
            session.flush()
            week = Assignment(course_id=course.id, title="One", opens_at=t0, due_at=t0 + timedelta(days=1))
            session.add(week)
            session.flush()
            conv, pool = add_problem(session, "conv"), add_problem(session, "pool")
            three = [("a", True, "accepted", {}), ("b", False, "wrong_answer", {}),
                     ("c", False, "accepted", {})]
            for minute, (who, version, verdict, mode, late) in enumerate([
                    (ada.id, conv, "wrong_answer", Mode.SUBMIT, False),
                    (ada.id, conv, "accepted", Mode.SUBMIT, True),
                    (ada.id, conv, "accepted", Mode.SUBMIT, False),
                    (ada.id, pool, "internal_error", Mode.SUBMIT, False),
                    (ada.id, pool, "accepted", Mode.RUN, False),
                    (bob.id, pool, "runtime_error", Mode.SUBMIT, False),
                    (bob.id, pool, "wrong_answer", Mode.SUBMIT, True)]):
                add_attempt(session, who, version, week.id, verdict, t0 + timedelta(minutes=minute),
                            three, late=late, mode=mode)
            add_attempt(session, bob.id, conv, None, "accepted", t0, three)  # practice
        kept = _cells(engine)
        assert [(attempts, accepted is not None) for *_, attempts, accepted in kept] == [
            (3, True), (2, False)]
        command.downgrade(alembic_config(db_url), "0010-1")
        assert "gradebook_cells" not in inspect(engine).get_table_names()
        upgrade(db_url)
        assert _cells(engine) == kept
    finally:
        engine.dispose()
