"""Hints over HTTP: the ``hint`` field on wrong cases, and instructors' known mistakes."""

from __future__ import annotations

import json
import re
import threading
import time
import uuid

from fastapi.testclient import TestClient
from sqlalchemy import select

from app.jobs import warming
from app.jobs.worker import Worker
from app.main import create_app
from app.models import Job
from tests.api.conftest import Stack, auth, make_stack, published_mistake

SUBTRACTS = "def add(a, b):\n    return a - b\n"
# The same misunderstanding written differently: the hint must still name it.
SUBTRACTS_TOO = "import numpy as np\n\ndef add(a, b):\n    return -(np.asarray(b) - a)\n"
OFF_BY_HALF = "def add(a, b):\n    return a + b + 0.5\n"


def submit(stack, token, code):
    created = stack.client.post("/api/submissions", headers=auth(token),
                                json={"problem": "vector-add", "code": code, "mode": "submit"})
    assert created.status_code == 202, created.text
    return stack.wait_done(created.json()["id"], token, hints=True)


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



def _jobs(sessions) -> list[tuple[str, str, int]]:
    with sessions() as session:
        return [(j.kind.value, j.status.value, j.priority) for j in
                session.scalars(select(Job).order_by(Job.id))]


def test_the_verdict_comes_first_and_its_hint_follows_once_the_mistake_is_warm(
        db_url, tiny_dirs, grader):
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
                                json={"code": code, "explanation": "You subtracted."})
            assert added.status_code == 201, added.text
            problem, mistake = published_mistake(sessions, "vector-add", code)
            assert _jobs(sessions)[-1] == ("warm", "queued", 4)  # one piece, enqueued once
            assert warming.enqueue_published(sessions) == 0  # another worker's start adds none

            token = stack.token("ada")
            sid = client.post("/api/submissions", headers=auth(token),
                              json={"problem": "vector-add", "code": SUBTRACTS_TOO}).json()["id"]
            assert worker.run_once()  # the learner's job, although the piece is older
            first = stack.wait_done(sid, token, timeout=1)
            assert first["verdict"] == "wrong_answer" and first["hints_pending"] is True
            assert grader.cached_mistake_outputs(problem, mistake) is None
            assert not any((c["hint"] or "").endswith("You subtracted.") for c in first["cases"])

            seen: dict = {}

            def follow_up() -> None:  # the worker's next claims, while the stream is open
                worker.run_once()  # the hints job: hurries the piece, waits for it
                seen["queue"] = _jobs(sessions)[-2:]
                worker.run_once()  # the piece
                seen["warm"] = grader.cached_mistake_outputs(problem, mistake) is not None
                deadline = time.monotonic() + 30
                while not worker.run_once() and time.monotonic() < deadline:
                    time.sleep(0.1)  # the hints job again, once its wait is over

            thread = threading.Thread(target=follow_up)
            thread.start()
            with client.stream("GET", f"/api/submissions/{sid}/events", headers=auth(token)) as r:
                blocks = [block for block in "".join(r.iter_text()).strip().split("\n\n")
                          if not block.startswith(":")]  # the ": waiting" comment
            thread.join()
            assert seen == {"queue": [("warm", "queued", 1), ("hints", "queued", 2)], "warm": True}
            kinds = [block.split("\n")[0].removeprefix("event: ") for block in blocks]
            assert kinds == ["case", "case", "done", "hints"], kinds
            assert json.loads(blocks[2].split("data: ", 1)[1])["hints_pending"] is True
            streamed = json.loads(blocks[3].split("data: ", 1)[1])["cases"]
            assert all(c["hint"].endswith("You subtracted.") for c in streamed)
            final = stack.wait_done(sid, token, timeout=1, hints=True)
        assert final["verdict"] == first["verdict"]
        assert [c["verdict"] for c in final["cases"]] == [c["verdict"] for c in first["cases"]]
        assert all(c["hint"].endswith("You subtracted.") for c in final["cases"])
        assert [kind for kind, status, _ in _jobs(sessions) if status != "done"] == []
        assert sum(kind == "warm" for kind, _, _ in _jobs(sessions)) == 1
    finally:
        engine.dispose()
