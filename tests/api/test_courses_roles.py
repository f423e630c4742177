"""Courses: who may see and do what (learner, TA, instructor, outsider), joining, tokens
and site roles.  SQLite and PostgreSQL; graded rows are seeded (tests/api/course_seed.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.api.conftest import auth
from tests.api.course_seed import add_attempt, add_problem, user_id

NOW = datetime.now(UTC)


def post(stack, path, token, body=None):
    return stack.client.post(path, headers=auth(token), json=body or {})


def get(stack, path, token, **headers):
    return stack.client.get(path, headers={**auth(token), **headers})


def make_course(stack, prof, slug="ml101", problems=("alpha", "beta")):
    created = post(stack, "/api/courses", prof, {"slug": slug, "title": "Intro to ML"})
    assert created.status_code == 201, created.text
    assignment = post(stack, f"/api/courses/{slug}/assignments", prof, {
        "title": "Week 1", "problems": list(problems),
        "opens_at": (NOW - timedelta(days=1)).isoformat(),
        "due_at": (NOW + timedelta(days=7)).isoformat(), "late": "accept"})
    assert assignment.status_code == 201, assignment.text
    return created.json(), assignment.json()


def cast(stack):
    """prof (instructor of ml101), ta, ada and bob (learners), eve (outsider), and
    other (instructor of cv201 only); one seeded attempt by ada on alpha."""
    with stack.sessions() as session:
        alpha = add_problem(session, "alpha")
        add_problem(session, "beta")
    prof = stack.instructor_token()
    course, assignment = make_course(stack, prof)
    tokens = {name: stack.token(name) for name in ("tara", "ada", "bob", "eve", "other")}
    for name in ("ada", "bob"):
        assert post(stack, "/api/courses/ml101/join", tokens[name],
                    {"code": course["join_code"]}).status_code == 200
    assert post(stack, "/api/courses/ml101/members", prof,
                {"username": "tara", "role": "ta"}).status_code == 201
    with stack.sessions() as session:
        from app.models import Role, User

        session.query(User).filter_by(username="other").update({"role": Role.INSTRUCTOR})
        session.commit()
        ada_attempt = add_attempt(session, user_id(session, "ada"), alpha, assignment["id"],
                                  "wrong_answer", NOW, [("example", True, "wrong_answer", {}),
                                                        ("hidden-1", False, "accepted", {})])
    make_course(stack, tokens["other"], slug="cv201", problems=("beta",))
    return {"prof": prof, **tokens}, course, assignment, ada_attempt


def test_create_join_and_list_courses(bare_stack):
    s = bare_stack
    tokens, course, assignment, _ = cast(s)
    assert set(course) >= {"slug", "title", "join_code"} and course["slug"] == "ml101"
    assert [c["slug"] for c in get(s, "/api/courses", tokens["ada"]).json()] == ["ml101"]
    assert get(s, "/api/courses", tokens["eve"]).json() == []
    detail = get(s, "/api/courses/ml101", tokens["ada"]).json()
    assert detail["join_code"] is None  # learners cannot hand out the code
    week = detail["assignments"][0]
    assert week["id"] == assignment["id"] and week["state"] == "open"
    assert [(p["slug"], p["status"]) for p in week["problems"]] == [("alpha", "attempted"),
                                                                    ("beta", "new")]
    staff = get(s, "/api/courses/ml101", tokens["tara"]).json()
    assert staff["join_code"] == course["join_code"]
    assert {m["username"]: m["role"] for m in staff["members"]} == {
        "prof": "instructor", "tara": "ta", "ada": "learner", "bob": "learner"}


def test_wrong_join_code_is_403_and_rotation_retires_the_old_code(bare_stack):
    s = bare_stack
    tokens, course, _, _ = cast(s)
    wrong = post(s, "/api/courses/ml101/join", tokens["eve"], {"code": "NOTTHIS1"})
    assert wrong.status_code == 403 and set(wrong.json()) == {"error", "detail"}
    assert post(s, "/api/courses/ml101/join-code", tokens["tara"]).status_code == 403
    rotated = post(s, "/api/courses/ml101/join-code", tokens["prof"]).json()["join_code"]
    assert rotated != course["join_code"]
    assert post(s, "/api/courses/ml101/join", tokens["eve"],
                {"code": course["join_code"]}).status_code == 403
    assert post(s, "/api/courses/ml101/join", tokens["eve"],
                {"code": rotated.lower()}).status_code == 200
    # Joining again keeps a TA a TA.
    assert post(s, "/api/courses/ml101/join", tokens["tara"], {"code": rotated}).json()["role"] == "ta"


def test_only_site_instructors_create_courses_and_slugs_are_unique(bare_stack):
    s = bare_stack
    tokens, _, _, _ = cast(s)
    assert post(s, "/api/courses", tokens["ada"], {"slug": "x1", "title": "X"}).status_code == 403
    again = post(s, "/api/courses", tokens["prof"], {"slug": "ml101", "title": "Again"})
    assert again.status_code == 409 and again.json()["error"] == "conflict"


def test_learners_get_403_on_gradebook_stats_and_others_attempts(bare_stack):
    s = bare_stack
    tokens, _, _, ada_attempt = cast(s)
    for name in ("ada", "bob"):
        for path in ("/api/courses/ml101/gradebook", "/api/courses/ml101/problems/alpha/stats"):
            denied = get(s, path, tokens[name])
            assert denied.status_code == 403 and denied.json()["error"] == "forbidden"
    assert get(s, f"/api/courses/ml101/submissions/{ada_attempt}", tokens["bob"]).status_code == 403
    own = get(s, f"/api/courses/ml101/submissions/{ada_attempt}", tokens["ada"])
    assert own.status_code == 200 and own.json()["username"] == "ada"
    # Outside the course view, another learner's attempt does not even exist.
    assert get(s, f"/api/submissions/{ada_attempt}", tokens["bob"]).status_code == 404


def test_staff_read_members_attempts_with_code_and_cases(bare_stack):
    s = bare_stack
    tokens, _, _, ada_attempt = cast(s)
    for name in ("tara", "prof"):
        seen = get(s, f"/api/courses/ml101/submissions/{ada_attempt}", tokens[name])
        assert seen.status_code == 200, seen.text
        body = seen.json()
        assert body["code"] == "# seeded" and [c["name"] for c in body["cases"]] == [
            "example", "hidden-1"]
        assert body["cases"][0]["verdict"] == "wrong_answer" and body["username"] == "ada"
    # A TA (not a site instructor) also reads it through /api/submissions.
    assert get(s, f"/api/submissions/{ada_attempt}", tokens["tara"]).status_code == 200
    assert get(s, "/api/courses/ml101/gradebook", tokens["tara"]).status_code == 200
    assert get(s, "/api/courses/ml101/problems/alpha/stats", tokens["tara"]).status_code == 200


def test_outsiders_and_other_courses_instructors_get_403(bare_stack):
    s = bare_stack
    tokens, _, _, ada_attempt = cast(s)
    for name in ("eve", "other"):
        for path in ("/api/courses/ml101", "/api/courses/ml101/gradebook",
                     "/api/courses/ml101/problems/alpha/stats",
                     f"/api/courses/ml101/submissions/{ada_attempt}"):
            denied = get(s, path, tokens[name])
            assert denied.status_code == 403, (name, path, denied.text)
    # prof is not a member of cv201 either.
    assert get(s, "/api/courses/cv201/gradebook", tokens["prof"]).status_code == 403
    assert get(s, "/api/courses/cv201/gradebook", tokens["other"]).status_code == 200
    # ada's attempt is on alpha, which cv201 does not hold: not visible through cv201.
    assert get(s, f"/api/courses/cv201/submissions/{ada_attempt}",
               tokens["other"]).status_code == 404
    assert get(s, "/api/courses/nope/gradebook", tokens["prof"]).status_code == 404


def test_only_course_instructors_manage_members_and_assignments(bare_stack):
    s = bare_stack
    tokens, _, _, _ = cast(s)
    body = {"title": "W2", "problems": ["alpha"], "opens_at": NOW.isoformat(),
            "due_at": (NOW + timedelta(days=1)).isoformat(), "late": "refuse"}
    for name in ("tara", "ada", "other"):
        assert post(s, "/api/courses/ml101/assignments", tokens[name], body).status_code == 403
        assert post(s, "/api/courses/ml101/members", tokens[name],
                    {"username": "eve", "role": "ta"}).status_code == 403
    unknown = post(s, "/api/courses/ml101/assignments", tokens["prof"], {**body, "problems": ["zeta"]})
    assert unknown.status_code == 422 and "zeta" in unknown.json()["detail"]
    naive = post(s, "/api/courses/ml101/assignments", tokens["prof"],
                 {**body, "opens_at": "2026-01-01T00:00:00"})
    assert naive.status_code == 422 and naive.json()["error"] == "validation_error"
    backwards = post(s, "/api/courses/ml101/assignments", tokens["prof"],
                     {**body, "due_at": (NOW - timedelta(days=2)).isoformat()})
    assert backwards.status_code == 422
    missing = post(s, "/api/courses/ml101/members", tokens["prof"], {"username": "nobody", "role": "ta"})
    assert missing.status_code == 404


def test_times_are_stored_in_utc(bare_stack):
    s = bare_stack
    tokens, _, _, _ = cast(s)
    made = post(s, "/api/courses/ml101/assignments", tokens["prof"], {
        "title": "Offsets", "problems": ["beta"], "opens_at": "2027-03-01T09:00:00+02:00",
        "due_at": "2027-03-08T09:00:00-05:00", "late": "accept"}).json()
    assert made["opens_at"] == "2027-03-01T07:00:00Z" and made["due_at"] == "2027-03-08T14:00:00Z"
    assert made["state"] == "upcoming"


def test_token_list_and_revoke_own_tokens_only(bare_stack):
    s = bare_stack
    prof = s.instructor_token()
    ada = s.token("ada")
    listed = get(s, "/api/tokens", prof).json()
    assert [t["name"] for t in listed] == ["test"] and "token" not in listed[0]
    second = s.instructor_token()
    ids = [t["id"] for t in get(s, "/api/tokens", prof).json()]
    assert len(ids) == 2
    ada_ids = [t["id"] for t in get(s, "/api/tokens", ada).json()]
    assert s.client.delete(f"/api/tokens/{ada_ids[0]}", headers=auth(prof)).status_code == 404
    revoked = s.client.delete(f"/api/tokens/{ids[0]}", headers=auth(second))
    assert revoked.status_code == 200 and revoked.json()["revoked"] is True
    assert get(s, "/api/auth/me", prof).status_code == 401
    assert get(s, "/api/auth/me", second).status_code == 200


def test_admins_promote_and_demote(bare_stack):
    s = bare_stack
    ada = s.token("ada")
    from app.auth.service import service_token
    from app.models import Role

    with s.sessions() as session:
        root = service_token(session, Role.ADMIN, "root", "test")
    put = s.client.put
    assert put("/api/users/ada/role", headers=auth(ada), json={"role": "admin"}).status_code == 403
    prof = s.instructor_token()
    assert put("/api/users/ada/role", headers=auth(prof), json={"role": "instructor"}).status_code == 403
    up = put("/api/users/ada/role", headers=auth(root), json={"role": "instructor"})
    assert up.status_code == 200 and up.json() == {"username": "ada", "role": "instructor"}
    assert post(s, "/api/courses", ada, {"slug": "ada-course", "title": "A"}).status_code == 201
    assert put("/api/users/ada/role", headers=auth(root), json={"role": "learner"}).status_code == 200
    assert post(s, "/api/courses", ada, {"slug": "ada-two", "title": "B"}).status_code == 403
    last = put("/api/users/root/role", headers=auth(root), json={"role": "learner"})
    assert last.status_code == 409
    assert put("/api/users/nobody/role", headers=auth(root), json={"role": "learner"}).status_code == 404
    bad = put("/api/users/ada/role", headers=auth(root), json={"role": "king"})
    assert bad.status_code == 422
