"""A course in the browser: an instructor creates a course and an assignment, a learner
joins with the code, solves one problem and fails another (real grading), and the
instructor sees both in the gradebook, downloads the CSV and opens the failing attempt.

The tests share one server (their own, so the instructor can be promoted in its
database) and run top to bottom.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx2 as httpx
import pytest
from playwright.sync_api import Page, expect

from tests.conftest import DATA_DIR, PROBLEMS, REFERENCE, ROOT
from tests.e2e.conftest import ARTIFACTS, VIEWPORT, shot
from tests.serving import free_port, start_serve

SOLVED, FAILED = "fractional-stride-1d", "conv-transpose1d-minimal"
CORRECT = (REFERENCE / "fractional_stride_1d.py").read_text()
WRONG = (PROBLEMS / FAILED / "solutions" / "wrong" / "kernel_not_flipped.py").read_text()
SUFFIX = uuid.uuid4().hex[:6]
PROF, LEARNER, PASSWORD = f"prof_{SUFFIX}", f"lea_{SUFFIX}", "correct horse battery"
COURSE = f"ml-{SUFFIX}"
# The wrong solution's verdict: a wrong answer, or a time limit on a saturated machine
# (the limit counts wall time per case); either way a failed attempt.
FAILING = re.compile("^(Wrong answer|Time limit exceeded)$")
STATE: dict[str, str] = {}


@pytest.fixture(scope="module")
def course_server():
    """(base URL, environment) of a fresh ``serve`` with the two problems published."""
    run_dir = DATA_DIR / f"e2e-course-{SUFFIX}"
    (run_dir / "problems").mkdir(parents=True)
    for slug in (SOLVED, FAILED):
        shutil.copytree(PROBLEMS / slug, run_dir / "problems" / slug)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "TENSORJUDGE_DATA_DIR": str(DATA_DIR),
           "TENSORJUDGE_DATABASE_URL": f"sqlite:///{run_dir / 'tensorjudge.db'}",
           "TENSORJUDGE_PROBLEMS_DIR": str(run_dir / "problems")}
    port = free_port()
    log = open(ARTIFACTS / "course-server.log", "wb")
    process = start_serve(env, port, log=log)
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=5) as client:
            # Published is enough: a worker validated both.  (/readyz can lag behind
            # while the only worker runs known mistakes for hints on a busy machine.)
            deadline = time.monotonic() + 300
            while not all(published(client, slug) for slug in (SOLVED, FAILED)):
                assert process.poll() is None, f"serve exited; see {ARTIFACTS}/course-server.log"
                assert time.monotonic() < deadline, f"not published; see {ARTIFACTS}/course-server.log"
                time.sleep(0.5)
        yield base, env
    finally:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        except ProcessLookupError:
            pass
        log.close()
        shutil.rmtree(run_dir, ignore_errors=True)


def published(client: httpx.Client, slug: str) -> bool:
    try:
        return client.get(f"/api/problems/{slug}").status_code == 200
    except httpx.TransportError:
        return False


def new_page(browser, base: str) -> Page:
    context = browser.new_context(base_url=base, viewport=VIEWPORT, accept_downloads=True)
    context.set_default_timeout(60_000)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    return page


@pytest.fixture(scope="module")
def prof(browser, course_server):
    page = new_page(browser, course_server[0])
    yield page
    page.context.close()


@pytest.fixture(scope="module")
def learner(browser, course_server):
    page = new_page(browser, course_server[0])
    yield page
    page.context.close()


def sign_up(page: Page, username: str) -> None:
    page.goto("/signup?next=/courses")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_text(f"Signed in as {username}")).to_be_visible()


def set_code(page: Page, code: str) -> None:
    page.locator(".cm-content").click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(code)


def test_instructor_creates_a_course_and_an_assignment(prof: Page, course_server):
    page = prof
    sign_up(page, PROF)
    promoted = subprocess.run([sys.executable, "-m", "app", "user", "promote", PROF], cwd=ROOT,
                              env=course_server[1], capture_output=True, text=True, timeout=120)
    assert promoted.returncode == 0, promoted.stderr
    page.goto("/courses")
    page.get_by_label("Short name").fill(COURSE)
    page.get_by_label("Title").fill("Transposed convolutions")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("heading", name="Transposed convolutions")).to_be_visible()
    STATE["code"] = page.locator("#join-code-value").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-9]{8}", STATE["code"])

    page.get_by_label("Title").fill("Week 1")
    page.locator(f'input[name=problems][value="{SOLVED}"]').check()
    page.locator(f'input[name=problems][value="{FAILED}"]').check()
    page.get_by_label("Opens (your time)").fill("2020-01-01T09:00")
    page.get_by_label("Due (your time)").fill("2099-01-01T09:00")
    page.get_by_role("button", name="Create assignment").click()
    section = page.locator("section.assignment")
    expect(section.get_by_role("heading", name="Week 1")).to_be_visible()
    expect(section.locator("tr[data-slug]")).to_have_count(2)
    expect(section.locator(".countdown")).to_contain_text("left")
    shot(page, "course-01-instructor-course")
    assert page.errors == []


def test_learner_joins_solves_one_and_fails_another(learner: Page):
    page = learner
    sign_up(page, LEARNER)
    page.goto("/courses")
    page.locator("#join-slug").fill(COURSE)
    page.locator("#join-code").fill("WRONGCODE")
    page.get_by_role("button", name="Join").click()
    expect(page.locator("#join-error")).to_have_text("wrong join code")
    page.locator("#join-code").fill(STATE["code"].lower())
    page.get_by_role("button", name="Join").click()
    expect(page.get_by_role("heading", name="Transposed convolutions")).to_be_visible()
    expect(page.locator(f'tr[data-slug="{SOLVED}"] .status')).to_have_text("New")
    # Due times show in the viewer's zone, not as the UTC text the server wrote.
    assert "UTC" not in page.locator("time.local-time").first.inner_text()

    for slug, code, verdict in ((SOLVED, CORRECT, "Accepted"), (FAILED, WRONG, FAILING)):
        page.goto(f"/courses/{COURSE}")
        page.locator(f'tr[data-slug="{slug}"] a').click()
        expect(page).to_have_url(re.compile(f"/problems/{slug}"))
        set_code(page, code)
        page.get_by_role("button", name="Submit", exact=True).click()
        expect(page.locator("#overall-verdict")).to_have_text(verdict, timeout=180_000)
    STATE["failed"] = page.locator("#overall-verdict").inner_text().strip()

    page.goto(f"/courses/{COURSE}")
    expect(page.locator(f'tr[data-slug="{SOLVED}"] .status')).to_have_text("Solved")
    expect(page.locator(f'tr[data-slug="{FAILED}"] .status')).to_have_text("Attempted")
    shot(page, "course-02-learner-course")
    assert page.goto(f"/courses/{COURSE}/gradebook").status == 403
    assert page.errors == []


def test_instructor_sees_both_downloads_csv_and_opens_the_failing_attempt(prof: Page):
    page = prof
    page.goto(f"/courses/{COURSE}")
    page.get_by_role("link", name="Gradebook").click()
    row = page.locator(f'tr[data-username="{LEARNER}"]')
    expect(row.locator(f'td[data-problem="{SOLVED}"]')).to_contain_text("accepted")
    failed = STATE["failed"].lower()
    expect(row.locator(f'td[data-problem="{FAILED}"]')).to_contain_text(failed)
    page.get_by_role("button", name="Solved").click()
    expect(page.locator("th[aria-sort]")).to_have_count(1)
    shot(page, "course-03-gradebook")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    table = list(csv.reader(io.StringIO(Path(download.value.path()).read_text())))
    assert table[0][0] == "username" and len(table) == 2
    row_of = dict(zip(table[0], table[1], strict=True))
    assert (row_of["username"], row_of[SOLVED]) == (LEARNER, "accepted")
    assert row_of[FAILED] == failed.replace(" ", "_")

    row.locator(f'td[data-problem="{FAILED}"] a').click()
    expect(page.locator("#submission-verdict")).to_contain_text(STATE["failed"])
    expect(page.locator("#submission-code")).to_contain_text("def conv_transpose1d_minimal")
    cases = page.locator("#submission-cases tr.case-row")
    assert cases.count() > 1
    expect(page.locator("#submission-cases")).to_contain_text(failed)
    shot(page, "course-04-failing-attempt")
    assert page.errors == []
