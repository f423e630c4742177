"""The API docs (Swagger UI at /docs) served from this site only.

FastAPI's default loads Swagger UI from a public CDN with an inline script, which the
site's CSP forbids.  The assets come from the pinned ``fastapi-offline`` package instead
(it ships Swagger UI's built files), and Swagger UI starts from a script served here, so
the page runs under the same CSP as every other page.  There is no /redoc: ReDoc's
bundle fetches its logo from its vendor's CDN, and one docs page is enough.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from app.web.endpoints import SECURITY_HEADERS

ASSETS = Path(fastapi_offline.__file__).parent / "static"
PREFIX = "/apidocs"

_SWAGGER = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>TensorJudge API</title>
<link rel="stylesheet" href="{PREFIX}/swagger-ui.css">
<link rel="icon" href="{PREFIX}/favicon.png"></head>
<body><div id="swagger-ui"></div>
<script src="{PREFIX}/swagger-ui-bundle.js"></script>
<script src="{PREFIX}/start-swagger.js"></script></body></html>
"""

_START_SWAGGER = """window.ui = SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui",
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  layout: "BaseLayout", deepLinking: true,
  validatorUrl: null});  // else it shows a badge fetched from validator.swagger.io
"""

router = APIRouter(include_in_schema=False)


def _page(html: str) -> HTMLResponse:
    return HTMLResponse(html, headers=SECURITY_HEADERS)


@router.get("/docs")
def swagger_ui() -> HTMLResponse:
    return _page(_SWAGGER)


@router.get(f"{PREFIX}/start-swagger.js")
def start_swagger() -> Response:
    return Response(_START_SWAGGER, media_type="text/javascript", headers=SECURITY_HEADERS)


def install(app: FastAPI) -> None:
    """Add the docs pages and their assets (create the app with docs_url=redoc_url=None)."""
    app.include_router(router)
    app.mount(PREFIX, StaticFiles(directory=ASSETS), name="apidocs")
