"""Shared fixtures: one real sandbox and one grader for the whole session.

The grader's data directory (expected-output and XLA caches) lives under
``.pytest-data/`` in the checkout so repeated local runs reuse compiled code; it is
owned by the trusted test process and only read (never written) by learners' runs.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.grading.engine import Grader
from app.problems.manifest import Problem, load_problem
from sandbox import Sandbox

ROOT = Path(__file__).resolve().parent.parent
PROBLEMS = ROOT / "problems"
REFERENCE = ROOT / "reference"
SEED_SLUG = "flax-transposed-conv-1d"
DATA_DIR = Path(os.environ.get("TENSORJUDGE_TEST_DATA", ROOT / ".pytest-data"))


@pytest.fixture(scope="session")
def sandbox():
    with Sandbox(scratch_root="/dev/shm/tensorjudge-test-scratch") as box:
        yield box


@pytest.fixture(scope="session")
def grader(sandbox) -> Grader:
    return Grader(sandbox, DATA_DIR)


@pytest.fixture(scope="session")
def seed_problem() -> Problem:
    return load_problem(PROBLEMS / SEED_SLUG, REFERENCE)


@pytest.fixture(scope="session")
def reference_code(seed_problem) -> str:
    return seed_problem.reference
