"""In Chromium: signing in or up through a hostile ``next`` stays on this site, and the
API docs render from this site alone under its CSP."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import VIEWPORT

PASSWORD = "correct horse battery"
HOSTILE = ["/%09/evil.example", "/%0a/evil.example", "/%0d/evil.example", "//evil.example",
           "/%5Cevil.example", "/%2509/evil.example", "https://evil.example/"]


@pytest.fixture(scope="module")
def account(browser, server) -> str:
    """A user signed up through /signup with the issue's hostile next."""
    username = f"r{uuid.uuid4().hex[:8]}"
    _through(browser, server, f"/signup?next={HOSTILE[0]}", username, "Sign up")
    return username


def _through(browser, server: str, path: str, username: str, button: str) -> str:
    context = browser.new_context(base_url=server, viewport=VIEWPORT)
    try:
        page = context.new_page()
        page.goto(path)
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name=button).click()
        page.wait_for_url(lambda url: "/signin" not in url and "/signup" not in url)
        landed = page.url
        assert landed == f"{server}/", landed
        expect(page.get_by_role("button", name=re.compile("Sign out"))).to_be_visible()
        return landed
    finally:
        context.close()


@pytest.mark.parametrize("target", HOSTILE)
@pytest.mark.parametrize("form", ["signin", "signup"])
def test_signing_in_never_leaves_the_site(browser, server, account, form, target):
    if form == "signup":  # a fresh account each time: sign-up then logs in
        _through(browser, server, f"/signup?next={target}", f"r{uuid.uuid4().hex[:8]}", "Sign up")
    else:
        _through(browser, server, f"/signin?next={target}", account, "Sign in")


@pytest.mark.parametrize(("path", "heading"), [("/docs", ".swagger-ui .info .title")])
def test_api_docs_render_from_this_site_only(browser, server, path, heading):
    context = browser.new_context(base_url=server, viewport=VIEWPORT)
    try:
        page = context.new_page()
        problems, hosts = [], set()
        page.on("console", lambda m: m.type == "error" and problems.append(m.text))
        page.on("pageerror", lambda exc: problems.append(str(exc)))
        page.on("request", lambda r: hosts.add(r.url.split("/")[2]) if "://" in r.url else None)
        page.goto(path)
        expect(page.locator(heading).first).to_contain_text("TensorJudge")
        assert hosts == {server.split("/")[2]}, hosts
        assert not [p for p in problems if "Content Security Policy" in p], problems
    finally:
        context.close()
