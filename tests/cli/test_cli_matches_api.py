"""The CLI and the HTTP API give the same verdict for the same code: every file under
``problems/*/solutions/`` is graded through the engine ``tensorjudge grade`` uses and
through the API of one real ``serve`` (sharing one data directory, so expected outputs
and compile caches are computed once), and both must equal the file's ``# expect:``.

Affordable on 2 cores: one server with one worker, files graded one after another.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import pytest

from app.cli import open_grader, resolve_problem
from app.config import Settings
from app.problems.solutions import parse_framework
from tests.conftest import ROOT
from tests.serving import free_port, start_serve, wait_published

SOLUTIONS = sorted(ROOT.glob("problems/*/solutions/*/*.py"))
EXPECT = re.compile(r"^# expect: (\w+)", re.MULTILINE)


class _Both:
    def __init__(self, data_dir: Path, base: str):
        self.settings = Settings(data_dir=data_dir)
        self.grader = open_grader(self.settings)
        self.client = httpx.Client(base_url=base, timeout=60)
        self.client.post("/api/auth/register", json={"username": "same", "password": "same-password"})
        token = self.client.post("/api/auth/login",
                                 json={"username": "same", "password": "same-password"}).json()
        self.headers = {"Authorization": f"Bearer {token['token']}"}

    def cli(self, slug: str, code: str, framework: str) -> str:
        problem = resolve_problem(slug, None, None, self.settings)
        return self.grader.grade(problem, code, "submit", framework=framework).verdict.value

    def api(self, slug: str, code: str, framework: str) -> str:
        wait_published(self.client, [slug], timeout=1800)
        reply = self.client.post("/api/submissions", headers=self.headers,
                                 json={"problem": slug, "code": code, "framework": framework})
        assert reply.status_code == 202, reply.text
        sid = reply.json()["id"]
        for _ in range(3600):
            got = self.client.get(f"/api/submissions/{sid}", headers=self.headers).json()
            if got["status"] == "done":
                return got["verdict"]
            time.sleep(0.5)
        raise AssertionError(f"submission {sid} not graded")


@pytest.fixture(scope="module")
def both() -> Iterator[_Both]:
    data_dir = ROOT / ".bench-data" / f"cli-api-{uuid.uuid4().hex[:8]}"
    data_dir.mkdir(parents=True)
    env = {**os.environ, "TENSORJUDGE_DATA_DIR": str(data_dir),
           "TENSORJUDGE_SUBMISSIONS_PER_MINUTE": "100000",
           "TENSORJUDGE_REQUESTS_PER_IP_PER_MINUTE": "1000000"}
    port = free_port()
    with open(data_dir / "serve.log", "wb") as log:
        process = start_serve(env, port, workers=1, log=log)
    pair = None
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            wait_published(client, [], process=process, timeout=600,
                           log_hint=f"; see {data_dir / 'serve.log'}")
        pair = _Both(data_dir, f"http://127.0.0.1:{port}")
        yield pair
    finally:
        if pair is not None:
            pair.client.close()
            pair.grader.sandbox.close()
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.mark.slow
@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: f"{p.parts[-4]}/{p.parts[-2]}/{p.stem}")
def test_cli_and_api_give_the_expected_verdict(both, path):
    code = path.read_text()
    expected = EXPECT.search(code)
    assert expected, f"{path} has no '# expect:' line"
    slug = path.parts[-4]
    framework = parse_framework(code, path)  # "# framework: pytorch" files run as PyTorch
    cli, api = both.cli(slug, code, framework), both.api(slug, code, framework)
    assert (cli, api) == (expected.group(1), expected.group(1)), path
