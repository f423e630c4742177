"""All SQL about users and tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.models import ApiToken, User, username_key


def user_by_name(session: Session, username: str) -> User | None:
    """The account ``username`` names: its exact spelling first (accounts that collided
    before migration 0006 keep theirs), else the one with its normalised key."""
    found = session.scalars(select(User).where(
        or_(User.username == username, User.username_key == username_key(username)))).all()
    return next((u for u in found if u.username == username), found[0] if found else None)


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
