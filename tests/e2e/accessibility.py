"""Checks the e2e tests run on every page and state: an axe-core audit (WCAG 2.1 A/AA
rules) that must find no serious or critical violation, and the phone-width check that
nothing scrolls sideways.

axe-core is the vendored ``vendor/axe.min.js`` (see ``vendor/README.md``), evaluated in
the page through the DevTools protocol: the pages' Content-Security-Policy forbids inline
scripts, and the audit must not weaken the policy it runs under.  Each audit's full
result goes to ``artifacts/e2e/axe-<state>.json``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

from tests.e2e.conftest import ARTIFACTS

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
AXE_VERSION = "4.14.1"  # the exact pin in frontend/package.json
PACKAGE_JSON = Path(__file__).resolve().parents[2] / "frontend" / "package.json"
BLOCKING = {"serious", "critical"}
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def _axe_source() -> str:
    source = AXE.read_text()
    banner = re.match(r"/\*! axe v(\S+)", source)
    pinned = json.loads(PACKAGE_JSON.read_text())["devDependencies"]["axe-core"]
    assert banner and banner.group(1) == AXE_VERSION == pinned, (
        f"{AXE} is axe {banner and banner.group(1)}, frontend/package.json pins {pinned}: "
        "refresh it as tests/e2e/vendor/README.md says")
    return source


def audit(page: Page, state: str) -> list[dict[str, Any]]:
    """Run axe on the page as it is now; return every violation (all impacts)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_source())
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})", WCAG_TAGS)
    violations = result["violations"]
    (ARTIFACTS / f"axe-{state}.json").write_text(json.dumps(violations, indent=1))
    return violations


def describe(violations: list[dict[str, Any]]) -> str:
    return "; ".join(f"{v['id']} ({v['impact']}, {len(v['nodes'])} nodes: "
                     f"{', '.join(str(n['target']) for n in v['nodes'][:3])})" for v in violations)


def assert_accessible(page: Page, state: str) -> None:
    """No serious or critical axe violation on the page in its current state."""
    blocking = [v for v in audit(page, state) if v["impact"] in BLOCKING]
    assert not blocking, f"axe on {state}: {describe(blocking)}"


def assert_no_sideways_scroll(page: Page) -> None:
    """The page is no wider than the window (a phone must never scroll sideways)."""
    widths = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
    # The outermost elements that reach past the window's right edge, to name in a failure.
    wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5
                     && !(e.parentElement && e.parentElement.getBoundingClientRect().right
                          > window.innerWidth + 0.5))
        .slice(0, 5).map(e => `${e.tagName.toLowerCase()}.${e.className}`)""")
    assert widths[0] <= widths[1], (f"{page.url} is {widths[0]} px wide in a {widths[1]} px "
                                    f"window; past the edge: {wide}")


def tab_to(page: Page, selector: str, backwards: bool = False, limit: int = 120) -> None:
    """Press Tab (or Shift+Tab) until the focused element matches ``selector``.

    In the code editor Tab indents; there, as the page tells learners, Esc first makes
    the next Tab move the focus out.
    """
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(limit):
        if page.evaluate("(s) => document.activeElement?.matches(s) ?? false", selector):
            return
        if page.evaluate("!!document.activeElement?.closest('.cm-content')"):
            page.keyboard.press("Escape")
        page.keyboard.press(key)
    raise AssertionError(f"{limit} presses of {key} never reached {selector}")
