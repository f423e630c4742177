"""All SQL about listing and revoking tokens and changing roles."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import ApiToken, Role, User


def tokens_of(session: Session, user_id: int) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user_id)
                                .order_by(ApiToken.id)))


def token_of(session: Session, user_id: int, token_id: int) -> ApiToken | None:
    return session.scalars(select(ApiToken).where(ApiToken.id == token_id,
                                                  ApiToken.user_id == user_id)).first()


def user_by_name(session: Session, username: str) -> User | None:
    return session.scalars(select(User).where(User.username == username)).first()


def count_admins(session: Session) -> int:
    return len(session.scalars(select(User.id).where(User.role == Role.ADMIN)).all())
