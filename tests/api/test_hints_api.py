"""Hints over HTTP: the ``hint`` field on wrong cases, and instructors' known mistakes."""

from __future__ import annotations

import re
import uuid

from fastapi.testclient import TestClient
from sqlalchemy import select

from app.jobs.worker import Worker
from app.main import create_app
from app.models import ProblemRow, ProblemVersion
from app.problems.service import known_mistakes
from app.problems.versions import problem_from_version
from tests.api.conftest import Stack, auth, make_stack

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



def _published(sessions, slug: str, code: str):
    """The problem's current version as the worker loads it, and the mistake with ``code``."""
    with sessions() as session:
        row = session.scalars(select(ProblemRow).where(ProblemRow.slug == slug)).one()
        mistake = next(m for m in known_mistakes(session, row.id) if m.code == code)
        version = session.get(ProblemVersion, row.current_version_id)
        return problem_from_version(slug, version), mistake


def test_an_idle_worker_runs_known_mistakes_before_any_wrong_answer(db_url, tiny_dirs, grader,
                                                                    monkeypatch):
    monkeypatch.setattr("app.jobs.worker.HINT_IDLE_S", 0.0)  # idle at once
    settings, sessions, engine, _, _, _ = make_stack(db_url, tiny_dirs, grader, with_worker=False)
    worker = Worker(settings, sessions, grader=grader)  # driven by hand: no thread races it
    try:
        worker.start()
        while worker.run_once():  # validate and publish the problem
            pass
        code = f"# {uuid.uuid4().hex}\n{SUBTRACTS}"  # never computed before, on any run
        with TestClient(create_app(settings)) as client:
            stack = Stack(client, settings, sessions, worker)
            stack.wait_problem()
            added = client.post("/api/problems/vector-add/mistakes",
                                headers=auth(stack.instructor_token()),
                                json={"code": code, "explanation": "subtracted"})
            assert added.status_code == 201, added.text
        problem, mistake = _published(sessions, "vector-add", code)
        assert grader.cached_mistake_outputs(problem, mistake) is None

        ran = 0
        while worker.warm_hints_once():
            ran += 1
        assert ran >= 1
        outputs = grader.cached_mistake_outputs(problem, mistake)
        assert outputs is not None and set(outputs) == {c.name for c in problem.cases}
        assert worker.warm_hints_once() is False  # nothing left: it rests until the rescan
    finally:
        engine.dispose()
