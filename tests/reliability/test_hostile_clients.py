"""Hostile and malformed clients on the real stack (SQLite and PostgreSQL): every bad
request is a 4xx with ``{"error", "detail"}``, never a 500, and nothing is stored twice.

Already covered in tests/api/test_api.py and not repeated here: oversized code (413),
a huge body (413), malformed JSON and wrong types, another learner's submission id
(404, same detail as a missing id), an existing username (409), the per-user
submission limit (429 + Retry-After).
"""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from app.main import create_app
from app.models import ApiToken, Submission
from app.security import hash_token
from tests.api.conftest import auth
from tests.serving import free_port
from tests.tiny_problem import TINY_REFERENCE

SQL_BITS = ["' OR '1'='1", "x'; DROP TABLE users; --", '" OR ""="', "1; SELECT pg_sleep(5)--",
            "%_%", "\\'"]


def is_error(response, *statuses: int) -> bool:
    body = response.json()
    return response.status_code in statuses and set(body) == {"error", "detail"}


def submit(stack, token, code=TINY_REFERENCE, problem="vector-add", **extra):
    return stack.client.post("/api/submissions", headers=auth(token),
                             json={"problem": problem, "code": code, "mode": "submit", **extra})


def stored_submissions(stack) -> int:
    with stack.sessions() as session:
        return session.scalar(select(func.count()).select_from(Submission))


def test_nul_bytes_and_lone_surrogates_in_code_are_422_not_500(stack):
    stack.wait_problem()
    token = stack.token("ada")
    headers = {**auth(token), "content-type": "application/json"}
    sent = submit(stack, token, code="def add(a, b):\n    return a + b\x00\n")
    assert is_error(sent, 422), sent.text
    lone = stack.client.post("/api/submissions", headers=headers,  # JSON escape of half a pair
                             content=b'{"problem": "vector-add", "code": "x = \'\\ud800\'"}')
    assert is_error(lone, 422), lone.text
    # Raw bytes that are not UTF-8 never reach the database either.
    raw = b'{"problem": "vector-add", "code": "\xff\xfe def add(a, b): pass"}'
    sent = stack.client.post("/api/submissions", content=raw,
                             headers=headers)
    assert is_error(sent, 400, 422) and sent.json()["error"] == "bad_request", sent.text
    assert stored_submissions(stack) == 0


def test_nul_bytes_anywhere_else_are_4xx(stack):
    token = stack.token("ada")
    client = stack.client
    assert is_error(client.post("/api/auth/login", json={"username": "a\x00b", "password": "x" * 8}),
                    401, 422)
    assert is_error(client.post("/api/auth/register",
                                json={"username": "ada\x00", "password": "longenough"}), 422)
    assert is_error(submit(stack, token, problem="vector\x00add"), 404, 422)
    listed = client.get("/api/submissions", params={"problem": "a\x00b"}, headers=auth(token))
    # SQLite stores NUL, PostgreSQL text cannot: an empty page or a 422, never a 500.
    assert listed.status_code == 200 and listed.json()["total"] == 0 or is_error(listed, 422)
    assert is_error(client.get("/api/problems/a%00b"), 404, 422)


def test_ten_thousand_line_code_is_graded(stack):
    stack.wait_problem()
    token = stack.token("ada")
    code = TINY_REFERENCE + "".join(f"# line {i}\n" for i in range(10_000))
    assert len(code.encode()) < stack.settings.max_code_bytes * 4
    sent = submit(stack, token, code=code)
    if sent.status_code == 413:  # over the code-size cap: refused cleanly, nothing stored
        assert is_error(sent, 413) and stored_submissions(stack) == 0
        code = TINY_REFERENCE + "\n" * 10_000  # 10,000 lines under the cap
        sent = submit(stack, token, code=code)
    assert sent.status_code == 202, sent.text
    assert stack.wait_done(sent.json()["id"], token)["verdict"] == "accepted"


@pytest.mark.parametrize("slug", ["ünïcödé", "数学", "../vector-add", "..%2Fvector-add", "%2e%2e",
                                  "vector-add/../../etc/passwd", "..", " ", "a" * 300])
def test_unicode_and_path_trick_slugs_are_404_or_422(stack, slug):
    stack.wait_problem()
    token = stack.token("ada")
    assert is_error(submit(stack, token, problem=slug), 404, 422)
    found = stack.client.get(f"/api/problems/{slug}")
    # "../x" is normalised by the client/router to another path: any 4xx, never the file.
    assert found.status_code in (404, 405, 422) and "root:" not in found.text
    assert stored_submissions(stack) == 0


def test_sql_metacharacters_everywhere_are_plain_data(stack):
    stack.wait_problem()
    token = stack.token("ada")
    for bit in SQL_BITS:
        assert is_error(submit(stack, token, problem=bit), 404, 422)
        assert is_error(stack.client.post("/api/auth/login",
                                          json={"username": bit, "password": bit + "xxxxxxxx"}), 401)
        listed = stack.client.get("/api/submissions", params={"problem": bit}, headers=auth(token))
        assert listed.status_code == 200 and listed.json()["total"] == 0
        assert is_error(stack.client.get(f"/api/problems/{bit}"), 404, 405)
        assert is_error(stack.client.post("/api/auth/register",
                                          json={"username": bit, "password": "longenough"}), 422)
    # Code full of SQL is just code: stored verbatim and graded.
    code = TINY_REFERENCE + "".join(f"# {bit}\n" for bit in SQL_BITS)
    sent = submit(stack, token, code=code)
    assert stack.wait_done(sent.json()["id"], token)["code"] == code
    assert stack.client.get("/api/auth/me", headers=auth(token)).status_code == 200


def test_unknown_fields_are_ignored_or_refused_never_stored(stack):
    stack.wait_problem()
    token = stack.token("ada")
    sent = submit(stack, token, user_id=999, status="done", passed=99, id=1)
    assert sent.status_code == 202
    result = stack.wait_done(sent.json()["id"], token)
    assert result["verdict"] == "accepted" and result["passed"] == 2
    extra = stack.client.post("/api/auth/register",
                              json={"username": "eve", "password": "longenough", "role": "instructor"})
    assert is_error(extra, 422)  # credentials refuse unknown fields: no self-promotion
    assert stack.client.post("/api/auth/login", json={"username": "eve", "password": "longenough"}
                             ).status_code == 401


def test_revoked_token_replayed_and_expired_token_are_401(stack):
    token = stack.token("ada")
    assert stack.client.post("/api/auth/logout", headers=auth(token)).status_code == 204
    for _ in range(2):  # replaying the revoked token keeps failing
        assert is_error(stack.client.get("/api/auth/me", headers=auth(token)), 401)
    expired = stack.token("ada")
    with stack.sessions() as session:
        session.execute(update(ApiToken).where(ApiToken.token_hash == hash_token(expired))
                        .values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
        session.commit()
    assert is_error(stack.client.get("/api/auth/me", headers=auth(expired)), 401)
    assert is_error(submit(stack, expired), 401) and stored_submissions(stack) == 0
    garbage = [b"", b"tj_", b"tj_" + b"A" * 5000, b"' OR 1=1 --", "\u00e9\u00e9".encode(), b"\xff\xfe"]
    for bad in garbage:
        got = stack.client.get("/api/auth/me", headers={"Authorization": b"Bearer " + bad})
        assert is_error(got, 401), (bad, got.text)


def test_submission_ids_out_of_range_are_4xx(stack):
    token = stack.token("ada")
    for sid in ["0", "-1", "99999999999999999999999", "1e3", "abc", "1;DROP"]:
        got = stack.client.get(f"/api/submissions/{sid}", headers=auth(token))
        assert is_error(got, 404, 422), (sid, got.text)


def test_brute_force_login_is_rate_limited_per_username_and_ip(stack):
    stack.token("ada")
    codes = [stack.client.post("/api/auth/login", json={"username": "ada", "password": f"guess{i:04d}"}
                               ).status_code for i in range(12)]
    # 10 failures per username and client per minute (the successful login is not one).
    assert codes[:10] == [401] * 10 and codes[10:] == [429] * 2
    limited = stack.client.post("/api/auth/login", json={"username": "ada", "password": "password123"})
    assert is_error(limited, 429) and int(limited.headers["Retry-After"]) > 0
    # Spreading guesses over usernames still hits the per-IP login limit.
    spread = [stack.client.post("/api/auth/login", json={"username": f"u{i}", "password": "guessxxx"}
                                ).status_code for i in range(12)]
    assert 429 in spread


def test_per_ip_request_limit_is_429_with_retry_after(stack):
    app = create_app(stack.settings.model_copy(update={"requests_per_ip_per_minute": 5}))
    with TestClient(app) as client:
        codes = [client.get("/api/problems").status_code for _ in range(7)]
        assert codes == [200] * 5 + [429] * 2
        limited = client.get("/api/auth/me")
        assert is_error(limited, 429) and int(limited.headers["Retry-After"]) >= 1
        assert client.get("/healthz").status_code == 200  # probes are never limited


def test_body_over_the_cap_is_refused_before_it_is_sent(stack):
    """413 arrives while the client is still sending: the server never reads the body."""
    import threading

    import uvicorn

    app = create_app(stack.settings)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        import time

        while not server.started:
            time.sleep(0.05)
        declared = 50 * 1024 * 1024
        with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
            conn.sendall(b"POST /api/submissions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
                         b"\r\nContent-Length: " + str(declared).encode() + b"\r\n\r\n" + b"{" * 1024)
            reply = conn.recv(4096)
        assert reply.startswith(b"HTTP/1.1 413") and b"payload_too_large" in reply
    finally:
        server.should_exit = True
        thread.join(timeout=10)
