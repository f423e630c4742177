"""Hints through the real engine and sandbox: known mistakes computed once per version,
nothing computed for accepted answers, streamed cases carry their final hints."""

from __future__ import annotations

import uuid

import pytest

from app.grading.engine import cache_key
from app.grading.verdicts import Verdict
from app.problems.manifest import load_problem
from tests.conftest import PROBLEMS, REFERENCE, ROOT, SEED_SLUG
from tests.tiny_problem import TINY_REFERENCE, write_tiny_problem

SUBTRACTS = ("# expect: wrong_answer\n# mistake: You subtracted b instead of adding it.\n"
             "# label: other\ndef add(a, b):\n    return a - b\n")
CRASHES = ("# expect: runtime_error\n# mistake: This one never returns.\n"
           "def add(a, b):\n    raise RuntimeError('no')\n")
SUBTRACTS_TOO = "import numpy as np\n\ndef add(a, b):\n    return np.negative(np.asarray(b) - a)\n"


@pytest.fixture
def tiny_with_mistakes(tmp_path):
    problems_dir, reference_dir = write_tiny_problem(tmp_path)
    wrong = problems_dir / "vector-add" / "solutions" / "wrong"
    wrong.mkdir(parents=True)
    (wrong / "subtracts.py").write_text(SUBTRACTS)
    (wrong / "crashes.py").write_text(CRASHES)
    # A unique title gives this test its own version, so its cache files start absent.
    manifest = problems_dir / "vector-add" / "problem.toml"
    manifest.write_text(manifest.read_text().replace("Vector add", f"Vector add {uuid.uuid4().hex}"))
    return load_problem(problems_dir / "vector-add", reference_dir)


def mistake_files(grader, problem):
    return sorted(grader.expected_dir.glob(f"{problem.slug}-{cache_key(problem)}-mistake-*.npz"))


def test_folder_mistakes_are_loaded_with_their_labels(tiny_with_mistakes):
    keys = {m.key: m for m in tiny_with_mistakes.mistakes}
    assert set(keys) == {"subtracts.py", "crashes.py"}
    assert keys["subtracts.py"].category == "other" and keys["crashes.py"].category == "other"


def test_accepted_answer_computes_nothing_for_hints(grader, tiny_with_mistakes):
    result = grader.grade(tiny_with_mistakes, TINY_REFERENCE)
    assert result.verdict is Verdict.ACCEPTED
    assert all(case.hint is None for case in result.cases)
    assert mistake_files(grader, tiny_with_mistakes) == []


def test_matching_a_known_mistake_names_it_and_caches_its_outputs(grader, tiny_with_mistakes):
    streamed = []
    result = grader.grade(tiny_with_mistakes, SUBTRACTS_TOO, on_case=streamed.append)
    assert result.verdict is Verdict.WRONG_ANSWER
    for case in result.cases:
        assert case.hint_category == "other"
        assert case.hint.endswith("You subtracted b instead of adding it.")
    # Cases held back while the mistakes ran are streamed afterwards, in order, with hints.
    assert [c.name for c in streamed] == ["example", "hidden-random"]
    assert all(c.hint for c in streamed)
    # Both mistakes ran once; the crashing one is cached as "matches nothing".
    files = mistake_files(grader, tiny_with_mistakes)
    assert len(files) == 2
    stamps = [f.stat().st_mtime_ns for f in files]
    grader.grade(tiny_with_mistakes, SUBTRACTS_TOO)
    assert [f.stat().st_mtime_ns for f in files] == stamps


def test_seed_corpus_submission_gets_the_hint_a_teacher_would_give(grader, seed_problem):
    # Declares the bias in setup(), before the kernel: a different text from the pack's
    # bias_before_kernel.py, the same misunderstanding (Flax draws in creation order).
    code = (ROOT / "bench" / "hint_corpus" / SEED_SLUG / "setup_bias_first.py").read_text()
    result = grader.grade(seed_problem, code, "run")
    assert result.verdict is Verdict.WRONG_ANSWER
    first = next(c for c in result.cases if c.verdict is Verdict.WRONG_ANSWER)
    assert first.hint_category == "init" and "creation order" in first.hint


def test_seed_valid_padding_length_is_explained_on_hidden_cases_without_numbers(grader, seed_problem):
    code = (PROBLEMS / SEED_SLUG / "solutions" / "wrong" / "valid_padding.py").read_text()
    problem = load_problem(PROBLEMS / SEED_SLUG, REFERENCE)
    result = grader.grade(problem, code, "submit")
    hidden = [c for c in result.cases if not c.visible and c.verdict is Verdict.WRONG_ANSWER]
    assert hidden and all(c.hint_category == "padding" for c in hidden)
    assert all(str(c.expected_shape[0]) not in c.hint for c in hidden)


def test_return_x_for_a_doubling_gets_no_guess_on_two_values_and_scale_where_it_shows(grader):
    bench = ROOT / "bench" / "hint_problems"
    problem = load_problem(bench / "problems" / "scale-by-two", bench / "reference")
    result = grader.grade(problem, "def scale(x):\n    return x\n", "submit")
    wrong = {c.name: c for c in result.cases if c.verdict is Verdict.WRONG_ANSWER}
    assert set(wrong) == {"two-values", "three-values", "hidden-random", "hidden-ramp"}
    assert wrong["two-values"].hint is None and wrong["three-values"].hint is None
    assert wrong["hidden-random"].hint_category == "scale"
    assert wrong["hidden-ramp"].hint_category == "scale"
