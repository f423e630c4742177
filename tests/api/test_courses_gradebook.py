"""Gradebook (JSON and CSV) and problem statistics for a seeded class of 24 learners,
checked against numbers worked out by hand below.  SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from app.courses.repository import best_key, count_attempt
from app.models import (
    Assignment,
    GradebookCell,
    Mode,
    ProblemRow,
    ProblemVersion,
    Submission,
    SubmissionStatus,
)
from tests.api.conftest import auth
from tests.api.course_seed import add_attempt, add_mistake, add_problem, learner_token, user_id

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
LEARNERS = [f"learner{i:02d}" for i in range(24)]
PAD = {"hint_category": "padding", "mistake": "pad-left"}
STRIDE = {"hint_category": "stride"}


def cases(example: str, hidden1: str, hidden2: str, h1: dict | None = None,
          h2: dict | None = None) -> list[tuple[str, bool, str, dict]]:
    return [("example", True, example, {}), ("hidden-1", False, hidden1, h1 or {}),
            ("hidden-2", False, hidden2, h2 or {})]


ACCEPTED = cases("accepted", "accepted", "accepted")
WA_PADDING = cases("accepted", "wrong_answer", "accepted", h1=PAD)  # passed 2/3
WA_STRIDE = cases("accepted", "accepted", "wrong_answer", h2=STRIDE)  # passed 2/3
WA_BOTH = cases("wrong_answer", "wrong_answer", "accepted", h1=PAD)  # passed 1/3
RUNTIME = cases("runtime_error", "runtime_error", "runtime_error")  # passed 0/3


def seed(stack) -> dict:
    """The class, by hand:

    learner00-09 (10): on "conv": WA_PADDING at T0, WA_STRIDE at T0+5 min, ACCEPTED at
      T0+10 min -> 3 attempts to accept, 600 s to accept.
    learner10-15 (6): ACCEPTED at T0 -> 1 attempt, 0 s.
    learner16-19 (4): RUNTIME at T0, WA_BOTH at T0+1 min -> never solved; best WA 1/3.
    learner20-23 (4): nothing.
    Not counted: a "run" by learner20, an internal_error by learner21, an accepted
    attempt by the TA, an attempt of learner20 recorded for no assignment.
    On "pool" (second assignment, due T0+1 day, late "accept"): learner00 accepted late
    at T0+2 days, learner01 wrong on time.
    """
    s = stack
    with s.sessions() as session:
        conv = add_problem(session, "conv")
        pool = add_problem(session, "pool")
        add_mistake(session, "conv", "pad-left", "Pads only on the left.", "padding")
    prof = s.instructor_token()
    s.client.post("/api/courses", headers=auth(prof), json={"slug": "dl", "title": "DL"})
    code = s.client.get("/api/courses/dl", headers=auth(prof)).json()["join_code"]
    ids = {}
    for title, slug, due in (("One", "conv", T0 + timedelta(days=30)),
                             ("Two", "pool", T0 + timedelta(days=1))):
        made = s.client.post("/api/courses/dl/assignments", headers=auth(prof), json={
            "title": title, "problems": [slug], "opens_at": (T0 - timedelta(days=1)).isoformat(),
            "due_at": due.isoformat(), "late": "accept"})
        ids[slug] = made.json()["id"]
    for name in [*LEARNERS, "tutor"]:
        s.client.post("/api/courses/dl/join", headers=auth(learner_token(s.sessions, name)),
                      json={"code": code})
    s.client.post("/api/courses/dl/members", headers=auth(prof), json={"username": "tutor", "role": "ta"})
    minute = timedelta(minutes=1)
    with s.sessions() as session:
        uid = {name: user_id(session, name) for name in [*LEARNERS, "tutor"]}
        a = ids["conv"]
        for name in LEARNERS[:10]:
            add_attempt(session, uid[name], conv, a, "wrong_answer", T0, WA_PADDING)
            add_attempt(session, uid[name], conv, a, "wrong_answer", T0 + 5 * minute, WA_STRIDE)
            add_attempt(session, uid[name], conv, a, "accepted", T0 + 10 * minute, ACCEPTED)
        for name in LEARNERS[10:16]:
            add_attempt(session, uid[name], conv, a, "accepted", T0, ACCEPTED)
        for name in LEARNERS[16:20]:
            add_attempt(session, uid[name], conv, a, "runtime_error", T0, RUNTIME)
            add_attempt(session, uid[name], conv, a, "wrong_answer", T0 + minute, WA_BOTH)
        add_attempt(session, uid["learner20"], conv, a, "accepted", T0, ACCEPTED, mode=Mode.RUN)
        add_attempt(session, uid["learner21"], conv, a, "internal_error", T0, RUNTIME)
        add_attempt(session, uid["tutor"], conv, a, "accepted", T0, ACCEPTED)
        add_attempt(session, uid["learner20"], conv, None, "accepted", T0, ACCEPTED)
        add_attempt(session, uid["learner00"], pool, ids["pool"], "accepted",
                    T0 + timedelta(days=2), ACCEPTED, late=True)
        add_attempt(session, uid["learner01"], pool, ids["pool"], "wrong_answer", T0, WA_STRIDE)
    return {"prof": prof, "tutor": learner_token(s.sessions, "tutor")}


def test_problem_stats_match_hand_computed_values(bare_stack):
    tokens = seed(bare_stack)
    got = bare_stack.client.get("/api/courses/dl/problems/conv/stats", headers=auth(tokens["tutor"]))
    assert got.status_code == 200, got.text
    stats = got.json()
    assert stats["learners"] == 24
    assert stats["attempted"] == 20 and stats["solved"] == 16
    assert stats["acceptance_rate"] == 0.8
    # 10 x 3 + 6 x 1 + 4 x 2 counted attempts.
    assert stats["submissions"] == 44
    assert stats["verdicts"] == {"wrong_answer": 24, "accepted": 16, "runtime_error": 4}
    assert abs(stats["submission_acceptance_rate"] - 16 / 44) < 1e-12
    # Six 1s then ten 3s: the 8th and 9th values are both 3.
    assert stats["median_attempts_to_accept"] == 3.0
    # Six 0 s then ten 600 s.
    assert stats["median_seconds_to_accept"] == 600.0
    # Padding: 10 WA_PADDING + 4 WA_BOTH submissions; stride: 10 WA_STRIDE.
    assert stats["hint_categories"] == {"padding": 14, "stride": 10}
    [mistake] = stats["known_mistakes"]
    assert mistake["title"] == "Pads only on the left." and mistake["count"] == 14
    example = bare_stack.client.get(f"/api/courses/dl/submissions/{mistake['example']}",
                                    headers=auth(tokens["tutor"])).json()
    assert any(c.get("hint_category") == "padding" for c in example["cases"])
    # hidden-1 fails in 10 WA_PADDING + 4 WA_BOTH + 4 RUNTIME; hidden-2 in 10 WA_STRIDE + 4 RUNTIME.
    assert stats["failing_hidden_cases"] == [{"name": "hidden-1", "failed": 18},
                                             {"name": "hidden-2", "failed": 14}]


def test_gradebook_json_cells_and_totals(bare_stack):
    tokens = seed(bare_stack)
    book = bare_stack.client.get("/api/courses/dl/gradebook", headers=auth(tokens["prof"])).json()
    assert book["problems"] == ["conv", "pool"]  # creation order, though pool is due first
    assert [r["username"] for r in book["rows"]] == LEARNERS  # tutor is staff, not a row
    rows = {r["username"]: r for r in book["rows"]}
    first = rows["learner00"]
    conv = first["cells"]["conv"]
    assert (conv["best_verdict"], conv["passed"], conv["total"], conv["attempts"], conv["late"]) == (
        "accepted", 3, 3, 3, False)
    assert conv["first_accepted_at"] == "2026-11-02T09:10:00Z"
    pool = first["cells"]["pool"]
    assert pool["best_verdict"] == "accepted" and pool["late"] is True
    assert (first["solved"], first["late"], first["attempts"]) == (2, 1, 4)
    weak = rows["learner16"]["cells"]["conv"]
    assert (weak["best_verdict"], weak["passed"], weak["total"], weak["attempts"]) == (
        "wrong_answer", 1, 3, 2)
    assert weak["first_accepted_at"] is None
    assert rows["learner20"]["cells"] == {} and rows["learner21"]["cells"] == {}
    assert rows["learner01"]["cells"]["pool"]["best_verdict"] == "wrong_answer"


def test_gradebook_csv_by_query_and_by_accept_header(bare_stack):
    tokens = seed(bare_stack)
    by_query = bare_stack.client.get("/api/courses/dl/gradebook?format=csv", headers=auth(tokens["prof"]))
    by_header = bare_stack.client.get("/api/courses/dl/gradebook",
                                      headers={**auth(tokens["prof"]), "Accept": "text/csv"})
    for answer in (by_query, by_header):
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    assert by_query.text == by_header.text
    table = list(csv.reader(io.StringIO(by_query.text)))
    assert table[0] == ["username", "conv", "pool", "solved", "late", "attempts",
                        "conv:passed", "conv:total", "conv:attempts", "conv:first_accepted_at",
                        "conv:late", "pool:passed", "pool:total", "pool:attempts",
                        "pool:first_accepted_at", "pool:late"]
    assert len(table) == 1 + 24
    assert table[1] == ["learner00", "accepted", "accepted", "2", "1", "4",
                        "3", "3", "3", "2026-11-02T09:10:00+00:00", "",
                        "3", "3", "1", "2026-11-04T09:00:00+00:00", "yes"]
    assert table[17] == ["learner16", "wrong_answer", "", "0", "0", "2",
                         "1", "3", "2", "", "", "", "", "0", "", ""]
    assert table[21][:6] == ["learner20", "", "", "0", "0", "0"]
    learner = learner_token(bare_stack.sessions, "learner05")
    refused = bare_stack.client.get("/api/courses/dl/gradebook?format=csv", headers=auth(learner))
    assert refused.status_code == 403 and refused.json()["error"] == "forbidden"


def test_stats_for_a_problem_outside_the_course_is_404(bare_stack):
    tokens = seed(bare_stack)
    missing = bare_stack.client.get("/api/courses/dl/problems/nope/stats", headers=auth(tokens["prof"]))
    assert missing.status_code == 404 and set(missing.json()) == {"error", "detail"}


def test_two_attempts_on_one_cell_keep_the_best_and_count_both(bare_stack):
    """Cells are folded attempt by attempt as they are graded; the order they are graded
    in must not change the best attempt, the count or the first acceptance."""
    tokens = seed(bare_stack)
    with bare_stack.sessions() as session:
        pool = session.query(ProblemVersion).join(ProblemRow, ProblemRow.id == ProblemVersion.problem_id
                                                  ).filter(ProblemRow.slug == "pool").one().id
        assignment = session.query(Assignment).filter_by(title="Two").one().id
        uid = {name: user_id(session, name) for name in ("learner22", "learner23")}
        # Better second: 1/3, then 2/3.
        add_attempt(session, uid["learner22"], pool, assignment, "wrong_answer", T0, WA_BOTH)
        better = add_attempt(session, uid["learner22"], pool, assignment, "wrong_answer",
                             T0 + timedelta(minutes=1), WA_PADDING)
        # Better first: both accepted on time, the earlier-graded one has the smaller id
        # (the tie-break) though it was created later; the first acceptance is the earlier.
        kept = add_attempt(session, uid["learner23"], pool, assignment, "accepted",
                           T0 + timedelta(minutes=5), ACCEPTED)
        add_attempt(session, uid["learner23"], pool, assignment, "accepted", T0, ACCEPTED)
        cells = {uid: (key, attempts) for uid, key, attempts in session.query(
            GradebookCell.user_id, GradebookCell.best_key, GradebookCell.attempts)
            .filter(GradebookCell.user_id.in_(uid.values()))}
    assert {n for n, _ in cells.values()} == {best_key("wrong_answer", 2, False, better),
                                              best_key("accepted", 3, False, kept)}
    book = bare_stack.client.get("/api/courses/dl/gradebook", headers=auth(tokens["prof"])).json()
    rows = {r["username"]: r["cells"]["pool"] for r in book["rows"] if "pool" in r["cells"]}
    assert (rows["learner22"]["best_submission"], rows["learner22"]["passed"],
            rows["learner22"]["attempts"]) == (better, 2, 2)
    assert (rows["learner23"]["best_submission"], rows["learner23"]["attempts"],
            rows["learner23"]["first_accepted_at"]) == (kept, 2, "2026-11-02T09:00:00Z")


def _graded(session, user: int, version: int, assignment: int, verdict: str, passed: int) -> Submission:
    submission = Submission(user_id=user, problem_version_id=version, mode=Mode.SUBMIT, code="#",
                            status=SubmissionStatus.DONE, verdict=verdict, passed=passed, total=3,
                            created_at=T0, finished_at=T0, assignment_id=assignment)
    session.add(submission)
    session.flush()
    count_attempt(session, submission)
    return submission


def test_two_workers_counting_one_new_cell_at_once_both_count(bare_stack):
    """PostgreSQL: the second upsert waits on the first's uncommitted row, then merges
    into it (a read-then-write would lose an attempt or break the primary key)."""
    if not bare_stack.settings.database_url.startswith("postgresql"):
        pytest.skip("SQLite has one writer at a time: nothing runs concurrently")
    seed(bare_stack)
    with bare_stack.sessions() as session:
        version = session.query(ProblemVersion).join(ProblemRow, ProblemRow.id == ProblemVersion.problem_id
                                                     ).filter(ProblemRow.slug == "pool").one().id
        assignment = session.query(Assignment).filter_by(title="Two").one().id
        learner = user_id(session, "learner22")
    outcome: dict[str, int] = {}

    def second_worker() -> None:
        with bare_stack.sessions() as session:
            outcome["id"] = _graded(session, learner, version, assignment, "accepted", 3).id
            session.commit()

    with bare_stack.sessions() as first, bare_stack.sessions() as watcher:
        _graded(first, learner, version, assignment, "wrong_answer", 1)
        thread = threading.Thread(target=second_worker)
        thread.start()
        # Commit only once the second upsert is blocked on our row.
        while not watcher.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = "
                                      "'Lock' AND datname = current_database()")):
            assert thread.is_alive(), "the second upsert did not wait for the first"
            watcher.rollback()
        first.commit()
        thread.join()
    with bare_stack.sessions() as session:
        cell = session.query(GradebookCell).filter_by(user_id=learner).one()
    assert (cell.attempts, cell.verdict, cell.passed) == (2, "accepted", 3)
    assert cell.best_key == best_key("accepted", 3, False, outcome["id"])
