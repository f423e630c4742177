"""Logins cannot be turned against users: failures (not attempts) are throttled per
username and client, every failure looks and costs the same, names are unique up to
case and Unicode form, and a password with NUL is refused at registration too."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic import command
from fastapi.testclient import TestClient

from app import security
from app.db import make_engine
from app.main import create_app
from app.migrate import alembic_config, upgrade
from app.security import _hasher, hash_password

LOGIN = "/api/auth/login"


def _login(client, username, password):
    return client.post(LOGIN, json={"username": username, "password": password})


def test_owner_logs_in_from_another_client_after_an_attackers_failures(stack):
    stack.token("bob")
    attacker = stack.client  # TestClient's peer address is "testclient"
    codes = [_login(attacker, "BOB" if i % 2 else "bob", f"guess{i:04d}").status_code
             for i in range(12)]
    assert codes[:10] == [401] * 10 and codes[10:] == [429] * 2  # BOB is bob
    with TestClient(create_app(stack.settings), client=("203.0.113.7", 50000)) as owner:
        assert _login(owner, "bob", "password123").status_code == 200


def test_successful_logins_are_not_counted(stack):
    stack.token("carol")
    codes = [_login(stack.client, "carol", "password123").status_code for _ in range(15)]
    assert codes == [200] * 15


def test_unknown_user_token_only_account_and_wrong_password_answer_alike(stack, monkeypatch):
    stack.token("dave")
    stack.instructor_token()  # "prof": made by `token create`, no password
    verified = []

    class CountingHasher:  # the real argon2 hasher, with its verifications counted
        def verify(self, hash_, password):
            verified.append(hash_)
            return _hasher.verify(hash_, password)

    monkeypatch.setattr(security, "_hasher", CountingHasher())
    answers = []
    for username in ("nobody-here", "prof", "dave"):
        verified.clear()
        got = _login(stack.client, username, "wrong-password")
        answers.append((got.status_code, got.json()))
        # One argon2 verification each: the same cost whatever the account.
        assert len(verified) == 1, username
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][0] == 401


def test_usernames_are_unique_up_to_case_and_nfkc(stack):
    assert stack.client.post("/api/auth/register", json={
        "username": "alice", "password": "password123"}).status_code == 201
    for look_alike in ("Alice", "ALICE", "\uff41\uff4c\uff49\uff43\uff45"):  # fullwidth alice
        got = stack.client.post("/api/auth/register", json={
            "username": look_alike, "password": "password123"})
        assert got.status_code == 409, (look_alike, got.text)
        assert set(got.json()) == {"error", "detail"}
    assert _login(stack.client, "ALICE", "password123").json()["user"]["username"] == "alice"


def test_password_with_nul_is_refused_at_registration(stack):
    got = stack.client.post("/api/auth/register", json={
        "username": "erin", "password": "pass\x00word123"})
    assert got.status_code == 422 and set(got.json()) == {"error", "detail"}
    assert _login(stack.client, "erin", "pass\x00word123").status_code == 422


def test_migration_keeps_accounts_that_already_collide(db_url):
    command.upgrade(alembic_config(db_url), "0004")
    engine = make_engine(db_url)
    try:
        with engine.begin() as connection:
            for name in ("Alice", "alice", "ALICE"):
                connection.execute(sa.text(
                    "INSERT INTO users (username, password_hash, role, created_at) "
                    "VALUES (:u, :h, 'learner', CURRENT_TIMESTAMP)"),
                    {"u": name, "h": hash_password(f"pw-of-{name}")})
        upgrade(db_url)
        with engine.connect() as connection:
            keys = dict(connection.execute(sa.text("SELECT username, username_key FROM users")).all())
        assert keys["Alice"] == "alice"
        assert keys["alice"].startswith("alice#") and keys["ALICE"].startswith("alice#")
        with engine.begin() as connection, pytest.raises(sa.exc.IntegrityError):
            connection.execute(sa.text(
                "INSERT INTO users (username, username_key, role, created_at) "
                "VALUES ('aLice', 'alice', 'learner', CURRENT_TIMESTAMP)"))
    finally:
        engine.dispose()
