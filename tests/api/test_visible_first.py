"""A Submit answers with its visible cases first: they are stored, announced and on the
SSE stream before the hidden cases' sandboxed process even starts.

The sandbox's ``run`` is observed (it still runs): when the hidden group's run begins,
the database already holds the visible case.  No timing is involved.
"""

from __future__ import annotations

import json

from sqlalchemy import select

from app.jobs import repository as jobs
from app.models import CaseResultRow, JobKind, Mode, Submission, User
from app.problems.repository import get_problem, latest_version
from tests.api.conftest import auth, make_stack
from tests.tiny_problem import TINY_REFERENCE

SCALE = {
    "slug": "scale-vector", "title": "Scale a vector", "difficulty": "easy",
    "statement": "Return $2x$.", "starter_code": "def scale(x):\n    raise NotImplementedError\n",
    "solution_code": "def scale(x):\n    return 2 * x\n", "entry": "scale",
    "cases": [{"name": f"example-{i}", "visible": True, "inputs": {"x": [1.0, float(i)]}}
              for i in range(3)] + [{"name": "hidden", "inputs": {"x": {"normal": [8], "seed": 3}}}],
    "tolerance": {"rtol": 1e-5, "atol": 1e-6}}


def _observe_hidden_runs(stack, monkeypatch, hidden: tuple[str, ...] = ("hidden-random",)
                         ) -> list[list[tuple[int, str, str]]]:
    """Case rows stored (all submissions) at the moment each hidden-group run starts."""
    assert stack.worker is not None and stack.worker.grader is not None
    sandbox = stack.worker.grader.sandbox
    real_run = sandbox.run
    seen: list[list[tuple[int, str, str]]] = []

    def observed_run(request, limits, on_case=None):
        if tuple(case.name for case in request.cases) == hidden:
            with stack.sessions() as session:
                rows = session.scalars(select(CaseResultRow).order_by(CaseResultRow.idx)).all()
                seen.append([(row.idx, row.name, row.verdict) for row in rows])
        return real_run(request, limits, on_case)

    monkeypatch.setattr(sandbox, "run", observed_run)
    return seen


def _events(stack, submission_id: int, token: str) -> list[tuple[str, dict]]:
    with stack.client.stream("GET", f"/api/submissions/{submission_id}/events",
                             headers=auth(token)) as response:
        body = "".join(response.iter_text())
    events = []
    for block in body.strip().split("\n\n"):
        if block.startswith(":"):
            continue
        kind, data = block.split("\n", 1)
        events.append((kind.removeprefix("event: "), json.loads(data.removeprefix("data: "))))
    return events


def test_visible_case_is_stored_before_the_hidden_group_runs(stack, monkeypatch):
    stack.wait_problem()  # validated: the reference's runs are over
    seen = _observe_hidden_runs(stack, monkeypatch)
    token = stack.token("ada")
    sent = stack.client.post("/api/submissions", headers=auth(token),
                             json={"problem": "vector-add", "code": TINY_REFERENCE})
    submission_id = sent.json()["id"]
    events = _events(stack, submission_id, token)
    assert seen == [[(0, "example", "accepted")]]
    assert [(kind, data.get("index"), data.get("name")) for kind, data in events] == [
        ("case", 0, "example"), ("case", 1, "hidden-random"), ("done", None, None)]
    assert events[-1][1]["verdict"] == "accepted"


def test_a_hidden_failure_comes_after_the_visible_success(stack, monkeypatch):
    stack.wait_problem()
    seen = _observe_hidden_runs(stack, monkeypatch)
    token = stack.token("ada")
    code = ("import numpy as np\n\ndef add(a, b):\n    if len(a) > 3:\n"
            "        raise ValueError('too long')\n    return np.asarray(a) + np.asarray(b)\n")
    sent = stack.client.post("/api/submissions", headers=auth(token),
                             json={"problem": "vector-add", "code": code})
    events = _events(stack, sent.json()["id"], token)
    assert seen == [[(0, "example", "accepted")]]
    assert [(kind, data.get("verdict")) for kind, data in events] == [
        ("case", "accepted"), ("case", "runtime_error"), ("done", "runtime_error")]


def test_visible_cases_that_finish_together_are_all_shown_before_hidden_runs(stack, monkeypatch):
    """Three visible cases end within moments of each other: all three are stored at
    once when their process ends, not held back by the write interval."""
    prof = stack.instructor_token()
    added = stack.client.post("/api/problems", headers=auth(prof), json=SCALE)
    assert added.status_code == 201, added.text
    stack.wait_problem("scale-vector")
    seen = _observe_hidden_runs(stack, monkeypatch, hidden=("hidden",))
    token = stack.token("ada")
    sent = stack.client.post("/api/submissions", headers=auth(token),
                             json={"problem": "scale-vector", "code": "def scale(x):\n    return x + x\n"})
    events = _events(stack, sent.json()["id"], token)
    assert seen == [[(i, f"example-{i}", "accepted") for i in range(3)]]
    assert [(kind, data.get("name")) for kind, data in events] == [
        ("case", "example-0"), ("case", "example-1"), ("case", "example-2"), ("case", "hidden"),
        ("done", None)]


def test_a_run_is_claimed_before_submits_queued_earlier(db_url, tiny_dirs):
    settings, sessions, engine, _, _, _ = make_stack(db_url, tiny_dirs, None, with_worker=False)
    try:
        with sessions() as session:
            user = User(username="ada")
            session.add(user)
            session.flush()
            version = latest_version(session, get_problem(session, "vector-add").id)
            ids = {}
            for mode in (Mode.SUBMIT, Mode.SUBMIT, Mode.RUN, Mode.SUBMIT):
                submission = Submission(user_id=user.id, problem_version_id=version.id, mode=mode,
                                        code=TINY_REFERENCE)
                session.add(submission)
                session.flush()
                jobs.enqueue_grade(session, submission.id, mode)
                ids.setdefault(mode, []).append(submission.id)
            session.commit()
        with sessions() as session:
            claims = [jobs.claim(session, "w", 30) for _ in range(4)]
        claimed = [c.submission_id for c in claims if c is not None and c.kind is JobKind.GRADE]
        assert claimed == ids[Mode.RUN] + ids[Mode.SUBMIT]  # then the submits, oldest first
    finally:
        engine.dispose()
