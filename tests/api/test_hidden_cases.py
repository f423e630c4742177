"""A hidden case shows its verdict and nothing the learner can steer (API and SSE).

Each probe is a submission that tries to carry a hidden input or expected value out
through one channel: the exception's type name, exact error figures, the output's
length, the exit code, printed output, time, hint text.  On both databases.
"""

from __future__ import annotations

import json
import textwrap

import numpy as np
import pytest

from app.problems.manifest import load_problem
from tests.api.conftest import auth

PROBES = {
    # 1. the type name (the conv-transpose1d probe, on vector-add)
    "type_name": """
        def add(a, b):
            if len(a) > 3:
                raise type("LEAK" + f"{a.shape}{a.ravel()[:4]}", (Exception,), {})()
            return a + b
        """,
    # a class registered as a built-in by the learner: the grader must not believe it
    "fake_builtin": """
        import builtins
        def add(a, b):
            if len(a) > 3:
                name = "LEAK" + str(int(abs(a[0]) * 1e6))
                cls = type(name, (Exception,), {"__module__": "builtins"})
                setattr(builtins, name, cls)
                raise cls()
            return a + b
        """,
    "subclass_of_builtin": """
        def add(a, b):
            if len(a) > 3:
                raise type("LEAK" + str(a[0]), (KeyError,), {})()
            return a + b
        """,
    # 2. the error-figure inversion, twice: the views must not differ
    "out0_1000": """
        import numpy as np
        def add(a, b):
            out = np.zeros_like(a + b)
            if len(a) > 3:
                out[0] = 1000.0
            return out
        """,
    "out0_1001": """
        import numpy as np
        def add(a, b):
            out = np.zeros_like(a + b)
            if len(a) > 3:
                out[0] = 1001.0
            return out
        """,
    # the output's length and shape carry a hidden value
    "length": """
        import numpy as np
        def add(a, b):
            if len(a) > 3:
                return np.zeros((int(abs(a[0]) * 1000) % 50 + 1, 7))
            return a + b
        """,
    # the exit code carries a hidden value
    "exit_code": """
        import os
        def add(a, b):
            if len(a) > 3:
                os._exit(int(abs(a[0]) * 100) % 200 + 1)
            return a + b
        """,
    "stdout": """
        def add(a, b):
            if len(a) > 3:
                print("LEAK", a.tolist())
                raise ValueError("LEAK " + str(a.tolist()))
            return a + b
        """,
    # hints: a ratio or an offset would be a number from the case
    "scaled": """
        def add(a, b):
            return (a + b) * (2.5 if len(a) > 3 else 1.0)
        """,
    "offset": """
        def add(a, b):
            return a + b + (0.75 if len(a) > 3 else 0.0)
        """,
}

FIGURES = ("max_abs_error", "max_rel_error", "mismatches", "first_mismatch", "expected_shape",
           "actual_shape", "time_ms", "line", "column", "plot")


def _hidden_values(tiny_dirs) -> list[float]:
    problems_dir, reference_dir = tiny_dirs
    problem = load_problem(problems_dir / "vector-add", reference_dir)
    case = next(c for c in problem.cases if not c.visible)
    a, b = np.asarray(case.inputs["a"]), np.asarray(case.inputs["b"])
    return [float(v) for v in (*a[:8], *b[:8], *(a + b)[:8])]


def _spellings(value: float) -> set[str]:
    """How a value could appear in text: repr, a few roundings, and the digits alone."""
    forms = {repr(value), f"{value:.6g}", f"{value:.4g}", f"{value:.3f}", str(np.float32(value))}
    forms |= {f"{abs(value):.6g}".replace("0.", "").lstrip("0")[:5]}
    return {form for form in forms if len(form.strip("-.0")) >= 3}


def _events(stack, submission_id, token) -> list[dict]:
    with stack.client.stream("GET", f"/api/submissions/{submission_id}/events",
                             headers=auth(token)) as response:
        body = "".join(response.iter_text())
    cases = []
    for block in body.strip().split("\n\n"):
        lines = block.split("\n")
        if lines[0] == "event: case":
            cases.append(json.loads(lines[1].removeprefix("data: ")))
    return cases


def _assert_nothing_steerable(case: dict, secrets: list[float]) -> None:
    assert case["visible"] is False
    for field in FIGURES:
        assert case.get(field) is None, (field, case)
    assert case["stdout"] == ""
    text = json.dumps(case)
    assert "LEAK" not in text, case
    assert not any(ch.isdigit() for ch in case["message"]), case
    for value in secrets:
        for form in _spellings(value):
            assert form not in text, (form, case)


def test_hidden_cases_reveal_only_the_verdict(stack, tiny_dirs):
    stack.wait_problem()
    token = stack.token("prober")
    ids = {}
    for name, code in PROBES.items():
        sent = stack.client.post("/api/submissions", headers=auth(token), json={
            "problem": "vector-add", "mode": "submit", "code": textwrap.dedent(code)})
        assert sent.status_code == 202, sent.text
        ids[name] = sent.json()["id"]
    secrets = _hidden_values(tiny_dirs)
    hidden = {}
    for name, submission_id in ids.items():
        body = stack.wait_done(submission_id, token)
        streamed = _events(stack, submission_id, token)
        polled = [c for c in body["cases"] if not c["visible"]]
        assert len(polled) == 1
        assert [c for c in streamed if not c["visible"]] == [{"index": 1, **polled[0]}]
        _assert_nothing_steerable(polled[0], secrets)
        hidden[name] = polled[0]
        assert body["cases"][0]["visible"] and body["cases"][0]["verdict"] in (
            "accepted", "wrong_answer"), (name, body["cases"][0])

    assert hidden["type_name"]["verdict"] == "runtime_error"
    assert "raised Exception " in hidden["type_name"]["message"]
    assert "raised an exception" in hidden["fake_builtin"]["message"]
    assert "raised KeyError" in hidden["subclass_of_builtin"]["message"]
    assert "raised ValueError" in hidden["stdout"]["message"]
    # Moving the probe by 1 changes nothing a learner sees: nothing to invert.
    assert hidden["out0_1000"]["verdict"] == "wrong_answer"
    assert hidden["out0_1000"] == hidden["out0_1001"]
    assert hidden["length"]["verdict"] == "wrong_answer"
    assert "number of values" in hidden["length"]["message"]
    assert hidden["exit_code"]["verdict"] == "runtime_error"
    assert hidden["scaled"]["hint_category"] == "scale"
    assert hidden["offset"]["hint_category"] == "bias"
    for name in ("scaled", "offset"):
        assert not any(ch.isdigit() for ch in hidden[name]["hint"]), hidden[name]


@pytest.mark.parametrize("code", [PROBES["out0_1000"]])
def test_visible_cases_keep_their_figures(stack, code):
    stack.wait_problem()
    token = stack.token("visible-user")
    sent = stack.client.post("/api/submissions", headers=auth(token), json={
        "problem": "vector-add", "mode": "submit", "code": textwrap.dedent(code)})
    example = stack.wait_done(sent.json()["id"], token)["cases"][0]
    assert example["visible"] and example["verdict"] == "wrong_answer"
    assert example["max_abs_error"] == pytest.approx(33.0)
    assert example["mismatches"] == 3 and example["expected_shape"] == [3]
    assert example["plot"]["expected"] == [11.0, 22.0, 33.0]
