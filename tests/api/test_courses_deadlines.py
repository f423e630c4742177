"""Deadlines end to end through real grading: on time, late accepted and marked, late
refused, not yet open, and the assignment recorded without being named."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.api.conftest import auth
from tests.api.course_seed import learner_token
from tests.tiny_problem import TINY_REFERENCE

NOW = datetime.now(UTC)
DAY = timedelta(days=1)


def assignment(stack, prof, title, opens, due, late):
    made = stack.client.post("/api/courses/ml/assignments", headers=auth(prof), json={
        "title": title, "problems": ["vector-add"], "opens_at": opens.isoformat(),
        "due_at": due.isoformat(), "late": late})
    assert made.status_code == 201, made.text
    return made.json()["id"]


def submit(stack, token, **extra):
    return stack.client.post("/api/submissions", headers=auth(token), json={
        "problem": "vector-add", "code": TINY_REFERENCE, **extra})


def test_deadlines_through_real_grading(stack):
    stack.wait_problem()
    prof = stack.instructor_token()
    code = stack.client.post("/api/courses", headers=auth(prof),
                             json={"slug": "ml", "title": "ML"}).json()["join_code"]
    ada = learner_token(stack.sessions, "ada")
    assert stack.client.post("/api/courses/ml/join", headers=auth(ada),
                             json={"code": code}).status_code == 200
    open_now = assignment(stack, prof, "Open", NOW - DAY, NOW + DAY, "refuse")
    late_ok = assignment(stack, prof, "Past, accept", NOW - 3 * DAY, NOW - DAY, "accept")
    late_no = assignment(stack, prof, "Past, refuse", NOW - 3 * DAY, NOW - DAY, "refuse")
    future = assignment(stack, prof, "Future", NOW + DAY, NOW + 2 * DAY, "accept")

    on_time = submit(stack, ada, assignment=open_now)
    late = submit(stack, ada, assignment=late_ok)
    assert on_time.status_code == 202 and late.status_code == 202
    refused = submit(stack, ada, assignment=late_no)
    assert refused.status_code == 409 and refused.json()["error"] == "conflict"
    assert "refuses late submissions" in refused.json()["detail"]
    early = submit(stack, ada, assignment=future)
    assert early.status_code == 409 and "opens at" in early.json()["detail"]

    graded_on_time = stack.wait_done(on_time.json()["id"], ada)
    graded_late = stack.wait_done(late.json()["id"], ada)
    assert graded_on_time["verdict"] == "accepted" and graded_on_time["late"] is False
    assert graded_on_time["assignment"] == open_now
    assert graded_late["verdict"] == "accepted" and graded_late["late"] is True
    assert graded_late["assignment"] == late_ok

    # Not naming an assignment records the open one, rather than a past-due one.
    implicit = submit(stack, ada, mode="run").json()["id"]
    listed = stack.client.get("/api/submissions", headers=auth(ada)).json()["items"]
    assert {i["id"]: (i["assignment"], i["late"]) for i in listed}[implicit] == (open_now, False)

    book = stack.client.get("/api/courses/ml/gradebook", headers=auth(prof)).json()
    cell = book["rows"][0]["cells"]["vector-add"]
    # The on-time acceptance is the best attempt; the late one only adds an attempt.
    assert cell["best_verdict"] == "accepted" and cell["late"] is False and cell["attempts"] == 2
    assert cell["best_submission"] == on_time.json()["id"]


def test_naming_a_foreign_or_unknown_assignment_is_refused(stack):
    prof = stack.instructor_token()
    stack.client.post("/api/courses", headers=auth(prof), json={"slug": "ml", "title": "ML"})
    made = assignment(stack, prof, "Open", NOW - DAY, NOW + DAY, "accept")
    stack.wait_problem()
    eve = learner_token(stack.sessions, "eve")
    foreign = submit(stack, eve, assignment=made)
    assert foreign.status_code == 403 and set(foreign.json()) == {"error", "detail"}
    assert submit(stack, eve, assignment=987654).status_code == 404
    assert submit(stack, eve, assignment=0).status_code == 422


def test_unnamed_submission_after_the_due_time_counts_late_where_accepted(stack):
    prof = stack.instructor_token()
    code = stack.client.post("/api/courses", headers=auth(prof),
                             json={"slug": "ml", "title": "ML"}).json()["join_code"]
    refused = assignment(stack, prof, "Past, refuse", NOW - 3 * DAY, NOW - 2 * DAY, "refuse")
    ada = learner_token(stack.sessions, "ada")
    stack.client.post("/api/courses/ml/join", headers=auth(ada), json={"code": code})
    stack.wait_problem()
    outside = submit(stack, ada, mode="run")
    assert outside.status_code == 202  # the problem stays open outside the course
    accepted = assignment(stack, prof, "Past, accept", NOW - 3 * DAY, NOW - DAY, "accept")
    late = submit(stack, ada, mode="run")
    listed = {i["id"]: (i["assignment"], i["late"]) for i in
              stack.client.get("/api/submissions", headers=auth(ada)).json()["items"]}
    assert listed[outside.json()["id"]] == (None, False)
    assert listed[late.json()["id"]] == (accepted, True) and accepted != refused
