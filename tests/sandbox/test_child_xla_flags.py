"""The sandboxed children's XLA flags: the default, an operator's replacement, a refusal.

The flags decide how quickly a submission's programs compile (``sandbox/stack.py``)
and are part of the expected outputs' key, so replacing them must change that key, and
flags XLA would abort on must stop a worker before any run instead of crashing each.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from sandbox import stack
from tests.conftest import DATA_DIR, ROOT, SEED_SLUG

BOGUS = "--xla_no_such_flag_for_tensorjudge=1"


def stack_seen_with(flags: str | None) -> tuple[str, list[str]]:
    """``(CHILD_XLA_FLAGS, STACK)`` as a fresh interpreter reads them from the environment."""
    env = {k: v for k, v in os.environ.items() if k != "TENSORJUDGE_CHILD_XLA_FLAGS"}
    if flags is not None:
        env["TENSORJUDGE_CHILD_XLA_FLAGS"] = flags
    done = subprocess.run(
        [sys.executable, "-c", "import json; from sandbox import stack; "
                               "print(json.dumps([stack.CHILD_XLA_FLAGS, list(stack.STACK)]))"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True, timeout=120)
    flags_seen, key = json.loads(done.stdout)
    return flags_seen, key


def test_default_flags_compile_at_o0_without_the_fusion_emitters():
    flags, key = stack_seen_with(None)
    assert flags == stack.DEFAULT_CHILD_XLA_FLAGS
    assert set(flags.split()) == {"--xla_backend_optimization_level=0",
                                  "--xla_cpu_use_fusion_emitters=false"}
    assert f"child XLA_FLAGS={flags}" in key
    assert stack_seen_with("")[0] == flags  # set but empty: the default


def test_replaced_flags_change_the_expected_outputs_key():
    flags, key = stack_seen_with("--xla_backend_optimization_level=0")
    assert flags == "--xla_backend_optimization_level=0"
    assert key != stack_seen_with(None)[1]


def test_flags_xla_accepts_pass_the_check(monkeypatch):
    monkeypatch.setattr(stack, "CHILD_XLA_FLAGS", "--xla_backend_optimization_level=0")
    stack.check_child_xla_flags()


def test_flags_xla_refuses_are_named_with_xla_words(monkeypatch):
    monkeypatch.setattr(stack, "CHILD_XLA_FLAGS", BOGUS)
    with pytest.raises(stack.ChildFlagsRejected, match=f"Unknown flag in XLA_FLAGS: {BOGUS}"):
        stack.check_child_xla_flags()


def test_grade_refuses_to_start_under_flags_xla_refuses():
    env = {**os.environ, "TENSORJUDGE_DATA_DIR": str(DATA_DIR), "COLUMNS": "400",
           "TENSORJUDGE_CHILD_XLA_FLAGS": BOGUS}
    done = subprocess.run([sys.executable, "-m", "app", "grade", SEED_SLUG,
                           "reference/flax_transposed_conv_1d.py"],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=240)
    assert done.returncode == 1, done.stdout
    text = " ".join(done.stderr.split())
    assert "refusing to grade" in text and "TENSORJUDGE_CHILD_XLA_FLAGS" in text
    assert f"Unknown flag in XLA_FLAGS: {BOGUS}" in text
