"""Solving a problem in PyTorch through the editor's framework selector.

A learner opens an array problem, keeps a JAX draft, picks PyTorch (the editor swaps in
the PyTorch starter), submits a PyTorch solution and gets it accepted; each framework
keeps its own draft, and the page remembers the choice.  axe-core audits the page with
the selector (it has a label).
"""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect

from tests.conftest import PROBLEMS
from tests.e2e.accessibility import assert_accessible, assert_no_sideways_scroll
from tests.e2e.conftest import VIEWPORT, shot

SLUG = "fractional-stride-1d"
TORCH_SOLUTION = (PROBLEMS / SLUG / "solutions" / "correct" / "pytorch_zeros_and_slice.py").read_text()
JAX_DRAFT = "import numpy as np\n\n\ndef fractional_stride_1d(x, stride=1):\n    return x  # my JAX draft\n"
USERNAME = f"torch_{uuid.uuid4().hex[:6]}"


def draft_key(framework: str) -> str:
    base = f"tensorjudge:draft:{USERNAME}:{SLUG}"
    return base if framework == "jax" else f"{base}:{framework}"


def set_code(page: Page, code: str, framework: str) -> None:
    page.locator(".cm-content").click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(code)
    page.wait_for_function("([key, code]) => localStorage.getItem(key) === code",
                           arg=[draft_key(framework), code], timeout=10_000)


def test_solve_in_pytorch_through_the_framework_selector(browser, server):
    context = browser.new_context(base_url=server, viewport=VIEWPORT)
    context.set_default_timeout(60_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto("/signup")
        page.get_by_label("Username").fill(USERNAME)
        page.get_by_label("Password").fill("correct horse battery")
        page.get_by_role("button", name="Sign up").click()
        expect(page.get_by_text(f"Signed in as {USERNAME}")).to_be_visible()

        page.goto(f"/problems/{SLUG}")
        selector = page.get_by_label("Framework")
        expect(selector).to_have_value("jax")
        assert selector.locator("option").all_inner_texts() == ["JAX", "NumPy", "PyTorch"]
        assert_accessible(page, "problem-framework-selector")
        set_code(page, JAX_DRAFT, "jax")

        selector.select_option("pytorch")
        expect(page.locator(".cm-content")).to_contain_text("import torch")
        expect(page.locator(".cm-content")).to_contain_text("every array input is a float32 CPU tensor")
        shot(page, "30-framework-pytorch-starter")
        set_code(page, TORCH_SOLUTION, "pytorch")
        page.get_by_role("button", name="Submit", exact=True).click()
        expect(page.locator("#overall-verdict")).to_have_text("Accepted", timeout=120_000)
        expect(page.locator("#problem-status")).to_have_text("Solved")
        assert_accessible(page, "problem-pytorch-accepted")
        shot(page, "31-framework-pytorch-accepted")
        latest = page.evaluate(
            f"fetch('/api/submissions?problem={SLUG}').then(r => r.json()).then(p => p.items[0])")
        assert latest["framework"] == "pytorch" and latest["verdict"] == "accepted"

        # Each framework keeps its own draft; the JAX one is where it was left.
        selector.select_option("jax")
        expect(page.locator(".cm-content")).to_contain_text("# my JAX draft")
        selector.select_option("pytorch")
        expect(page.locator(".cm-content")).to_contain_text("out[:, :, ::stride] = x")
        # The choice survives a reload; Reset gives the current framework's starter.
        page.reload()
        expect(page.get_by_label("Framework")).to_have_value("pytorch")
        expect(page.locator(".cm-content")).to_contain_text("out[:, :, ::stride] = x")
        page.get_by_role("button", name="Reset to starter").click()
        expect(page.locator(".cm-content")).to_contain_text("import torch")
        expect(page.locator(".cm-content")).to_contain_text(re.compile("not written yet"))
        # On a phone the toolbar with the selector still fits the screen.
        page.set_viewport_size({"width": 375, "height": 812})
        expect(page.get_by_label("Framework")).to_be_visible()
        assert_no_sideways_scroll(page)
        shot(page, "32-framework-selector-375")
        assert errors == []
    finally:
        context.close()
