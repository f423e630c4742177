"""The learner's path through the browser, in order: sign up, read the seed problem
(math typeset), solve it (Run, then Submit), get a wrong answer with its plot, get a
syntax error marked in the editor, and come back to drafts and history.

The tests share one signed-up browser page and run top to bottom.  At every page and
state an axe-core audit must find no serious or critical violation (``accessibility``);
the journey is then done again by keyboard alone, and the pages at phone width.
"""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect

from tests.conftest import PROBLEMS, REFERENCE, SEED_SLUG
from tests.e2e.accessibility import assert_accessible, assert_no_sideways_scroll, tab_to
from tests.e2e.conftest import VIEWPORT, shot

SEED_URL = f"/problems/{SEED_SLUG}"
CORRECT = (REFERENCE / "flax_transposed_conv_1d.py").read_text()
# Creating `bias` before `kernel` draws different weights: a plain wrong answer.
WRONG = (PROBLEMS / SEED_SLUG / "solutions" / "wrong" / "bias_before_kernel.py").read_text()
CRASHES = (PROBLEMS / SEED_SLUG / "solutions" / "wrong" / "kernel_layout_swapped.py").read_text()
CRASH_LINE = CRASHES.splitlines().index("        y = jax.lax.conv_transpose(") + 1
_LINES = CORRECT.splitlines()
SYNTAX_ERROR_LINE = _LINES.index("        features = int(self.features)") + 1
SYNTAX_ERROR = "\n".join(_LINES[:SYNTAX_ERROR_LINE - 1] + ["        features = int(self.features"]  # unclosed
                         + _LINES[SYNTAX_ERROR_LINE:]) + "\n"
USERNAME = f"ada_{uuid.uuid4().hex[:6]}"
PASSWORD = "correct horse battery"


def set_code(page: Page, code: str) -> None:
    """Replace the editor's content the way a paste does (select all, insert)."""
    page.locator(".cm-content").click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(code)
    expect_draft(page, code)


def expect_draft(page: Page, code: str) -> None:
    """The editor holds exactly ``code``: read back through the draft it saves on every edit
    (the DOM holds only the lines in view)."""
    key = f"tensorjudge:draft:{USERNAME}:{SEED_SLUG}"
    page.wait_for_function("([key, code]) => localStorage.getItem(key) === code", arg=[key, code],
                           timeout=10_000)


def overall(page: Page):
    return page.locator("#overall-verdict")


def case_rows(page: Page):
    return page.locator("#results tr.case-row")


def wait_verdict(page: Page, label: str) -> None:
    expect(overall(page)).to_have_text(label, timeout=120_000)


def test_sign_up_lands_on_the_problem_list(learner: Page):
    page = learner
    page.goto("/")
    assert_accessible(page, "list-signed-out")
    shot(page, "01-home-signed-out")
    page.get_by_role("link", name="Sign up").first.click()
    expect(page).to_have_url(re.compile(r"/signup"))
    page.get_by_label("Username").fill(USERNAME)
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("alert")).to_contain_text("At least 8 characters")
    assert_accessible(page, "sign-up-with-error")
    page.get_by_label("Password").fill(PASSWORD)
    expect(page.get_by_role("alert")).to_have_text("")  # typing clears the old message
    shot(page, "02-sign-up")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_text(f"Signed in as {USERNAME}")).to_be_visible()
    row = page.locator(f'tr[data-slug="{SEED_SLUG}"]')
    expect(row.locator(".status")).to_have_text("New")
    expect(row.locator(".difficulty")).to_have_text("Medium")
    expect(row.locator(".tag").first).to_have_text("flax")
    assert_accessible(page, "list-signed-in")
    shot(page, "03-problem-list")


def test_statement_shows_math_examples_and_the_starter(learner: Page):
    page = learner
    page.get_by_role("link", name="1-D transposed convolution in Flax").click()
    expect(page).to_have_url(re.compile(SEED_URL))
    statement = page.locator(".statement")
    expect(statement.locator(".katex").first).to_be_visible()
    assert statement.locator(".katex").count() > 20
    assert statement.locator(".katex-display").count() >= 2  # the $$...$$ blocks
    assert statement.locator(".math.inline:not(:has(.katex))").count() == 0  # every formula typeset
    assert statement.locator("pre.highlight .k").count() > 0  # code blocks highlighted
    example = page.locator(".example").first
    expect(example).to_contain_text("worked-example")
    expect(example).to_contain_text("shape (4, 1)")
    expect(example).to_contain_text("Expected output")
    expect(page.locator(".cm-content")).to_contain_text("class MyTransposedConv(nn.Module):")
    expect(page.get_by_role("button", name="Run", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Submit", exact=True)).to_be_visible()
    assert_accessible(page, "problem-signed-in")
    shot(page, "04-problem")


def test_a_correct_solution_runs_then_submits_accepted(learner: Page):
    page = learner
    examples = page.locator(".example").count()
    set_code(page, CORRECT)
    expect(page.locator("#problem-status")).to_have_text("New")
    page.get_by_role("button", name="Run", exact=True).click()
    wait_verdict(page, "Accepted")
    expect(page.locator("#problem-status")).to_have_text("Attempted")  # examples are not all cases
    expect(case_rows(page)).to_have_count(examples)
    assert set(case_rows(page).evaluate_all("rows => rows.map(r => r.dataset.verdict)")) == {"accepted"}
    expect(page.locator("#results .overall-summary")).to_have_text(f"{examples} / {examples} examples passed")
    shot(page, "05-run-accepted")

    page.get_by_role("button", name="Submit", exact=True).click()
    wait_verdict(page, "Accepted")
    rows = case_rows(page)
    total = rows.count()
    assert total > examples  # hidden cases too
    assert set(rows.evaluate_all("rows => rows.map(r => r.dataset.verdict)")) == {"accepted"}
    expect(page.locator("#results .hidden-tag").first).to_be_visible()
    expect(page.locator("#results .overall-summary")).to_have_text(f"{total} / {total} cases passed")
    expect(page.locator("#problem-status")).to_have_text("Solved")
    assert_accessible(page, "problem-with-results")
    shot(page, "06-submit-accepted")

    page.goto("/")
    expect(page.locator(f'tr[data-slug="{SEED_SLUG}"] .status')).to_have_text("Solved")
    expect(page.locator('tr[data-slug="fractional-stride-1d"] .status')).to_have_text("New")
    page.goto(SEED_URL)


def test_a_wrong_answer_plots_expected_against_got(learner: Page):
    page = learner
    set_code(page, WRONG)
    page.get_by_role("button", name="Run", exact=True).click()
    wait_verdict(page, "Wrong answer")
    failed = page.locator('#results tr.case-row[data-verdict="wrong_answer"]').first
    expect(failed.locator(".badge")).to_have_text("Wrong answer")
    # The same code is a known mistake of the pack, so the hint names it.
    expect(failed.locator(".hint")).to_contain_text("create kernel before bias")
    name = failed.get_attribute("data-case")
    details = page.locator(f'#results tr.detail-row[data-case="{name}"]')
    figure = details.locator(".plot-figure")
    expect(figure).to_be_visible()
    expect(figure.locator("svg.plot")).to_have_count(2)  # values, then the difference
    for series in ("expected", "actual"):
        path = figure.locator(f"path.series.{series}").get_attribute("d")
        assert path and path.startswith("M") and path.count("L") >= 1
    assert figure.locator("line.bar.bad").count() >= 1  # some values outside the tolerance
    expect(details).to_contain_text("outside the tolerance")
    # The plot's text alternative: the first mismatches as numbers in a table.
    table = figure.locator("table.mismatch-table")
    expect(table.locator("caption")).to_contain_text("outside the tolerance")
    assert 1 <= table.locator("tbody tr").count() <= 10
    expect(table.locator("thead")).to_contain_text("Expected")
    figure.scroll_into_view_if_needed()
    assert_accessible(page, "problem-with-plot")
    shot(page, "07-wrong-answer-plot")

    page.locator(".cm-content").click()
    page.keyboard.press("Control+Shift+Enter")  # the Submit shortcut
    wait_verdict(page, "Wrong answer")
    expect(page.locator("#results .overall-mode")).to_contain_text("Submit")
    hidden = page.locator('#results tr.case-row[data-verdict="wrong_answer"]:has(.hidden-tag)')
    assert hidden.count() >= 1
    for name in hidden.evaluate_all("rows => rows.map(r => r.dataset.case)"):
        # Hidden cases show figures only: no values, so no plot.
        assert page.locator(f'#results tr.detail-row[data-case="{name}"] .plot-figure').count() == 0
    assert page.locator("#results .plot-figure").count() >= 1  # the visible ones still plot


def test_a_runtime_error_shows_the_traceback_and_marks_the_failing_line(learner: Page):
    page = learner
    set_code(page, CRASHES)  # the kernel's axes swapped: fails once C_in != features
    page.get_by_role("button", name="Run", exact=True).click()
    wait_verdict(page, "Runtime error")
    message = page.locator('#results tr.detail-row pre.message').first
    expect(message).to_contain_text("ValueError")
    expect(message.locator("button.frame-link")).to_have_text(f'File "<submission>", line {CRASH_LINE}')
    marked = page.locator(".cm-content .cm-errorLine")
    expect(marked).to_have_attribute("data-error-line", str(CRASH_LINE))
    expect(marked).to_contain_text("y = jax.lax.conv_transpose(")
    assert_accessible(page, "problem-runtime-error")
    shot(page, "08-runtime-error")


def test_a_syntax_error_marks_its_line_in_the_editor(learner: Page):
    page = learner
    set_code(page, SYNTAX_ERROR)
    page.keyboard.press("Control+Enter")  # the Run shortcut, focus in the editor
    wait_verdict(page, "Compile error")
    marked = page.locator(".cm-content .cm-errorLine")
    expect(marked).to_have_count(1)
    expect(marked).to_have_attribute("data-error-line", str(SYNTAX_ERROR_LINE))
    expect(marked).to_contain_text("features = int(self.features")
    expect(page.locator("#results pre.message").first).to_contain_text("SyntaxError")
    shot(page, "09-syntax-error")


def test_the_draft_survives_a_reload_and_history_reopens_results(learner: Page):
    page = learner
    page.reload()
    expect(page.locator(".cm-content")).to_contain_text("features = int(self.features")
    expect_draft(page, SYNTAX_ERROR)

    page.get_by_role("tab", name="Submissions").click()
    history = page.locator("#history tbody tr")
    # Newest first: syntax error, crash, wrong submit, wrong run, accepted submit, accepted run.
    expect(history).to_have_count(6)
    expect(history.nth(0).locator(".badge")).to_have_text("Compile error")
    expect(history.nth(4)).to_contain_text("Submit")
    assert_accessible(page, "submissions-tab")
    shot(page, "10-history")

    history.nth(4).get_by_role("button", name=re.compile("^Open the result")).click()
    wait_verdict(page, "Accepted")
    expect(page.locator("#results .overall-mode")).to_contain_text("Submit")
    history.nth(4).get_by_role("button", name=re.compile("^Load code")).click()
    expect(page.locator(".cm-content")).to_contain_text("jnp.reshape(y, (-1,))")
    expect_draft(page, CORRECT)
    shot(page, "11-history-loaded")
    assert page.errors == []


def test_the_whole_journey_works_by_keyboard_alone(learner: Page):
    """Open a problem, edit, run, submit, read the result, open a past submission: keys only."""
    page = learner
    page.goto("/")
    tab_to(page, f'a.problem-link[href="{SEED_URL}"]')
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(SEED_URL))
    tab_to(page, ".cm-content")
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(CORRECT)
    expect_draft(page, CORRECT)
    page.keyboard.press("Control+Enter")
    wait_verdict(page, "Accepted")
    expect(page.locator("#results .overall-mode")).to_contain_text("Run")
    page.keyboard.press("Control+Shift+Enter")
    wait_verdict(page, "Accepted")
    expect(page.locator("#results .overall-mode")).to_contain_text("Submit")
    tab_to(page, "#results")  # out of the editor: Esc, then Tab
    expect(page.locator("#results")).to_contain_text("cases passed")
    tab_to(page, "#tab-statement", backwards=True)
    page.keyboard.press("ArrowRight")  # the tab list: arrows move between tabs
    expect(page.locator("#tab-history")).to_be_focused()
    expect(page.locator("#panel-history")).to_be_visible()
    expect(page.locator("#history tbody tr")).to_have_count(8)
    wrong_run = page.locator("#history tbody tr", has_text="Wrong answer").filter(has_text="Run").first
    target = wrong_run.get_attribute("data-submission")
    tab_to(page, f'#history tr[data-submission="{target}"] td.actions button:first-child')
    page.keyboard.press("Enter")
    wait_verdict(page, "Wrong answer")
    expect(page.locator("#results .verdict-banner")).to_be_focused()  # the focus follows
    expect(page.locator("#results .overall-mode")).to_contain_text(f"#{target}")
    shot(page, "12-keyboard-journey")
    assert page.errors == []


def test_phones_get_every_page_without_sideways_scrolling(browser, server, learner: Page):
    """At 375 x 812 no page is wider than the screen; the problem page stacks its panes."""
    signed_in = learner.context.storage_state()
    for width in (375, 1400):
        for who, state in (("signed-out", None), ("signed-in", signed_in)):
            context = browser.new_context(base_url=server, viewport={"width": width, "height": 812},
                                          storage_state=state)
            page = context.new_page()
            try:
                for name, path in (("list", "/"), ("sign-in", "/signin"), ("sign-up", "/signup"),
                                   ("problem", SEED_URL)):
                    page.goto(path)
                    if path == SEED_URL:
                        expect(page.locator(".cm-content")).to_be_visible()
                        expect(page.locator(".statement .katex").first).to_be_visible()
                    assert_no_sideways_scroll(page)
                    shot(page, f"{width}-{who}-{name}")
                if width == 375:
                    stacked = page.evaluate("""['.statement', '#editor', '#results'].map(
                        s => document.querySelector(s).getBoundingClientRect())
                        .map(r => [r.left, r.top, r.right])""")
                    assert [r[1] for r in stacked] == sorted(r[1] for r in stacked)  # top to bottom
                    assert all(r[0] >= 0 and r[2] <= 375 for r in stacked)
                    assert_accessible(page, f"problem-{who}-375")
            finally:
                context.close()


def test_a_phone_shows_a_past_result_with_its_plot_and_wraps_long_lines(browser, server, learner: Page):
    context = browser.new_context(base_url=server, viewport={"width": 375, "height": 812},
                                  storage_state=learner.context.storage_state())
    page = context.new_page()
    try:
        page.goto(SEED_URL)
        set_code(page, CORRECT + "\n# " + "a long comment that must wrap, " * 8 + "\n")
        line = page.locator(".cm-line", has_text="a long comment that must wrap")
        assert line.evaluate("l => l.getBoundingClientRect().height") > 40  # soft-wrapped lines
        assert_no_sideways_scroll(page)
        page.get_by_role("tab", name="Submissions").click()
        page.locator("#history tbody tr", has_text="Wrong answer").filter(has_text="Run").first \
            .get_by_role("button", name=re.compile("^Open the result")).click()
        wait_verdict(page, "Wrong answer")
        figure = page.locator("#results .plot-figure").first
        expect(figure).to_be_visible()
        assert_no_sideways_scroll(page)
        figure.scroll_into_view_if_needed()
        assert_accessible(page, "problem-with-plot-375")
        shot(page, "375-signed-in-plot")
    finally:
        context.close()


def test_signed_out_the_problem_reads_and_edits_and_offers_one_way_to_sign_in(browser, server):
    context = browser.new_context(base_url=server, viewport=VIEWPORT)
    page = context.new_page()
    try:
        page.goto(SEED_URL)
        expect(page.locator(".statement .katex").first).to_be_visible()
        expect(page.locator(".example").first).to_contain_text("Expected output")
        expect(page.get_by_role("button", name="Run", exact=True)).to_have_count(0)
        expect(page.get_by_role("button", name="Submit", exact=True)).to_have_count(0)
        sign_in = page.locator(".toolbar").get_by_role("link", name="Sign in to run your code")
        expect(sign_in).to_have_attribute("href", f"/signin?next={SEED_URL}")
        page.locator(".cm-content").click()
        page.keyboard.press("Control+End")
        page.keyboard.type("\n# my note")
        expect(page.locator(".cm-content")).to_contain_text("# my note")  # the editor works
        page.keyboard.press("Control+Enter")  # a shortcut points at the same way in
        expect(page.locator("#results").get_by_role("link", name="Sign in to run your code")).to_be_visible()
        assert_accessible(page, "problem-signed-out")
        sign_in.click()
        page.get_by_label("Username").fill(USERNAME)
        page.get_by_label("Password").fill(PASSWORD)
        assert_accessible(page, "sign-in")
        page.get_by_role("button", name="Sign in").click()
        expect(page).to_have_url(re.compile(SEED_URL))  # back at the problem
        expect(page.get_by_role("button", name="Run", exact=True)).to_be_visible()
    finally:
        context.close()


def test_sign_out_then_sign_in_again_returns_to_the_problem(learner: Page):
    page = learner
    page.get_by_role("button", name="Sign out").click()
    sign_in = page.locator(".topbar").get_by_role("link", name="Sign in", exact=True)
    expect(sign_in).to_be_visible()
    page.goto(SEED_URL)
    sign_in.click()
    page.get_by_label("Username").fill(USERNAME)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("wrong username or password")
    assert_accessible(page, "sign-in-with-error")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(SEED_URL))  # back where the learner was
    expect(page.get_by_text(f"Signed in as {USERNAME}")).to_be_visible()
    assert page.errors == []
