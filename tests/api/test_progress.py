"""``GET /api/submissions/progress``: the learner's own status per problem."""

from __future__ import annotations

from tests.api.conftest import auth
from tests.tiny_problem import TINY_REFERENCE

WRONG = "def add(a, b):\n    return a - b\n"


def grade(stack, token: str, code: str, mode: str) -> str:
    sent = stack.client.post("/api/submissions", headers=auth(token),
                             json={"problem": "vector-add", "code": code, "mode": mode})
    assert sent.status_code == 202, sent.text
    return stack.wait_done(sent.json()["id"], token)["verdict"]


def progress(stack, token: str) -> list[dict]:
    found = stack.client.get("/api/submissions/progress", headers=auth(token))
    assert found.status_code == 200, found.text
    return found.json()


def test_progress_goes_from_new_to_attempted_to_solved_per_learner(stack):
    stack.wait_problem()
    ada, bob = stack.token("ada"), stack.token("bob")
    assert progress(stack, ada) == []  # new: absent
    # Passing the examples (mode "run") is not solving the problem.
    assert grade(stack, ada, TINY_REFERENCE, "run") == "accepted"
    assert progress(stack, ada) == [{"problem": "vector-add", "status": "attempted"}]
    assert grade(stack, ada, WRONG, "submit") == "wrong_answer"
    assert progress(stack, ada) == [{"problem": "vector-add", "status": "attempted"}]
    assert grade(stack, ada, TINY_REFERENCE, "submit") == "accepted"
    assert progress(stack, ada) == [{"problem": "vector-add", "status": "solved"}]
    # A later wrong submission does not unsolve it, and bob's status is his own.
    assert grade(stack, ada, WRONG, "submit") == "wrong_answer"
    assert progress(stack, ada) == [{"problem": "vector-add", "status": "solved"}]
    assert progress(stack, bob) == []


def test_progress_needs_a_signed_in_user(stack):
    found = stack.client.get("/api/submissions/progress")
    assert found.status_code == 401 and found.json()["error"] == "unauthorized"
