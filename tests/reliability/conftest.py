"""The real-stack fixtures of tests/api, shared with the reliability tests."""

from tests.api.conftest import db_url, postgres_available, stack, tiny_dirs  # noqa: F401
