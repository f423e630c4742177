"""Schema-driven fuzzing of the whole OpenAPI surface (schemathesis) against a real
uvicorn server on SQLite: no 5xx, and every response matches its documented schema.

Requests carry a learner token, and an instructor token on instructor-only operations;
logout gets a fresh token each time so it never revokes the one the rest use.
Submissions are queued but not graded (no worker): this is about the API surface.
The SSE stream is left out: for a queued submission it rightly stays open for minutes
(tests/api covers it).  Problem publishing waits briefly for a worker that never comes,
so its documented 503 ("no grading worker validated the problem in time") is allowed,
as is /readyz's documented 503 (no worker); any other 5xx fails.
"""

from __future__ import annotations

import threading
import time

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.auth.service import issue_token, register, service_token
from app.main import create_app
from app.models import Role
from tests.api.conftest import make_stack
from tests.serving import free_port

EXAMPLES = 60


def _no_server_error(ctx, response, case) -> bool:  # noqa: ANN001
    if response.status_code >= 500:
        publishing = (case.method in ("POST", "PUT") and case.path.startswith("/api/problems")
                      and response.json().get("error") == "unavailable")
        not_ready = case.path == "/readyz" and response.json().get("workers") == 0
        allowed = response.status_code == 503 and (publishing or not_ready)
        if not allowed:
            raise AssertionError(f"{response.status_code} from {case.method} {case.formatted_path}: "
                                 f"{response.text[:500]}")
    return True


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory, tiny_dirs):
    db = tmp_path_factory.mktemp("fuzz") / "tensorjudge.db"
    config, sessions, engine, *_ = make_stack(
        f"sqlite:///{db}", tiny_dirs, None, with_worker=False, submissions_per_minute=100_000,
        max_queue_depth=100_000, requests_per_ip_per_minute=100_000)
    config = config.model_copy(update={"validation_timeout_s": 0.5})
    with sessions() as session:
        learner = register(session, "fuzzer", "password123")
        tokens = {"learner": issue_token(session, learner),
                  "instructor": service_token(session, Role.INSTRUCTOR, "prof", "fuzz")}

    def fresh_token() -> str:
        with sessions() as session:
            return issue_token(session, register(session, f"u{time.monotonic_ns()}", "password123"))

    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(config), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    try:
        yield f"http://127.0.0.1:{port}", tokens, fresh_token
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        engine.dispose()


# The schema the server publishes (building it needs no database).
schema = schemathesis.openapi.from_dict(create_app().openapi()).exclude(path_regex=r"/events$")


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_no_5xx_and_every_response_matches_the_schema(case, fuzz_server):
    base_url, tokens, fresh_token = fuzz_server
    if case.path == "/api/auth/logout":
        token = fresh_token()
    elif case.path.startswith("/api/problems") and case.method != "GET":
        token = tokens["instructor"]
    else:
        token = tokens["learner"]
    headers = dict(case.headers or {})
    headers.setdefault("Authorization", f"Bearer {token}")
    case.headers = headers
    case.call_and_validate(base_url=base_url, checks=[
        _no_server_error, response_schema_conformance, content_type_conformance,
        status_code_conformance])
