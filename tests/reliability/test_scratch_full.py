"""The scratch volume fills up: grading, which needs no scratch space, still works; a
learner's own write fails in its code ("No space left on device", a runtime error);
a run whose scratch directory cannot even be created is the grader's failure
(``internal_error``, logged naming the scratch volume), never the learner's; nothing is
left behind and the next run works once space is freed.  The scratch root is on a small
tmpfs this module mounts itself (root only) and unmounts afterwards."""

from __future__ import annotations

import errno
import logging
import os
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.grading.engine import Grader
from app.grading.verdicts import Verdict
from app.problems.manifest import Problem, load_problem
from sandbox import Sandbox
from sandbox.layers.cgroups import run_ids as cgroup_run_ids
from tests.conftest import DATA_DIR
from tests.tiny_problem import TINY_REFERENCE

WRITES_SCRATCH = """import os
import numpy as np

def add(a, b):
    with open(os.path.join(os.environ["TMPDIR"], "notes.bin"), "wb") as out:
        out.write(b"\\0" * 256 * 1024)
    return np.asarray(a) + np.asarray(b)
"""


class Volume:
    """A 1 MiB, 64-inode tmpfs: the scratch root is ``runs/``; fillers live beside it."""

    def __init__(self, mount: Path):
        self.mount = mount
        self.scratch_root = mount / "runs"
        self.fillers = mount / "fill"

    def fill_space(self) -> None:
        """Take every free byte (as root, like another tenant of the volume)."""
        self.fillers.mkdir(exist_ok=True)
        with open(self.fillers / "bytes", "wb") as out:
            try:
                while True:
                    out.write(b"\0" * 65536)
                    out.flush()
            except OSError:
                pass

    def fill_inodes(self) -> None:
        """Take every free inode; only "no space" ends it (any other error is raised)."""
        self.fillers.mkdir(exist_ok=True)
        try:
            for n in range(1_000):
                (self.fillers / str(n)).touch()
        except OSError as exc:
            if exc.errno != errno.ENOSPC:
                raise
            assert os.statvfs(self.mount).f_ffree == 0, os.statvfs(self.mount)
            return
        raise AssertionError("the volume never ran out of inodes")

    def free(self) -> None:
        for entry in self.fillers.iterdir():
            entry.unlink()

    def leftovers(self) -> list[str]:
        """Scratch directories and cgroups of this process's runs still present."""
        ours = f"{os.getpid()}-"
        scratch = [p.name for p in self.scratch_root.iterdir()] if self.scratch_root.exists() else []
        return scratch + sorted(r for r in cgroup_run_ids() if r.startswith(ours))


@pytest.fixture(scope="module")
def volume() -> Iterator[Volume]:
    if os.geteuid() != 0:
        pytest.fail("mounting a tmpfs needs root")
    mount = Path(tempfile.mkdtemp(prefix="tj-scratch-full-", dir="/dev/shm"))  # world-traversable
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,nr_inodes=64,mode=0711", "tmpfs",
                    str(mount)], check=True)
    try:
        yield Volume(mount)
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)
        mount.rmdir()


@pytest.fixture(scope="module")
def box(volume: Volume) -> Iterator[Sandbox]:
    with Sandbox(scratch_root=str(volume.scratch_root)) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def problem(tiny_dirs) -> Problem:
    problems, reference = tiny_dirs
    return load_problem(problems / "vector-add", reference)


@pytest.fixture
def grader(box: Sandbox, volume: Volume, problem: Problem) -> Iterator[Grader]:
    grader = Grader(box, DATA_DIR)
    grader.reference_outputs(problem)  # expected outputs exist before the volume fills
    yield grader
    volume.free()


def test_full_scratch_volume_grading_works_and_the_learners_write_fails_in_its_code(
        volume: Volume, grader: Grader, problem: Problem):
    volume.fill_space()
    assert os.statvfs(volume.mount).f_bavail == 0

    graded = grader.grade(problem, TINY_REFERENCE)  # grading itself needs no scratch space
    assert graded.verdict is Verdict.ACCEPTED, [(c.verdict, c.message) for c in graded.cases]

    writer = grader.grade(problem, WRITES_SCRATCH)  # the learner's own write fails, in its code
    assert writer.verdict is Verdict.RUNTIME_ERROR
    visible = writer.cases[0]
    assert visible.verdict is Verdict.RUNTIME_ERROR and "No space left on device" in visible.message
    assert volume.leftovers() == []

    volume.free()
    again = grader.grade(problem, WRITES_SCRATCH)
    assert again.verdict is Verdict.ACCEPTED, [(c.verdict, c.message) for c in again.cases]
    assert volume.leftovers() == []


def test_no_room_for_the_runs_scratch_directory_is_an_internal_error(
        volume: Volume, box: Sandbox, grader: Grader, problem: Problem,
        caplog: pytest.LogCaptureFixture):
    assert grader.grade(problem, TINY_REFERENCE).verdict is Verdict.ACCEPTED  # a warm fork server
    fork_server = box.fork_server_pids().get("jax")
    assert fork_server is not None
    volume.fill_inodes()
    with caplog.at_level(logging.ERROR, logger="tensorjudge.sandbox"):
        graded = grader.grade(problem, TINY_REFERENCE)
    assert graded.verdict is Verdict.INTERNAL_ERROR  # the grader's disk, never the learner's fault
    assert all(c.verdict is Verdict.INTERNAL_ERROR for c in graded.cases)
    message = graded.cases[0].message
    assert "scratch volume" in message and "No space left on device" in message, message
    assert any("scratch volume" in r.getMessage() for r in caplog.records), caplog.text
    assert volume.leftovers() == []
    # Not at fault: kept warm, not restarted on each such run.
    assert box.fork_server_pids().get("jax") == fork_server

    volume.free()
    again = grader.grade(problem, TINY_REFERENCE)
    assert again.verdict is Verdict.ACCEPTED, [(c.verdict, c.message) for c in again.cases]
    assert volume.leftovers() == []
