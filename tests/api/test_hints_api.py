"""Hints over HTTP: the ``hint`` field on wrong cases, and instructors' known mistakes."""

from __future__ import annotations

import re

from tests.api.conftest import auth

SUBTRACTS = "def add(a, b):\n    return a - b\n"
# The same misunderstanding written differently: the hint must still name it.
SUBTRACTS_TOO = "import numpy as np\n\ndef add(a, b):\n    return -(np.asarray(b) - a)\n"
OFF_BY_HALF = "def add(a, b):\n    return a + b + 0.5\n"


def submit(stack, token, code):
    created = stack.client.post("/api/submissions", headers=auth(token),
                                json={"problem": "vector-add", "code": code, "mode": "submit"})
    assert created.status_code == 202, created.text
    return stack.wait_done(created.json()["id"], token)


def test_wrong_cases_carry_a_hint_and_hidden_ones_no_values(stack):
    stack.wait_problem()
    token = stack.token("ada")
    result = submit(stack, token, OFF_BY_HALF)
    example, hidden = result["cases"]
    assert example["hint_category"] == hidden["hint_category"] == "bias"
    assert "about 0.5" in example["hint"]
    assert not re.search(r"\d", hidden["hint"])  # no value of a hidden case


def test_instructor_adds_lists_and_deletes_a_known_mistake_that_hints_name(stack):
    stack.wait_problem()
    prof, token = stack.instructor_token(), stack.token("ada")
    url = "/api/problems/vector-add/mistakes"
    added = stack.client.post(url, headers=auth(prof), json={
        "code": SUBTRACTS, "explanation": "You subtracted b instead of adding it.",
        "category": "other"})
    assert added.status_code == 201, added.text
    mistake = added.json()
    assert mistake["origin"] == "instructor" and mistake["key"] == f"api-{mistake['id']}"
    assert [m["id"] for m in stack.client.get(url, headers=auth(prof)).json()] == [mistake["id"]]

    result = submit(stack, token, SUBTRACTS_TOO)
    assert result["verdict"] == "wrong_answer"
    for case in result["cases"]:
        assert case["hint_category"] == "other"
        assert case["hint"].endswith("You subtracted b instead of adding it.")

    assert stack.client.delete(f"{url}/{mistake['id']}", headers=auth(prof)).status_code == 204
    assert stack.client.get(url, headers=auth(prof)).json() == []
    again = submit(stack, token, SUBTRACTS_TOO)
    assert all(case["hint_category"] != "other" for case in again["cases"])


def test_mistake_endpoints_reject_learners_bad_input_and_unknown_problems(stack):
    stack.wait_problem()
    prof, token = stack.instructor_token(), stack.token("ada")
    url = "/api/problems/vector-add/mistakes"
    body = {"code": SUBTRACTS, "explanation": "subtracted"}
    for response in (stack.client.post(url, headers=auth(token), json=body),
                     stack.client.get(url, headers=auth(token)),
                     stack.client.delete(f"{url}/1", headers=auth(token))):
        assert response.status_code == 403 and response.json()["error"] == "forbidden"
    bad_category = stack.client.post(url, headers=auth(prof), json={**body, "category": "vibes"})
    assert bad_category.status_code == 422 and "padding" in bad_category.json()["detail"]
    empty = stack.client.post(url, headers=auth(prof), json={"code": "", "explanation": "x"})
    assert empty.status_code == 422 and empty.json()["error"] == "validation_error"
    missing = stack.client.post("/api/problems/nope/mistakes", headers=auth(prof), json=body)
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    gone = stack.client.delete(f"{url}/999", headers=auth(prof))
    assert gone.status_code == 404 and set(gone.json()) == {"error", "detail"}
