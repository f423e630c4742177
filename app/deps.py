"""FastAPI dependencies: database session, settings, the authenticated user and roles."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker

from app.auth import service as auth_service
from app.config import Settings
from app.errors import Forbidden, Unauthorized
from app.models import Role, User

SESSION_COOKIE = "tj_session"
CSRF_HEADER = "x-requested-with"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_sessions(request: Request) -> sessionmaker:
    return request.app.state.sessions


def get_session(request: Request) -> Iterator[Session]:
    with request.app.state.sessions() as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionsDep = Annotated[sessionmaker, Depends(get_sessions)]
SessionDep = Annotated[Session, Depends(get_session)]


def current_user(request: Request, session: SessionDep) -> User:
    """Bearer token, or the browser's session cookie (unsafe methods then need the
    ``X-Requested-With`` header, which a cross-site form cannot send: CSRF guard)."""
    header = request.headers.get("authorization", "")
    token = None
    if header.lower().startswith("bearer "):
        token = header[7:].strip()
    elif SESSION_COOKIE in request.cookies:
        token = request.cookies[SESSION_COOKIE]
        if request.method in UNSAFE_METHODS and not request.headers.get(CSRF_HEADER):
            raise Forbidden("cookie-authenticated requests must send X-Requested-With")
    if not token:
        raise Unauthorized("send Authorization: Bearer <token> (POST /api/auth/login gives one)")
    user = auth_service.user_for_token(session, token)
    if user is None:
        raise Unauthorized("invalid or expired token")
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def instructor(user: CurrentUser) -> User:
    if user.role not in (Role.INSTRUCTOR, Role.ADMIN):
        raise Forbidden("instructors only")
    return user


InstructorUser = Annotated[User, Depends(instructor)]


def admin(user: CurrentUser) -> User:
    if user.role is not Role.ADMIN:
        raise Forbidden("administrators only")
    return user


AdminUser = Annotated[User, Depends(admin)]
