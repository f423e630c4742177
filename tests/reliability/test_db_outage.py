"""PostgreSQL stops in the middle of grading and comes back: the API answers 503 with
Retry-After (never a 500) and ``/readyz`` reports not-ready; the worker retries with
backoff and recovers without a restart; every submission ends ``done`` with its full
results, none without them.

The test runs its OWN throwaway PostgreSQL cluster (initdb into a temporary directory,
its own port), because the server on 5432 is shared and must never be stopped.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.config import Settings
from app.db import make_engine, make_sessionmaker
from app.main import create_app
from app.migrate import upgrade
from app.models import CaseResultRow, Job, JobStatus, Submission
from app.problems.service import sync_folder
from tests.api.conftest import auth
from tests.conftest import DATA_DIR, ROOT
from tests.serving import free_port

SLOW = "import time\n\ndef add(a, b):\n    time.sleep(0.5)\n    return a + b\n"


class Cluster:
    """A private PostgreSQL cluster run as the ``postgres`` user."""

    def __init__(self, base: Path, port: int):
        binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
        if not binaries:
            pytest.fail("PostgreSQL server binaries are not installed")
        self.bin, self.base, self.port = Path(binaries[-1]), base, port
        self.data = base / "data"

    def _as_postgres(self, *args: str) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", *args], check=True, timeout=120,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def init(self) -> None:
        self.base.mkdir(mode=0o755)
        shutil.chown(self.base, "postgres", "postgres")
        self._as_postgres(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust",
                          "-U", "postgres", "--no-sync")

    def start(self) -> None:
        self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), "-w", "-l",
                          str(self.base / "log"), "-o",
                          f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off",
                          "start")

    def stop(self) -> None:
        self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), "-w", "-m", "fast", "stop")

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"


@pytest.fixture
def cluster():
    found = Cluster(Path(f"/tmp/tj-pg-{uuid.uuid4().hex[:8]}"), free_port())
    found.init()
    found.start()
    try:
        yield found
    finally:
        try:
            found.stop()
        except subprocess.CalledProcessError:
            pass  # already stopped
        shutil.rmtree(found.base, ignore_errors=True)


def get_retrying(client: TestClient, path: str, token: str) -> dict:
    """What a well-behaved client does with 503 + Retry-After."""
    while True:
        got = client.get(path, headers=auth(token))
        if got.status_code != 503:
            assert got.status_code == 200, got.text
            return got.json()
        time.sleep(0.2)


@pytest.mark.slow
def test_database_outage_mid_grading_is_survived_without_restart(cluster, tiny_dirs):
    upgrade(cluster.url)
    engine = make_engine(cluster.url)
    sessions = make_sessionmaker(engine)
    with sessions() as session:
        sync_folder(session, *tiny_dirs)
    env = {**os.environ, "TENSORJUDGE_DATABASE_URL": cluster.url, "TENSORJUDGE_DATA_DIR": str(DATA_DIR),
           "TENSORJUDGE_PROBLEMS_DIR": str(tiny_dirs[0]), "TENSORJUDGE_REFERENCE_DIR": str(tiny_dirs[1])}
    worker = subprocess.Popen([sys.executable, "-m", "app", "worker"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    settings = Settings(database_url=cluster.url, data_dir=DATA_DIR, problems_dir=tiny_dirs[0],
                        reference_dir=tiny_dirs[1], requests_per_ip_per_minute=100_000)
    try:
        with TestClient(create_app(settings)) as client:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and client.get("/readyz").status_code != 200:
                time.sleep(0.2)
            while time.monotonic() < deadline and \
                    client.get("/api/problems/vector-add").status_code != 200:
                time.sleep(0.2)
            client.post("/api/auth/register", json={"username": "ada", "password": "longenough"})
            token = client.post("/api/auth/login",
                                json={"username": "ada", "password": "longenough"}).json()["token"]
            ids = [client.post("/api/submissions", headers=auth(token),
                               json={"problem": "vector-add", "code": SLOW}).json()["id"]
                   for _ in range(4)]
            while get_retrying(client, f"/api/submissions/{ids[0]}", token)["status"] != "running":
                time.sleep(0.05)

            cluster.stop()
            down = client.get("/readyz")
            assert down.status_code == 503 and down.json()["database"] is False
            for sent in (client.get(f"/api/submissions/{ids[0]}", headers=auth(token)),
                         client.post("/api/submissions", headers=auth(token),
                                     json={"problem": "vector-add", "code": SLOW})):
                assert sent.status_code == 503 and sent.json()["error"] == "unavailable", sent.text
                assert int(sent.headers["Retry-After"]) > 0
            time.sleep(4)  # the running grading finishes while the database is away
            assert worker.poll() is None
            cluster.start()

            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                results = [get_retrying(client, f"/api/submissions/{i}", token) for i in ids]
                if all(r["status"] == "done" for r in results):
                    break
                time.sleep(0.2)
            assert [r["verdict"] for r in results] == ["accepted"] * 4
            assert all(len(r["cases"]) == r["total"] == 2 for r in results)
            while time.monotonic() < deadline and client.get("/readyz").status_code != 200:
                time.sleep(0.2)
            assert client.get("/readyz").json()["ready"] is True
        assert worker.poll() is None, "the worker had to be restarted"
        with sessions() as session:
            jobs = session.scalars(select(Job).where(Job.submission_id.isnot(None))).all()
            assert len(jobs) == 4 and all(job.status is JobStatus.DONE for job in jobs)
            # The outage was shorter than a lease: the interrupted grading was finished and
            # written by its own worker, not abandoned and graded again.
            assert [job.attempts for job in jobs] == [1] * 4
            rows = dict(session.execute(select(CaseResultRow.submission_id, func.count())
                                        .group_by(CaseResultRow.submission_id)).all())
            assert rows == {i: 2 for i in ids}  # done means done with every result
            assert session.scalar(select(func.count()).select_from(Submission)) == 4
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
        worker.stderr.close()
        engine.dispose()
