"""Course pages render from real data with the API's access rules (SQLite and PostgreSQL)."""

from __future__ import annotations

from tests.api.course_seed import learner_token
from tests.api.test_courses_gradebook import seed


def page(stack, path, token=None):
    stack.client.cookies.clear()
    if token:
        stack.client.cookies.set("tj_session", token)
    return stack.client.get(path, follow_redirects=False)


def test_course_pages_for_staff_and_learners(bare_stack):
    s = bare_stack
    tokens = seed(s)
    learner = learner_token(s.sessions, "learner00")
    assert page(s, "/courses").status_code == 303  # signed out: to the sign-in page
    mine = page(s, "/courses", learner)
    assert mine.status_code == 200 and 'href="/courses/dl"' in mine.text and "join-form" in mine.text
    assert "create-course-form" not in mine.text
    assert "create-course-form" in page(s, "/courses", tokens["prof"]).text
    course = page(s, "/courses/dl", learner)
    assert course.status_code == 200 and "countdown" in course.text
    assert "status-solved" in course.text and "late-mark" in course.text  # pool was solved late
    assert "join-code-value" not in course.text
    staff = page(s, "/courses/dl", tokens["prof"])
    assert "join-code-value" in staff.text and "assignment-form" in staff.text

    book = page(s, "/courses/dl/gradebook", tokens["tutor"])
    assert book.status_code == 200 and book.text.count('<tr data-username=') == 24
    assert "/api/courses/dl/gradebook?format=csv" in book.text
    assert page(s, "/courses/dl/gradebook", learner).status_code == 403

    stats = page(s, "/courses/dl/problems/conv/stats", tokens["prof"])
    assert stats.status_code == 200 and stats.text.count("<svg") == 4
    assert "Pads only on the left." in stats.text and 'id="fig-solved">16<' in stats.text
    assert page(s, "/courses/dl/problems/conv/stats", learner).status_code == 403

    with s.sessions() as session:
        from app.models import Submission

        attempt = session.query(Submission).filter_by(verdict="runtime_error").first().id
    viewer = page(s, f"/courses/dl/submissions/{attempt}", tokens["tutor"])
    assert viewer.status_code == 200 and "submission-code" in viewer.text and "hidden-1" in viewer.text
    assert page(s, f"/courses/dl/submissions/{attempt}", learner).status_code == 403
    assert page(s, "/courses/nope", learner).status_code == 404
