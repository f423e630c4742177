"""Manifest validation names the file and field; inputs expand deterministically."""

import shutil
from pathlib import Path

import numpy as np
import pytest

from app.problems.inputs import InputError, expand
from app.problems.manifest import InvalidProblem, load_problem, parse_manifest
from tests.conftest import PROBLEMS, REFERENCE, SEED_SLUG

MINIMAL = """
title = "Add"
difficulty = "easy"
entry = "add"
[[cases]]
name = "one"
visible = true
inputs = { a = 1, b = 2 }
"""


def test_minimal_manifest_gets_defaults():
    manifest = parse_manifest(MINIMAL, "p.toml")
    assert manifest.harness == "call"
    assert manifest.tolerance.rtol == 1e-5 and manifest.limits.time_s == 5.0


@pytest.mark.parametrize(
    ("edit", "where"),
    [
        (lambda t: t.replace('"easy"', '"trivial"'), "p.toml: difficulty"),
        (lambda t: "colour = 1\n" + t, "p.toml: colour"),
        (lambda t: t + "\ncolour = 1\n", "p.toml: cases[0].colour"),
        (lambda t: t.replace('entry = "add"', 'entry = "not valid"'), "p.toml: entry"),
        (lambda t: t.replace("visible = true", "visible = false"), "p.toml: cases"),
        (lambda t: t.replace("a = 1", "a = { normal = [2, -1], seed = 1 }"), "p.toml: cases[0].inputs"),
        (lambda t: t.replace("a = 1", "a = { normal = [2], seed = 1, mean = 3 }"), "p.toml: cases[0].inputs"),
        (lambda t: t.replace('name = "one"', 'name = "Has Spaces"'), "p.toml: cases[0].name"),
        (lambda t: t + '\n[tolerance]\nrtol = -1\n', "p.toml: tolerance.rtol"),
        (lambda t: t + '\n[limits]\ntime_s = 0\n', "p.toml: limits.time_s"),
        (lambda t: t.replace('entry = "add"', 'entry = "add"\nharness = "../../etc/x"'), "p.toml: harness"),
    ],
)
def test_invalid_manifest_error_names_file_and_field(edit, where):
    with pytest.raises(InvalidProblem) as raised:
        parse_manifest(edit(MINIMAL), "p.toml")
    assert str(raised.value).startswith(where)


def test_invalid_toml_is_reported_with_the_file():
    with pytest.raises(InvalidProblem, match="p.toml: invalid TOML"):
        parse_manifest("title = ", "p.toml")


def test_duplicate_case_names_are_rejected():
    text = MINIMAL + '\n[[cases]]\nname = "one"\ninputs = { a = 2, b = 3 }\n'
    with pytest.raises(InvalidProblem, match="duplicate case names: one"):
        parse_manifest(text, "p.toml")


def test_generators_are_deterministic_and_typed():
    first = expand({"normal": [16, 3], "seed": 7})
    again = expand({"normal": [16, 3], "seed": 7})
    other = expand({"normal": [16, 3], "seed": 8})
    assert first.shape == (16, 3) and first.dtype == np.float32
    assert np.array_equal(first, again) and not np.array_equal(first, other)
    uniform = expand({"uniform": [1000], "seed": 1, "low": -2.0, "high": -1.0})
    assert uniform.min() >= -2.0 and uniform.max() < -1.0
    ints = expand({"randint": [50], "seed": 3, "low": 0, "high": 4})
    assert ints.dtype == np.int32 and set(np.unique(ints)) <= {0, 1, 2, 3}


def test_literals_and_numbers():
    assert expand(3) == 3 and isinstance(expand(2.5), float)
    literal = expand([[1, 2], [3, 4]])
    assert literal.dtype == np.float32 and literal.shape == (2, 2)
    assert expand({"value": [1, 2], "dtype": "int32"}).dtype == np.int32
    with pytest.raises(InputError):
        expand([[1, 2], [3]])
    with pytest.raises(InputError):
        expand(True)


def test_seed_problem_meets_its_case_requirements(seed_problem):
    cases = seed_problem.cases
    visible = [c for c in cases if c.visible]
    assert len(visible) >= 3 and len(cases) - len(visible) >= 12
    worked = cases[0]
    assert worked.inputs["x"].tolist() == [[1.0], [2.0], [3.0], [4.0]]
    assert (worked.inputs["kernel_size"], worked.inputs["stride"]) == (3, 2)
    hidden = [c.inputs for c in cases if not c.visible]
    assert any(c["kernel_size"] == 1 for c in hidden)
    assert any(c["kernel_size"] < c["stride"] for c in hidden)
    assert any(c["kernel_size"] > c["stride"] for c in hidden)
    assert any(c["stride"] == 1 for c in hidden)
    assert any(c["x"].shape[0] == 1 for c in hidden)
    assert any(c["x"].shape[1] == 1 for c in hidden)
    assert any(c["features"] > c["x"].shape[1] for c in hidden)
    assert any(c["features"] == c["x"].shape[1] for c in hidden)
    assert any(c["x"].shape[0] >= 256 and c["x"].shape[1] >= 32 and c["features"] >= 32
               for c in hidden)
    kinds = {s.path.parent.name for s in seed_problem.solutions}
    assert kinds == {"correct", "wrong"}
    assert sum(s.path.parent.name == "correct" for s in seed_problem.solutions) >= 3
    assert sum(s.path.parent.name == "wrong" for s in seed_problem.solutions) >= 6


def test_solution_without_expect_header_is_rejected(tmp_path: Path):
    folder = tmp_path / "problems" / SEED_SLUG
    shutil.copytree(PROBLEMS / SEED_SLUG, folder)
    (folder / "solutions" / "wrong" / "bad.py").write_text("print('no header')\n")
    with pytest.raises(InvalidProblem, match=r"bad.py: first line must be '# expect: <verdict>'"):
        load_problem(folder, REFERENCE)


def test_missing_reference_is_reported_by_path(tmp_path: Path):
    folder = tmp_path / "problems" / SEED_SLUG
    shutil.copytree(PROBLEMS / SEED_SLUG, folder)
    with pytest.raises(InvalidProblem, match="flax_transposed_conv_1d.py: file is missing"):
        load_problem(folder, tmp_path / "reference")


# --- frameworks ---------------------------------------------------------------------------

ARRAY_SLUG = "conv-transpose2d"


def copy_problem(tmp_path: Path, slug: str) -> Path:
    folder = tmp_path / "problems" / slug
    shutil.copytree(PROBLEMS / slug, folder)
    return folder


def test_default_frameworks_follow_the_harness():
    assert parse_manifest(MINIMAL, "p.toml").accepted_frameworks == ("jax", "numpy", "pytorch")
    module = MINIMAL.replace('entry = "add"', 'entry = "add"\nharness = "flax_module"')
    assert parse_manifest(module, "p.toml").accepted_frameworks == ("jax",)
    listed = MINIMAL.replace('entry = "add"', 'entry = "add"\nframeworks = ["jax", "pytorch"]')
    assert parse_manifest(listed, "p.toml").accepted_frameworks == ("jax", "pytorch")


@pytest.mark.parametrize("frameworks", ['["jax", "jax"]', '["tensorflow"]', "[]"])
def test_invalid_frameworks_are_rejected_naming_the_field(frameworks):
    text = MINIMAL.replace('entry = "add"', f'entry = "add"\nframeworks = {frameworks}')
    with pytest.raises(InvalidProblem, match=r"^p.toml: frameworks"):
        parse_manifest(text, "p.toml")


def test_pack_problems_offer_their_frameworks_with_a_starter_each():
    problem = load_problem(PROBLEMS / ARRAY_SLUG, REFERENCE)
    assert problem.frameworks == ("jax", "numpy", "pytorch")
    assert "import torch" in problem.starter_for("pytorch")
    assert load_problem(PROBLEMS / SEED_SLUG, REFERENCE).frameworks == ("jax",)
    vjp = load_problem(PROBLEMS / "conv-transpose-vjp", REFERENCE)
    assert vjp.frameworks == ("jax", "pytorch") and vjp.manifest.grad
    assert sum(s.framework == "pytorch" for s in problem.solutions) >= 5


def test_a_default_framework_without_its_starter_is_not_offered(tmp_path: Path):
    folder = copy_problem(tmp_path, ARRAY_SLUG)
    (folder / "starter_numpy.py").unlink()
    problem = load_problem(folder, REFERENCE)
    assert problem.frameworks == ("jax", "pytorch")


def test_a_listed_framework_needs_its_starter(tmp_path: Path):
    folder = copy_problem(tmp_path, ARRAY_SLUG)
    toml = folder / "problem.toml"
    listed = 'harness = "harness.py"\nframeworks = ["jax", "numpy", "pytorch"]'
    toml.write_text(toml.read_text().replace('harness = "harness.py"', listed))
    (folder / "starter_numpy.py").unlink()
    with pytest.raises(InvalidProblem, match="starter_numpy.py: file is missing"):
        load_problem(folder, REFERENCE)


def test_a_solution_in_a_framework_the_problem_does_not_accept_is_rejected(tmp_path: Path):
    folder = copy_problem(tmp_path, SEED_SLUG)
    (folder / "solutions" / "correct" / "torch.py").write_text(
        "# expect: accepted\n# framework: pytorch\nimport torch\n")
    with pytest.raises(InvalidProblem, match=r"torch.py: written for pytorch, which this problem "
                                             r"does not accept \(jax\)"):
        load_problem(folder, REFERENCE)


def test_an_unknown_solution_framework_is_rejected(tmp_path: Path):
    folder = copy_problem(tmp_path, ARRAY_SLUG)
    (folder / "solutions" / "correct" / "tf.py").write_text(
        "# expect: accepted\n# framework: tensorflow\n")
    with pytest.raises(InvalidProblem, match=r"tf.py: framework 'tensorflow' is not one of"):
        load_problem(folder, REFERENCE)


def test_framework_settings_at_their_defaults_leave_the_fingerprint_alone(tmp_path: Path):
    # Expected outputs never depend on the learner's framework: caches stay valid.
    folder = copy_problem(tmp_path, ARRAY_SLUG)
    before = load_problem(folder, REFERENCE).fingerprint
    (folder / "starter_pytorch.py").write_text("import torch\n\n\ndef conv_transpose2d(x, w):\n    pass\n")
    assert load_problem(folder, REFERENCE).fingerprint == before
