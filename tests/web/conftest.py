"""The page tests use the API tests' real stack (migrated database, app, worker), on
SQLite only: pages do not depend on the database engine (the API tests cover both)."""

import pytest

from tests.api.conftest import stack, tiny_dirs  # noqa: F401


@pytest.fixture
def db_url(tmp_path):
    return f"sqlite:///{tmp_path / 'tensorjudge.db'}"
