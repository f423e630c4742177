"""What every response carries: 413 for an oversized chunked body, ``nosniff``
everywhere, and API docs served from this site under its own CSP."""

from __future__ import annotations

import re

from tests.api.conftest import auth


def test_oversized_chunked_body_is_413(stack):
    token = stack.token("ada")

    def chunks():  # no Content-Length: the cap is found while reading
        yield b'{"problem": "vector-add", "code": "'
        for _ in range(40):
            yield b"x" * 65536
        yield b'"}'

    sent = stack.client.post("/api/submissions", content=chunks(),
                             headers={**auth(token), "content-type": "application/json"})
    assert sent.status_code == 413, sent.text
    assert sent.json()["error"] == "payload_too_large"


def test_every_response_is_nosniff(stack):
    token = stack.token("ada")
    responses = [
        stack.client.get("/api/problems"),
        stack.client.get("/api/submissions/99999", headers=auth(token)),  # 404
        stack.client.post("/api/auth/login", json={}),  # 422
        stack.client.get("/api/auth/me"),  # 401
        stack.client.get("/healthz"),
        stack.client.get("/openapi.json"),
        stack.client.get("/static/site.js"),
        stack.client.get("/"),
        stack.client.get("/docs"),
        stack.client.get("/apidocs/swagger-ui-bundle.js"),
    ]
    for response in responses:
        assert response.headers.get("x-content-type-options") == "nosniff", response.url


def test_api_docs_load_nothing_from_other_hosts(stack):
    assert stack.client.get("/redoc").status_code == 404  # ReDoc's bundle calls its CDN
    for page in ("/docs",):
        got = stack.client.get(page)
        assert got.status_code == 200
        assert "default-src 'self'" in got.headers["content-security-policy"]
        sources = re.findall(r'(?:src|href)="([^"]+)"', got.text)
        assert sources, got.text
        for source in sources:
            assert source.startswith("/") and not source.startswith("//"), (page, source)
            assert stack.client.get(source).status_code == 200, source
        assert "<script>" not in got.text  # no inline script: the CSP forbids it
    assert "validatorUrl: null" in stack.client.get("/apidocs/start-swagger.js").text
