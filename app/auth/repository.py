"""All SQL about users and tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import ApiToken, User


def user_by_name(session: Session, username: str) -> User | None:
    return session.scalars(select(User).where(User.username == username)).first()


def token_user(session: Session, token_hash: str, moment: datetime) -> User | None:
    row = session.execute(
        select(ApiToken, User).join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == token_hash, ApiToken.revoked.is_(False))
    ).first()
    if row is None:
        return None
    token, user = row
    if token.expires_at is not None and token.expires_at.replace(tzinfo=moment.tzinfo) <= moment:
        return None
    return user


def revoke(session: Session, token_hash: str) -> None:
    token = session.scalars(select(ApiToken).where(ApiToken.token_hash == token_hash)).first()
    if token is not None:
        token.revoked = True
