"""Server-rendered pages without a browser: what they contain, who they show, what they
refuse.  (tests/e2e drives the same pages in Chromium.)"""

from __future__ import annotations

import gzip
import json
import re

import pytest

from app.web.endpoints import STATIC_DIR
from tests.api.conftest import auth
from tests.tiny_problem import TINY_REFERENCE


def page_data(html: str) -> dict:
    found = re.search(r'<script id="page-data" type="application/json">(.*?)</script>', html, re.S)
    assert found, "no page data"
    return json.loads(found.group(1))


def test_the_list_shows_problems_and_once_signed_in_the_learners_status(stack):
    stack.wait_problem()
    anonymous = stack.client.get("/")
    assert anonymous.status_code == 200 and anonymous.headers["content-type"].startswith("text/html")
    assert 'href="/problems/vector-add">Vector add</a>' in anonymous.text
    assert "status-" not in anonymous.text and 'href="/signup' in anonymous.text
    assert "script-src 'self'" in anonymous.headers["content-security-policy"]

    token = stack.token("ada")  # logging in also sets the session cookie on this client
    assert 'class="status status-new">New<' in stack.client.get("/").text
    sent = stack.client.post("/api/submissions", headers=auth(token),
                             json={"problem": "vector-add", "code": TINY_REFERENCE})
    stack.wait_done(sent.json()["id"], token)
    signed_in = stack.client.get("/").text
    assert "Signed in as <strong>ada</strong>" in signed_in
    assert 'class="status status-solved">Solved<' in signed_in
    assert "You have solved <strong>1</strong> of 1 problems" in signed_in
    assert 'id="problem-status">Solved<' in stack.client.get("/problems/vector-add").text


def test_the_problem_page_carries_statement_math_examples_and_starter(stack):
    stack.wait_problem()
    page = stack.client.get("/problems/vector-add")
    assert page.status_code == 200
    assert '<span class="math inline">a + b</span>' in page.text
    assert "shape (3,)" in page.text and "[11., 22., 33.]" in page.text  # the example's expected output
    data = page_data(page.text)
    assert data["slug"] == "vector-add" and data["user"] is None
    assert data["starter"] == "def add(a, b):\n    raise NotImplementedError\n"
    assert data["tolerance"]["rtol"] > 0
    assert "np.asarray(a) + np.asarray(b)" not in page.text  # never the reference
    assert "hidden-random" not in page.text  # never a hidden case


def test_signed_out_the_problem_page_offers_sign_in_in_place_of_run_and_submit(stack):
    stack.wait_problem()
    anonymous = stack.client.get("/problems/vector-add").text
    assert 'id="run"' not in anonymous and 'id="submit"' not in anonymous
    assert ('<a class="btn btn-primary" id="sign-in-to-run" href="/signin?next=/problems/vector-add">'
            "Sign in to run your code</a>") in anonymous
    stack.token("ada")  # signs this client in
    signed_in = stack.client.get("/problems/vector-add").text
    assert 'id="run"' in signed_in and 'id="submit"' in signed_in and "sign-in-to-run" not in signed_in


def test_an_unknown_problem_page_is_an_html_404(stack):
    missing = stack.client.get("/problems/no-such-problem")
    assert missing.status_code == 404 and "There is no problem" in missing.text


def test_sign_in_returns_only_to_same_site_paths(stack):
    def next_of(url: str) -> str:
        return re.search(r'data-next="([^"]*)"', stack.client.get(url).text).group(1)

    assert next_of("/signin?next=/problems/vector-add") == "/problems/vector-add"
    assert next_of("/signin?next=//evil.example/") == "/"
    assert next_of("/signup?next=https://evil.example/") == "/"
    assert next_of("/signin?next=/\\evil.example") == "/"
    assert next_of("/signin?next=/problems/vector-add%3Fmode%3Drun") == "/problems/vector-add?mode=run"


@pytest.mark.parametrize("target", [
    "/%09/evil.example", "/%0a/evil.example", "/%0d/evil.example", "/%0D%0A/evil.example",
    "//evil.example", "/%5Cevil.example", "/%2509/evil.example", "/%255Cevil.example",
    "/%252F/evil.example", "https://evil.example/", "javascript:alert(1)", "%0a", "evil.example",
])
@pytest.mark.parametrize("page", ["/signin", "/signup"])
def test_next_is_a_path_on_this_site_or_nothing(stack, page, target):
    body = stack.client.get(f"{page}?next={target}").text
    assert re.search(r'data-next="([^"]*)"', body).group(1) == "/"
    assert "evil" not in body


def test_pages_stay_out_of_the_openapi_schema(stack):
    paths = stack.client.get("/openapi.json").json()["paths"]
    assert all(path.startswith("/api/") or path in {"/healthz", "/readyz"} for path in paths)


def test_built_assets_are_served_under_versioned_urls(stack):
    stack.wait_problem()
    page = stack.client.get("/problems/vector-add").text
    for name, kind in [("problem.js", "javascript"), ("problem.css", "css"), ("site.js", "javascript")]:
        url = re.search(rf'"(/static/{re.escape(name)}\?v=[0-9a-f]{{12}})"', page).group(1)
        served = stack.client.get(url)
        assert served.status_code == 200 and kind in served.headers["content-type"]
    font = re.search(r"fonts/(KaTeX_Main-Regular\.woff2)", stack.client.get("/static/problem.css").text)
    assert font and stack.client.get(f"/static/fonts/{font.group(1)}").status_code == 200
    assert ".highlight .k" in stack.client.get("/assets/highlight.css").text


def test_assets_are_gzipped_but_event_streams_are_not(stack):
    stack.wait_problem()
    with stack.client.stream("GET", "/static/problem.js",
                             headers={"Accept-Encoding": "gzip"}) as bundle:
        assert bundle.status_code == 200 and bundle.headers["content-encoding"] == "gzip"
        sent_bytes = b"".join(bundle.iter_raw())
    script = gzip.decompress(sent_bytes)
    assert script == (STATIC_DIR / "problem.js").read_bytes()
    assert len(sent_bytes) < len(script) / 2

    token = stack.token("ada")
    sent = stack.client.post("/api/submissions", headers=auth(token),
                             json={"problem": "vector-add", "code": TINY_REFERENCE})
    stack.wait_done(sent.json()["id"], token)
    events = stack.client.get(f"/api/submissions/{sent.json()['id']}/events",
                              headers={**auth(token), "Accept-Encoding": "gzip"})
    assert events.headers["content-type"].startswith("text/event-stream")
    assert "content-encoding" not in events.headers
    assert "event: done" in events.text


def test_the_problem_page_offers_a_labelled_framework_selector_with_each_starter(stack):
    stack.wait_problem()
    page = stack.client.get("/problems/vector-add").text
    data = page_data(page)
    offered = data["frameworks"]
    assert offered[:2] == ["jax", "numpy"] and set(data["starters"]) == set(offered)
    assert data["starters"]["jax"] == data["starter"]
    assert '<label class="framework-picker" for="framework">Framework' in page
    assert all(f'<option value="{f}">' in page for f in offered)


def test_a_problem_with_one_framework_shows_no_selector(stack):
    # Published over the API without other starters: JAX only, nothing to choose.
    from tests.api.test_api import PROBLEM_BODY

    created = stack.client.post("/api/problems", headers=auth(stack.instructor_token()),
                                json=PROBLEM_BODY)
    assert created.status_code == 201, created.text
    page = stack.client.get("/problems/scale-vector").text
    assert page_data(page)["frameworks"] == ["jax"] and 'id="framework"' not in page
