"""``tensorjudge push`` against a real ``serve`` (creates, versions, skips unchanged), and
``tensorjudge token list / revoke``."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import httpx2 as httpx

from tests.conftest import DATA_DIR, ROOT
from tests.serving import free_port, start_serve, wait_published
from tests.tiny_problem import TINY_MANIFEST, write_tiny_problem

MUL_REFERENCE = "import numpy as np\n\ndef add(a, b):\n    return np.asarray(a) * np.asarray(b)\n"
MUL_WRONG = ("# expect: wrong_answer\n# mistake: Adds instead of multiplying.\n# label: other\n"
             "import numpy as np\n\ndef add(a, b):\n    return np.asarray(a) + np.asarray(b)\n")


def course_repo(root: Path) -> Path:
    """A course repository with one problem, ``vec-mul``, and one known mistake."""
    folder = root / "problems" / "vec-mul"
    root.mkdir()
    (folder / "solutions" / "correct").mkdir(parents=True)
    (folder / "solutions" / "wrong").mkdir(parents=True)
    (folder / "problem.toml").write_text(TINY_MANIFEST.replace("Vector add", "Vector multiply"))
    (folder / "statement.md").write_text("Multiply two vectors.\n")
    (folder / "starter.py").write_text("def add(a, b):\n    raise NotImplementedError\n")
    (folder / "solutions" / "correct" / "ref.py").write_text("# expect: accepted\n" + MUL_REFERENCE)
    (folder / "solutions" / "wrong" / "adds.py").write_text(MUL_WRONG)
    (root / "reference").mkdir()
    (root / "reference" / "vec_mul.py").write_text(MUL_REFERENCE)
    return root / "problems"


def tj(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "app", *args], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=300)


def test_push_creates_versions_and_skips_unchanged(tmp_path):
    served = write_tiny_problem(tmp_path / "served")
    data_dir = DATA_DIR / f"push-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "TENSORJUDGE_DATA_DIR": str(data_dir),
           "TENSORJUDGE_PROBLEMS_DIR": str(served[0]), "TENSORJUDGE_REFERENCE_DIR": str(served[1])}
    port = free_port()
    server = start_serve(env, port)
    base = f"http://127.0.0.1:{port}"
    problems = course_repo(tmp_path / "course")
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            wait_published(client, process=server, timeout=180)
            token = tj(env, "token", "create", "--role", "instructor", "--user", "ci").stdout.strip()
            assert token

            usage = tj(env, "push", str(problems), "--server", base)
            assert usage.returncode == 2

            first = tj(env, "push", str(problems), "--server", base, "--token", token)
            assert first.returncode == 0, first.stdout + first.stderr
            assert "created    vec-mul" in first.stdout and "1 known mistakes added" in first.stdout
            published = client.get("/api/problems/vec-mul").json()
            assert published["title"] == "Vector multiply" and published["version"] == 1

            again = tj(env, "push", str(problems), "--server", base, "--token", token)
            assert again.returncode == 0 and "unchanged  vec-mul" in again.stdout, again.stdout
            assert "0 created, 0 versioned, 0 updated, 1 unchanged, 0 failed" in again.stdout

            (problems / "vec-mul" / "statement.md").write_text("Multiply two vectors, elementwise.\n")
            changed = tj(env, "push", str(problems), "--server", base, "--token", token)
            assert changed.returncode == 0 and "versioned  vec-mul" in changed.stdout, changed.stdout
            assert client.get("/api/problems/vec-mul").json()["version"] == 2
            mistakes = client.get("/api/problems/vec-mul/mistakes",
                                  headers={"Authorization": f"Bearer {token}"}).json()
            assert [m["explanation"] for m in mistakes] == ["Adds instead of multiplying."]

            broken_reference = "def add(a, b):\n    raise ValueError\n"
            (tmp_path / "course" / "reference" / "vec_mul.py").write_text(broken_reference)
            broken = tj(env, "push", str(problems), "--server", base, "--token", token)
            assert broken.returncode == 1 and "failed     vec-mul" in broken.stdout, broken.stdout
            assert client.get("/api/problems/vec-mul").json()["version"] == 2
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)


def test_token_list_and_revoke(tmp_path):
    env = {**os.environ, "TENSORJUDGE_DATA_DIR": str(tmp_path)}
    for name in ("ci", "laptop"):
        assert tj(env, "token", "create", "--role", "instructor", "--user", "prof",
                  "--name", name).returncode == 0
    listed = tj(env, "token", "list", "--user", "prof").stdout.splitlines()
    assert [line.split("\t")[1] for line in listed] == ["ci", "laptop"]
    assert all(line.endswith("\tactive") for line in listed)
    first = listed[0].split("\t")[0]
    assert tj(env, "token", "revoke", first, "--user", "prof").returncode == 0
    after = tj(env, "token", "list", "--user", "prof").stdout.splitlines()
    assert after[0].endswith("\trevoked") and after[1].endswith("\tactive")
    missing = tj(env, "token", "revoke", "999", "--user", "prof")
    assert missing.returncode == 2 and "no token 999" in missing.stderr
    assert tj(env, "token", "list", "--user", "nobody").returncode == 2
