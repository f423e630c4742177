"""Migration 0003 on SQLite and PostgreSQL: it matches the model and goes down and up."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

import app.models  # noqa: F401  (registers the tables)
from app.db import Base, make_engine
from app.migrate import alembic_config, upgrade


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
