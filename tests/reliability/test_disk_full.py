"""The database volume fills up: submissions are refused with a clear 503 (never a 500),
nothing is half-written, and service resumes once space is freed.  SQLite on a small
tmpfs this test mounts itself (root only) and unmounts afterwards."""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from app.main import create_app
from app.models import Job, Submission
from tests.api.conftest import auth, make_stack
from tests.tiny_problem import TINY_REFERENCE


@pytest.fixture
def small_volume():
    if os.geteuid() != 0:
        pytest.fail("mounting a tmpfs needs root")
    mount = Path(f"/tmp/tj-full-{uuid.uuid4().hex[:8]}")
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m,mode=0755", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)
        mount.rmdir()


def fill(volume: Path) -> Path:
    """Take every free byte of ``volume``; return the filler file."""
    filler = volume / "filler"
    with open(filler, "wb") as out:
        try:
            while True:
                out.write(b"\0" * 65536)
                out.flush()
        except OSError:
            pass
    return filler


@pytest.mark.slow
def test_full_database_volume_is_a_clear_503_and_nothing_half_written(small_volume, tiny_dirs):
    url = f"sqlite:///{small_volume / 'tensorjudge.db'}"
    settings, sessions, engine, *_ = make_stack(url, tiny_dirs, None, with_worker=False)
    with sessions() as session:  # publish without a worker: the version is ready
        from app.models import ProblemVersion, VersionStatus
        from app.problems import repository

        version = session.query(ProblemVersion).one()
        version.status = VersionStatus.READY
        repository.get_problem(session, "vector-add").current_version_id = version.id
        session.commit()
    try:
        with TestClient(create_app(settings)) as client:
            client.post("/api/auth/register", json={"username": "ada", "password": "longenough"})
            token = client.post("/api/auth/login",
                                json={"username": "ada", "password": "longenough"}).json()["token"]
            code = TINY_REFERENCE + "#" * 60_000  # bigger than any page left free
            accepted = [client.post("/api/submissions", headers=auth(token),
                                    json={"problem": "vector-add", "code": code})]
            assert accepted[0].status_code == 202
            filler = fill(small_volume)
            refused = []
            for _ in range(5):
                sent = client.post("/api/submissions", headers=auth(token),
                                   json={"problem": "vector-add", "code": code})
                assert sent.status_code in (202, 503), sent.text  # never a 500
                (accepted if sent.status_code == 202 else refused).append(sent)
            assert refused, "the full volume never refused a write"
            body = refused[0].json()
            assert body["error"] == "unavailable" and "full" in body["detail"]
            assert int(refused[0].headers["Retry-After"]) > 0
            assert client.get(f"/api/submissions/{accepted[0].json()['id']}",
                              headers=auth(token)).status_code == 200  # reads still work

            filler.unlink()
            again = client.post("/api/submissions", headers=auth(token),
                                json={"problem": "vector-add", "code": code})
            assert again.status_code == 202, again.text
            accepted.append(again)
        with sessions() as session:
            assert session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
            ids = {r.json()["id"] for r in accepted}
            stored = set(session.scalars(select(Submission.id)))
            assert stored == ids  # every 202 is stored, no refused one half-written
            jobs = session.scalar(select(func.count()).select_from(Job)
                                  .where(Job.submission_id.in_(ids)))
            assert jobs == len(ids)  # and each has its job: submission and job in one transaction
    finally:
        engine.dispose()
