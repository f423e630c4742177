"""``tensorjudge serve`` as a newcomer runs it: one process tree, SQLite, embedded workers."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid

import httpx2 as httpx
import pytest

from app.db import normalize_url
from tests.conftest import DATA_DIR, ROOT
from tests.serving import free_port, start_serve, wait_published
from tests.tiny_problem import TINY_REFERENCE


@pytest.mark.parametrize(("given", "driver"), [
    ("postgresql://postgres@127.0.0.1/test", "postgresql+psycopg://postgres@127.0.0.1/test"),
    ("postgres://u@/db?host=/var/run/postgresql", "postgresql+psycopg://u@/db?host=%2Fvar%2Frun%2Fpostgresql"),
    ("sqlite:///data/x.db", "sqlite:///data/x.db"),
])
def test_plain_database_urls_need_no_driver(given, driver):
    assert normalize_url(given) == driver


def test_serve_grades_a_submission_end_to_end(tiny_dirs):
    port = free_port()
    # Not under pytest's tmp_path: its parents are 0700 and the sandbox uid must reach
    # the compile cache in the data directory.
    data_dir = DATA_DIR / f"serve-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "TENSORJUDGE_DATA_DIR": str(data_dir),
           "TENSORJUDGE_PROBLEMS_DIR": str(tiny_dirs[0]),
           "TENSORJUDGE_REFERENCE_DIR": str(tiny_dirs[1])}
    server = start_serve(env, port)
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=10) as client:
            deadline = time.monotonic() + 90  # for publishing and grading together
            wait_published(client, timeout=90)
            assert client.get("/readyz").json()["ready"] is True
            client.post("/api/auth/register", json={"username": "ada", "password": "longenough"})
            token = client.post("/api/auth/login",
                                json={"username": "ada", "password": "longenough"}).json()["token"]
            headers = {"Authorization": f"Bearer {token}"}
            sid = client.post("/api/submissions", headers=headers,
                              json={"problem": "vector-add", "code": TINY_REFERENCE}).json()["id"]
            while time.monotonic() < deadline:
                result = client.get(f"/api/submissions/{sid}", headers=headers).json()
                if result["status"] == "done":
                    break
                time.sleep(0.1)
            assert result["verdict"] == "accepted"
            assert client.get("/docs").status_code == 200
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(data_dir, ignore_errors=True)


def test_token_create_prints_only_a_working_token(tmp_path):
    env = {**os.environ, "TENSORJUDGE_DATA_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "app", "token", "create", "--role", "instructor",
                           "--name", "ci"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    token = done.stdout.strip()
    assert token.startswith("tj_") and "\n" not in token

    from fastapi.testclient import TestClient

    from app.config import Settings
    from app.main import create_app

    with TestClient(create_app(Settings(data_dir=tmp_path))) as client:
        me = client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"}).json()
        assert me["role"] == "instructor"
        client.post("/api/auth/register", json={"username": "bob", "password": "longenough"})
    promoted = subprocess.run([sys.executable, "-m", "app", "user", "promote", "bob"], cwd=ROOT,
                              env=env, capture_output=True, text=True, timeout=60)
    assert promoted.returncode == 0
    missing = subprocess.run([sys.executable, "-m", "app", "user", "promote", "nobody"], cwd=ROOT,
                             env=env, capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2
