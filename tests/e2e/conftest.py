"""A real ``tensorjudge serve`` (SQLite, one embedded worker, the real sandbox) and one
headless Debian chromium driven by Playwright for the whole session.

Playwright's own browser download does not work offline, so the tests launch
``/usr/bin/chromium`` (``scripts/setup.sh --test`` installs it).  Screenshots of each
state go to ``artifacts/e2e/``.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import uuid
from pathlib import Path

import httpx2 as httpx
import pytest

from tests.conftest import DATA_DIR, PROBLEMS, ROOT, SEED_SLUG
from tests.serving import free_port, start_serve, wait_published

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "artifacts" / "e2e"
# The seed problem plus an easy one, so the list shows more than one status.
E2E_PROBLEMS = (SEED_SLUG, "fractional-stride-1d")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1280, "height": 800}


@pytest.fixture(scope="module")
def server() -> str:
    """Base URL of a freshly started server whose problems are published (stopped after
    the module, so it does not idle through the rest of the suite)."""
    # Under the checkout, not pytest's 0700 tmp_path: the sandbox uid must traverse the
    # data directory to reach the compile cache, which is shared with the other tests.
    run_dir = DATA_DIR / f"e2e-{uuid.uuid4().hex[:8]}"
    (run_dir / "problems").mkdir(parents=True)
    for slug in E2E_PROBLEMS:
        shutil.copytree(PROBLEMS / slug, run_dir / "problems" / slug)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {**os.environ, "TENSORJUDGE_DATA_DIR": str(DATA_DIR),
           "TENSORJUDGE_DATABASE_URL": f"sqlite:///{run_dir / 'tensorjudge.db'}",
           "TENSORJUDGE_PROBLEMS_DIR": str(run_dir / "problems")}
    log = open(ARTIFACTS / "server.log", "wb")  # closed once the server has exited
    process = start_serve(env, port, log=log)
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=5) as client:
            wait_published(client, E2E_PROBLEMS, process, timeout=240,
                           log_hint=f"; see {ARTIFACTS}/server.log")
        yield base
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


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail("/usr/bin/chromium is missing: run scripts/setup.sh --test (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def learner(browser, server):
    """One signed-up learner's browser context, shared by the tests (they run in order)."""
    context = browser.new_context(base_url=server, viewport=VIEWPORT)
    context.set_default_timeout(60_000)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    yield page
    context.close()


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
