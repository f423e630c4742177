"""Every endpoint on the real stack (SQLite and PostgreSQL, real sandbox worker)."""

from __future__ import annotations

import json

from tests.api.conftest import auth
from tests.tiny_problem import TINY_REFERENCE

WRONG = "def add(a, b):\n    return a - b\n"


def submit(stack, token, code=TINY_REFERENCE, mode="submit", problem="vector-add", **extra):
    return stack.client.post("/api/submissions", headers=auth(token),
                             json={"problem": problem, "code": code, "mode": mode, **extra})


def test_register_login_and_me(stack):
    created = stack.client.post("/api/auth/register", json={"username": "ada", "password": "longenough"})
    assert created.status_code == 201 and created.json()["role"] == "learner"
    login = stack.client.post("/api/auth/login", json={"username": "ada", "password": "longenough"})
    assert login.status_code == 200 and "tj_session" in login.cookies
    me = stack.client.get("/api/auth/me", headers=auth(login.json()["token"]))
    assert me.json()["username"] == "ada"


def test_duplicate_username_is_409_and_bad_password_401(stack):
    stack.token("ada")
    again = stack.client.post("/api/auth/register", json={"username": "ada", "password": "another-one"})
    assert again.status_code == 409 and again.json()["error"] == "conflict"
    bad = stack.client.post("/api/auth/login", json={"username": "ada", "password": "wrong-password"})
    assert bad.status_code == 401 and set(bad.json()) == {"error", "detail"}


def test_missing_or_invalid_token_is_401(stack):
    assert stack.client.get("/api/submissions").status_code == 401
    bad = stack.client.get("/api/submissions", headers=auth("tj_nope"))
    assert bad.status_code == 401 and bad.json()["error"] == "unauthorized"


def test_logout_revokes_the_token(stack):
    token = stack.token("ada")
    assert stack.client.post("/api/auth/logout", headers=auth(token)).status_code == 204
    assert stack.client.get("/api/auth/me", headers=auth(token)).status_code == 401


def test_problem_views_never_leak_reference_harness_or_hidden_cases(stack):
    detail = stack.wait_problem()
    listing = stack.client.get("/api/problems").json()
    assert [p["slug"] for p in listing] == ["vector-add"]
    assert set(listing[0]) == {"slug", "title", "difficulty", "tags", "version", "status"}
    assert listing[0]["status"] == "ready"
    assert [e["name"] for e in detail["examples"]] == ["example"]
    assert detail["examples"][0]["expected"] == [11.0, 22.0, 33.0]
    text = json.dumps(detail)
    for secret in ("np.asarray(a) + np.asarray(b)", "run_case", "hidden-random", "reference"):
        assert secret not in text


def test_unknown_problem_is_404(stack):
    missing = stack.client.get("/api/problems/nope")
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    token = stack.token("ada")
    assert submit(stack, token, problem="nope").status_code == 404


def test_submit_and_poll_until_accepted(stack):
    stack.wait_problem()
    token = stack.token("ada")
    accepted = submit(stack, token)
    assert accepted.status_code == 202 and accepted.json()["status"] == "queued"
    result = stack.wait_done(accepted.json()["id"], token)
    assert result["verdict"] == "accepted" and result["passed"] == result["total"] == 2
    hidden = result["cases"][1]
    assert hidden["name"] == "hidden-random" and hidden["visible"] is False
    assert result["finished_at"] is not None and result["created_at"].endswith(("Z", "+00:00"))


def test_run_mode_grades_only_the_examples_and_returns_stdout(stack):
    stack.wait_problem()
    token = stack.token("ada")
    code = "def add(a, b):\n    print('hi there')\n    return a + b\n"
    result = stack.wait_done(submit(stack, token, code=code, mode="run").json()["id"], token)
    assert [c["name"] for c in result["cases"]] == ["example"]
    assert "hi there" in result["cases"][0]["stdout"]


def test_wrong_answer_hides_hidden_values(stack):
    stack.wait_problem()
    token = stack.token("ada")
    result = stack.wait_done(submit(stack, token, code=WRONG).json()["id"], token)
    assert result["verdict"] == "wrong_answer"
    assert "expected" not in result["cases"][1]["message"]


def test_client_sent_verdict_is_ignored(stack):
    stack.wait_problem()
    token = stack.token("ada")
    sent = submit(stack, token, code=WRONG, verdict="accepted", status="done", passed=2)
    assert sent.status_code == 202 and sent.json()["status"] == "queued"
    assert stack.wait_done(sent.json()["id"], token)["verdict"] == "wrong_answer"


def test_learners_see_only_their_own_submissions(stack):
    stack.wait_problem()
    ada, bob = stack.token("ada"), stack.token("bob")
    ada_id = submit(stack, ada).json()["id"]
    other = stack.client.get(f"/api/submissions/{ada_id}", headers=auth(bob))
    assert other.status_code == 404
    absent = stack.client.get("/api/submissions/999999", headers=auth(bob))
    assert absent.status_code == 404 and absent.json()["detail"] == other.json()["detail"].replace(
        str(ada_id), "999999")
    assert stack.client.get("/api/submissions", headers=auth(bob)).json()["total"] == 0
    prof = stack.instructor_token()
    assert stack.client.get(f"/api/submissions/{ada_id}", headers=auth(prof)).status_code == 200
    everyone = stack.client.get("/api/submissions?all_users=true", headers=auth(prof)).json()
    assert everyone["total"] == 1


def test_history_is_newest_first_and_paginated(stack):
    stack.wait_problem()
    token = stack.token("ada")
    ids = [submit(stack, token, mode="run").json()["id"] for _ in range(3)]
    page = stack.client.get("/api/submissions?problem=vector-add&per_page=2", headers=auth(token)).json()
    assert page["total"] == 3 and [i["id"] for i in page["items"]] == ids[::-1][:2]
    second = stack.client.get("/api/submissions?per_page=2&page=2", headers=auth(token)).json()
    assert [i["id"] for i in second["items"]] == [ids[0]]


def test_events_stream_each_case_then_done(stack):
    stack.wait_problem()
    token = stack.token("ada")
    submission_id = submit(stack, token).json()["id"]
    with stack.client.stream("GET", f"/api/submissions/{submission_id}/events", headers=auth(token)) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        body = "".join(r.iter_text())
    events = [block.split("\n")[0].removeprefix("event: ") for block in body.strip().split("\n\n")
              if not block.startswith(":")]  # a ": waiting" comment while it was queued
    assert events == ["case", "case", "done"]
    assert '"verdict": "accepted"' in body.strip().split("\n\n")[-1]


def test_oversized_code_is_413(stack):
    stack.wait_problem()
    token = stack.token("ada")
    big = "x = 1\n" * 20_000
    sent = submit(stack, token, code=big)
    assert sent.status_code == 413 and sent.json()["error"] == "payload_too_large"


def test_huge_body_is_413_before_parsing(stack):
    token = stack.token("ada")
    body = b'{"problem": "vector-add", "code": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    sent = stack.client.post("/api/submissions", content=body,
                             headers={**auth(token), "content-type": "application/json"})
    assert sent.status_code == 413


def test_malformed_json_and_wrong_types_are_422(stack):
    token = stack.token("ada")
    broken = stack.client.post("/api/submissions", content=b"{not json",
                               headers={**auth(token), "content-type": "application/json"})
    assert broken.status_code == 422 and broken.json()["error"] == "validation_error"
    typed = stack.client.post("/api/submissions", headers=auth(token),
                              json={"problem": "vector-add", "code": 5, "mode": "fast"})
    assert typed.status_code == 422 and set(typed.json()) == {"error", "detail"}


def test_per_user_rate_limit_is_429_with_retry_after(db_url, tiny_dirs, grader):
    from fastapi.testclient import TestClient

    from app.main import create_app
    from tests.api.conftest import Stack, make_stack

    settings, sessions, engine, *_ = make_stack(db_url, tiny_dirs, grader, with_worker=False,
                                                submissions_per_minute=2)
    with TestClient(create_app(settings)) as client:
        stack = Stack(client, settings, sessions, None)
        from app.models import ProblemVersion, VersionStatus
        from app.problems import repository

        with sessions() as session:  # publish without a worker: mark the version ready
            version = session.query(ProblemVersion).one()
            version.status = VersionStatus.READY
            repository.get_problem(session, "vector-add").current_version_id = version.id
            session.commit()
        token = stack.token("ada")
        assert [submit(stack, token).status_code for _ in range(3)] == [202, 202, 429]
        limited = submit(stack, token)
        assert limited.headers["Retry-After"] and limited.json()["error"] == "rate_limited"
    engine.dispose()


def test_queue_backpressure_is_429_and_nothing_is_stored(db_url, tiny_dirs, grader):
    from fastapi.testclient import TestClient

    from app.main import create_app
    from app.models import ProblemVersion, Submission, VersionStatus
    from app.problems import repository
    from tests.api.conftest import Stack, make_stack

    settings, sessions, engine, *_ = make_stack(db_url, tiny_dirs, grader, with_worker=False,
                                                max_queue_depth=3)
    with TestClient(create_app(settings)) as client:
        stack = Stack(client, settings, sessions, None)
        with sessions() as session:
            version = session.query(ProblemVersion).one()
            version.status = VersionStatus.READY
            repository.get_problem(session, "vector-add").current_version_id = version.id
            session.commit()
        tokens = [stack.token(f"user{i}") for i in range(4)]
        # Depth 3 = three learners' submissions (the unclaimed validation job is warming,
        # which never fills the queue's limit); the fourth is refused.
        codes = [submit(stack, t) for t in tokens]
        assert [c.status_code for c in codes] == [202, 202, 202, 429]
        assert codes[3].headers["Retry-After"] == "5" and codes[3].json()["error"] == "rate_limited"
        with sessions() as session:
            assert session.query(Submission).count() == 3
    engine.dispose()


def test_wrong_role_is_403(stack):
    token = stack.token("ada")
    body = {"slug": "x", "title": "X", "statement": "s", "solution_code": "def f(): pass",
            "entry": "f", "cases": [{"name": "a", "visible": True, "inputs": {}}]}
    denied = stack.client.post("/api/problems", headers=auth(token), json=body)
    assert denied.status_code == 403 and denied.json()["error"] == "forbidden"
    assert stack.client.delete("/api/problems/vector-add", headers=auth(token)).status_code == 403


PROBLEM_BODY = {
    "slug": "scale-vector", "title": "Scale a vector", "difficulty": "easy", "tags": ["numpy"],
    "statement": "Return $2x$.", "starter_code": "def scale(x):\n    raise NotImplementedError\n",
    "solution_code": "def scale(x):\n    return 2 * x\n", "entry": "scale",
    "cases": [{"name": "example", "visible": True, "inputs": {"x": [1.0, 2.0]}},
              {"name": "hidden", "inputs": {"x": {"normal": [8], "seed": 3}}}],
    "tolerance": {"rtol": 1e-5, "atol": 1e-6}, "limits": {"time_s": 2, "memory_mb": 512},
}


def test_instructor_creates_versions_and_archives_a_problem(stack):
    prof = stack.instructor_token()
    created = stack.client.post("/api/problems", headers=auth(prof), json=PROBLEM_BODY)
    assert created.status_code == 201, created.text
    assert created.json()["version"] == 1 and created.json()["examples"][0]["expected"] == [2.0, 4.0]
    token = stack.token("ada")
    first = submit(stack, token, code="def scale(x):\n    return x + x\n", problem="scale-vector")
    dup = stack.client.post("/api/problems", headers=auth(prof), json=PROBLEM_BODY)
    assert dup.status_code == 409
    v2 = {**PROBLEM_BODY, "slug": None, "solution_code": "def scale(x):\n    return 3 * x\n",
          "title": "Triple a vector"}
    updated = stack.client.put("/api/problems/scale-vector", headers=auth(prof), json=v2)
    assert updated.status_code == 200 and updated.json()["version"] == 2
    graded = stack.wait_done(first.json()["id"], token)
    assert graded["version"] == 1 and graded["verdict"] == "accepted"  # kept its version
    assert stack.client.delete("/api/problems/scale-vector", headers=auth(prof)).status_code == 204
    assert stack.client.get("/api/problems/scale-vector").status_code == 404


def test_problem_whose_solution_fails_is_422_naming_the_case(stack):
    prof = stack.instructor_token()
    body = {**PROBLEM_BODY, "slug": "broken",
            "solution_code": "def scale(x):\n    if len(x) > 2:\n        raise ValueError('no')\n"
                             "    return 2 * x\n"}
    rejected = stack.client.post("/api/problems", headers=auth(prof), json=body)
    assert rejected.status_code == 422, rejected.text
    assert "'hidden'" in rejected.json()["detail"]


def test_invalid_problem_body_is_422_naming_the_field(stack):
    prof = stack.instructor_token()
    body = {**PROBLEM_BODY, "slug": "bad-cases",
            "cases": [{"name": "only-hidden", "inputs": {"x": [1.0]}}]}
    rejected = stack.client.post("/api/problems", headers=auth(prof), json=body)
    assert rejected.status_code == 422 and "cases" in rejected.json()["detail"]


def test_health_and_readiness(stack):
    assert stack.client.get("/healthz").json()["status"] == "ok"
    ready = stack.client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["workers"] >= 1


def test_unknown_route_is_json_404(stack):
    missing = stack.client.get("/api/nothing-here")
    assert missing.status_code == 404 and set(missing.json()) == {"error", "detail"}


def test_metrics_report_verdicts_queue_workers_and_latency(stack):
    stack.wait_problem()
    token = stack.token("ada")
    stack.wait_done(submit(stack, token, code=WRONG, mode="run").json()["id"], token)
    loop = "def add(a, b):\n    while True:\n        pass\n"
    stack.wait_done(submit(stack, token, code=loop, mode="run").json()["id"], token)
    crash = "import ctypes\n\ndef add(a, b):\n    ctypes.string_at(0)\n"
    stack.wait_done(submit(stack, token, code=crash, mode="run").json()["id"], token)
    text = stack.client.get("/metrics").text
    assert 'tensorjudge_submissions_total{mode="run",verdict="wrong_answer"} 1.0' in text
    assert 'tensorjudge_sandbox_terminations_total{reason="time"} 1.0' in text
    assert 'tensorjudge_sandbox_terminations_total{reason="signal"} 1.0' in text
    assert "tensorjudge_queue_depth 0.0" in text
    assert "tensorjudge_workers_active 1.0" in text
    assert 'tensorjudge_grading_seconds_count 3.0' in text
    posted = 'method="POST",route="/api/submissions",status="202"'
    assert f"tensorjudge_http_request_seconds_count{{{posted}}} 3.0" in text


def test_json_logs_carry_context_but_never_code(stack, caplog):
    import logging

    from app.logs import JsonFormatter

    stack.wait_problem()
    token = stack.token("ada")
    marker = "def add(a, b):\n    # SECRET-CODE-MARKER\n    return a + b\n"
    import time

    with caplog.at_level(logging.INFO, logger="tensorjudge.worker"):
        stack.wait_done(submit(stack, token, code=marker).json()["id"], token)
        deadline = time.monotonic() + 5  # the worker logs right after it commits
        while time.monotonic() < deadline and not any("graded" in r.getMessage() for r in caplog.records):
            time.sleep(0.05)
    lines = [JsonFormatter().format(r) for r in caplog.records if "graded" in r.getMessage()]
    event = json.loads(lines[-1])
    assert event["verdict"] == "accepted" and event["problem"] == "vector-add"
    assert {"submission", "version", "worker", "grading_ms", "queue_ms"} <= set(event)
    assert all("SECRET-CODE-MARKER" not in r.getMessage() for r in caplog.records)
