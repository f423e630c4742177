"""``/api/auth``: register, login (token + HttpOnly cookie), logout."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from app.auth import service
from app.auth.schemas import Credentials, LoginIn, TokenOut, UserOut
from app.deps import SESSION_COOKIE, CurrentUser, SessionDep, SettingsDep
from app.errors import Unauthorized
from app.ratelimit import check_login, record_login_failure

router = APIRouter(prefix="/api/auth", tags=["auth"])


def _out(user) -> UserOut:  # noqa: ANN001
    return UserOut(id=user.id, username=user.username, role=user.role.value)


@router.post("/register", status_code=201, response_model=UserOut)
def register(body: Credentials, session: SessionDep) -> UserOut:
    """Create a learner account."""
    return _out(service.register(session, body.username, body.password))


@router.post("/login", response_model=TokenOut)
def login(body: LoginIn, request: Request, response: Response, session: SessionDep,
          settings: SettingsDep) -> TokenOut:
    """Exchange username and password for a bearer token (also set as a session cookie)."""
    check_login(request, body.username)
    try:
        user, token = service.login(session, body.username, body.password, settings.token_ttl_days)
    except Unauthorized:
        record_login_failure(request, body.username)
        raise
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax",
                        max_age=settings.token_ttl_days * 86400, secure=request.url.scheme == "https")
    return TokenOut(token=token, user=_out(user))


@router.post("/logout", status_code=204)
def logout(request: Request, response: Response, user: CurrentUser, session: SessionDep) -> Response:
    """Revoke the token used for this request and clear the cookie."""
    header = request.headers.get("authorization", "")
    bearer = header.lower().startswith("bearer ")
    token = header[7:].strip() if bearer else request.cookies.get(SESSION_COOKIE)
    if token:
        service.logout(session, token)
    response.delete_cookie(SESSION_COOKIE)
    response.status_code = 204
    return response


@router.get("/me", response_model=UserOut)
def me(user: CurrentUser) -> UserOut:
    return _out(user)
