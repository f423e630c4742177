"""All SQL about listing and revoking tokens and changing roles."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import ApiToken, Role, User
from app.repository import row_where, rows_where


def tokens_of(session: Session, user_id: int) -> list[ApiToken]:
    return rows_where(session, ApiToken, ApiToken.user_id == user_id)


def token_of(session: Session, user_id: int, token_id: int) -> ApiToken | None:
    return row_where(session, ApiToken, ApiToken.id == token_id, ApiToken.user_id == user_id)


def user_by_name(session: Session, username: str) -> User | None:
    return row_where(session, User, User.username == username)


def count_admins(session: Session) -> int:
    return len(session.scalars(select(User.id).where(User.role == Role.ADMIN)).all())
