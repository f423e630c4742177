"""The multi-host topology without Docker: PostgreSQL, migrations, an API with no
embedded workers and two separate ``tensorjudge worker`` processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx2 as httpx

from app.migrate import upgrade
from tests.api.conftest import create_pg_database, drop_pg_database
from tests.api.test_queue import start_worker, stop
from tests.api.test_serve import free_port
from tests.conftest import DATA_DIR, ROOT
from tests.tiny_problem import TINY_REFERENCE

MIXED = [
    (TINY_REFERENCE, "accepted"),
    ("def add(a, b):\n    return a - b\n", "wrong_answer"),
    ("def add(a, b):\n    raise RuntimeError('boom')\n", "runtime_error"),
    ("def add(a, b)\n    return a\n", "compile_error"),
    ("import time\n\ndef add(a, b):\n    time.sleep(0.3)\n    return a + b\n", "accepted"),
]


def test_api_and_two_workers_on_postgres_grade_everything_once(postgres_available, tiny_dirs):
    assert postgres_available, "PostgreSQL is not running on 127.0.0.1:5432"
    name, url = create_pg_database()
    upgrade(url)
    port = free_port()
    env = {**os.environ, "TENSORJUDGE_DATABASE_URL": url, "TENSORJUDGE_DATA_DIR": str(DATA_DIR),
           "TENSORJUDGE_PROBLEMS_DIR": str(tiny_dirs[0]),
           "TENSORJUDGE_REFERENCE_DIR": str(tiny_dirs[1]), "TENSORJUDGE_LEASE_S": "3",
           "TENSORJUDGE_SUBMISSIONS_PER_MINUTE": "1000"}
    api = subprocess.Popen([sys.executable, "-m", "app", "serve", "--workers", "0", "--port", str(port)],
                           cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers = [start_worker(url, tiny_dirs, lease_s=3) for _ in range(2)]
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                try:
                    if client.get("/api/problems/vector-add").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.2)
            client.post("/api/auth/register", json={"username": "ada", "password": "longenough"})
            token = client.post("/api/auth/login", json={"username": "ada", "password": "longenough"}
                                ).json()["token"]
            headers = {"Authorization": f"Bearer {token}"}
            expected = {}
            for i in range(50):
                code, verdict = MIXED[i % len(MIXED)]
                sent = client.post("/api/submissions", headers=headers,
                                   json={"problem": "vector-add", "code": code, "mode": "run"})
                assert sent.status_code == 202, sent.text
                expected[sent.json()["id"]] = verdict
                if i == 25:  # stop one worker mid-run; the other finishes the work
                    workers[0].send_signal(signal.SIGKILL)
            results = {}
            while time.monotonic() < deadline and len(results) < len(expected):
                for sid in expected:
                    if sid not in results:
                        body = client.get(f"/api/submissions/{sid}", headers=headers).json()
                        if body["status"] == "done":
                            results[sid] = body
                time.sleep(0.2)
            assert len(results) == 50, f"{50 - len(results)} submissions never finished"
            assert {sid: r["verdict"] for sid, r in results.items()} == expected
            assert all(len(r["cases"]) == 1 for r in results.values())  # one result set each
            metrics = client.get("/metrics").text
            assert "tensorjudge_queue_depth 0.0" in metrics
    finally:
        stop(workers)
        api.terminate()
        api.wait(timeout=30)
        drop_pg_database(name)
