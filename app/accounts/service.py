"""Decisions: a user lists and revokes only their own tokens; only admins change roles,
and the last admin cannot demote themselves (someone must be able to undo mistakes)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.accounts import repository
from app.errors import Conflict, NotFound
from app.models import ApiToken, Role, User


def tokens(session: Session, user: User) -> list[ApiToken]:
    return repository.tokens_of(session, user.id)


def revoke(session: Session, user: User, token_id: int) -> ApiToken:
    token = repository.token_of(session, user.id, token_id)
    if token is None:  # another user's token looks the same as none: no existence leak
        raise NotFound(f"you have no token {token_id}")
    token.revoked = True
    session.commit()
    return token


def set_role(session: Session, username: str, role: str) -> User:
    target = repository.user_by_name(session, username)
    if target is None:
        raise NotFound(f"no user '{username}'")
    new = Role(role)
    if target.role is Role.ADMIN and new is not Role.ADMIN and repository.count_admins(session) <= 1:
        raise Conflict("this is the last admin; promote another user to admin first")
    target.role = new
    session.commit()
    return target
