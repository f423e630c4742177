"""The ``tensorjudge`` command as a user runs it: a real subprocess, real sandbox."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DATA_DIR, PROBLEMS, ROOT, SEED_SLUG
from tests.tiny_problem import TINY_REFERENCE, write_tiny_problem

TENSORJUDGE = [sys.executable, "-m", "app"]


def tj(*args: str, timeout: float = 240) -> subprocess.CompletedProcess:
    env = {**os.environ, "TENSORJUDGE_DATA_DIR": str(DATA_DIR)}
    return subprocess.run([*TENSORJUDGE, *args], capture_output=True, text=True, cwd=ROOT,
                          env=env, timeout=timeout)


def test_grade_reference_is_accepted_and_exits_zero():
    done = tj("grade", SEED_SLUG, "reference/flax_transposed_conv_1d.py")
    assert done.returncode == 0, done.stderr
    assert "Accepted" in done.stdout and "18/18 cases passed" in done.stdout


def test_grade_json_reports_every_case_and_exits_one_when_wrong():
    wrong = PROBLEMS / SEED_SLUG / "solutions" / "wrong" / "valid_padding.py"
    done = tj("grade", SEED_SLUG, str(wrong), "--mode", "run", "--json")
    assert done.returncode == 1, done.stderr
    document = json.loads(done.stdout)
    assert document["verdict"] == "wrong_answer"
    assert [c["name"] for c in document["cases"]][:1] == ["worked-example"]
    for case in document["cases"]:
        assert {"name", "verdict", "max_abs_error", "max_rel_error", "message"} <= set(case)


@pytest.mark.parametrize(
    "args",
    [
        ("grade", "no-such-problem", "reference/flax_transposed_conv_1d.py"),
        ("grade", "../problems", "reference/flax_transposed_conv_1d.py"),
        ("grade", SEED_SLUG, "does/not/exist.py"),
        ("grade", SEED_SLUG, "reference/flax_transposed_conv_1d.py", "--mode", "fast"),
        ("grade",),
    ],
)
def test_usage_errors_exit_two(args):
    done = tj(*args)
    assert done.returncode == 2, (done.stdout, done.stderr)


@pytest.fixture()
def problem_folder(tmp_path: Path) -> Path:
    problems_dir, _ = write_tiny_problem(tmp_path)
    folder = problems_dir / "vector-add"
    (folder / "solutions" / "correct").mkdir(parents=True)
    (folder / "solutions" / "wrong").mkdir(parents=True)
    (folder / "solutions" / "correct" / "plain.py").write_text("# expect: accepted\n" + TINY_REFERENCE)
    (folder / "solutions" / "wrong" / "minus.py").write_text(
        "# expect: wrong_answer\n# mistake: subtracts\ndef add(a, b):\n    return a - b\n")
    return folder


def test_check_passes_on_a_sound_problem_folder(problem_folder: Path):
    done = tj("check", "--problems-dir", str(problem_folder.parent))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1/1 problems hold" in done.stdout


def test_check_fails_naming_problem_and_case_when_the_reference_breaks(problem_folder: Path):
    reference = problem_folder.parent.parent / "reference" / "vector_add.py"
    reference.write_text("def add(a, b):\n    if len(a) > 3:\n        raise RuntimeError('broken')\n"
                         "    return a + b\n")
    done = tj("check", "--problems-dir", str(problem_folder.parent), "--json")
    assert done.returncode == 1
    document = json.loads(done.stdout)
    failing = [f for p in document["problems"] for f in p["findings"] if not f["ok"]]
    assert failing and "vector-add" in failing[0]["detail"] and "hidden-random" in failing[0]["detail"]


def test_check_fails_when_a_solution_gets_another_verdict(problem_folder: Path):
    shutil.copy(problem_folder / "solutions" / "wrong" / "minus.py",
                problem_folder / "solutions" / "correct" / "not_really.py")
    (problem_folder / "solutions" / "correct" / "not_really.py").write_text(
        "# expect: accepted\ndef add(a, b):\n    return a - b\n")
    done = tj("check", "--problems-dir", str(problem_folder.parent))
    assert done.returncode == 1
    assert "FAIL vector-add: solutions/correct/not_really.py" in done.stdout


def test_check_fails_when_a_pack_reference_is_mutated(tmp_path: Path):
    slug = "fractional-stride-1d"
    shutil.copytree(PROBLEMS / slug, tmp_path / "problems" / slug)
    (tmp_path / "reference").mkdir()
    source = (ROOT / "reference" / "fractional_stride_1d.py").read_text()
    entry = "def fractional_stride_1d("
    assert entry in source
    # Wrap the real entry so every output is off by a constant.
    mutated = source.replace(entry, "def _original_fractional_stride_1d(") + (
        "\n\ndef fractional_stride_1d(*args, **kwargs):\n"
        "    return _original_fractional_stride_1d(*args, **kwargs) + 1\n")
    (tmp_path / "reference" / "fractional_stride_1d.py").write_text(mutated)
    done = tj("check", "--problems-dir", str(tmp_path / "problems"))
    assert done.returncode == 1
    assert f"FAIL {slug}: solutions/correct/" in done.stdout
    assert "expected accepted; case 'worked-example'" in done.stdout


def test_grade_json_shows_hidden_cases_as_learners_see_them(tmp_path):
    problems, reference = write_tiny_problem(tmp_path)
    probe = tmp_path / "probe.py"
    probe.write_text("import numpy as np\n\ndef add(a, b):\n    out = np.zeros_like(a + b)\n"
                     "    if len(a) > 3:\n        out[0] = 1000.0\n"
                     "        raise type('LEAK' + str(a[0]), (Exception,), {})()\n    return out\n")
    base = ("grade", "vector-add", str(probe), "--json", "--problems-dir", str(problems),
            "--reference-dir", str(reference))
    hidden = json.loads(tj(*base).stdout)["cases"][1]
    assert hidden["verdict"] == "runtime_error" and "LEAK" not in json.dumps(hidden)
    assert hidden["message"].startswith("Your code raised Exception on this hidden case")
    shown = json.loads(tj(*base, "--show-hidden").stdout)["cases"][1]
    assert shown["error_type"] == "Exception" and shown["time_ms"] > 0


def test_check_rejects_a_title_case_title_and_lint_directives_in_the_starter(problem_folder: Path):
    manifest = problem_folder / "problem.toml"
    manifest.write_text(manifest.read_text().replace('title = "Vector add"', 'title = "Vector Add"'))
    (problem_folder / "starter.py").write_text(
        "import numpy as np  # noqa: F401\n\ndef add(a, b):\n    raise NotImplementedError\n")
    done = tj("check", "--problems-dir", str(problem_folder.parent))
    assert done.returncode == 1
    assert "FAIL vector-add: title style: 'Vector Add': capitalises 'Add'" in done.stdout
    assert "FAIL vector-add: starter comments: lint directives on line 1" in done.stdout


torch_installed = pytest.mark.skipif(
    importlib.util.find_spec("torch") is None,
    reason="PyTorch is not installed (pip install torch==2.13.0): the pytorch framework is not offered")


@torch_installed
def test_grade_pytorch_solution_names_its_framework_from_the_file():
    # The file's "# framework: pytorch" line picks the framework; --json records it.
    solution = PROBLEMS / "conv-transpose2d" / "solutions" / "correct" / "pytorch_scatter.py"
    done = tj("grade", "conv-transpose2d", str(solution), "--mode", "run", "--json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["framework"] == "pytorch" and document["verdict"] == "accepted"
    # The same code graded as JAX is refused by the framework guard, not run.
    done = tj("grade", "conv-transpose2d", str(solution), "--mode", "run", "--json",
              "--framework", "jax")
    assert done.returncode == 1
    assert json.loads(done.stdout)["verdict"] == "compile_error"


@pytest.mark.parametrize("framework", ["pytorch", "tensorflow"])
def test_grade_framework_the_problem_does_not_accept_is_a_usage_error(framework):
    # A Flax-module problem accepts JAX only; an unknown framework is no framework at all.
    done = tj("grade", SEED_SLUG, "reference/flax_transposed_conv_1d.py", "--framework", framework)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "accepts jax" in done.stderr
