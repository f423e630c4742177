"""Accounts and tokens: registration, login, token checks, CLI-issued tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.auth import repository
from app.errors import Conflict, Unauthorized
from app.models import ApiToken, Role, User
from app.security import hash_password, hash_token, new_token, verify_password

# Verifying against a real hash when the user does not exist keeps the timing flat.
_DUMMY_HASH = hash_password("not-a-real-password")


def register(session: Session, username: str, password: str) -> User:
    if repository.user_by_name(session, username) is not None:
        raise Conflict(f"username '{username}' is taken")
    user = User(username=username, password_hash=hash_password(password), role=Role.LEARNER)
    session.add(user)
    try:
        session.commit()
    except IntegrityError as exc:  # a concurrent registration won the race
        session.rollback()
        raise Conflict(f"username '{username}' is taken") from exc
    return user


def issue_token(session: Session, user: User, name: str = "", ttl_days: int | None = None) -> str:
    token = new_token()
    expires = datetime.now(UTC) + timedelta(days=ttl_days) if ttl_days else None
    session.add(ApiToken(user_id=user.id, name=name, token_hash=hash_token(token), expires_at=expires))
    session.commit()
    return token


def login(session: Session, username: str, password: str, ttl_days: int) -> tuple[User, str]:
    """The user and a new token; one answer, at one argon2 verification's cost, for an
    unknown user, a token-only account (no password) and a wrong password."""
    user = repository.user_by_name(session, username)
    if user is None or user.password_hash is None:
        verify_password(_DUMMY_HASH, password)
        raise Unauthorized("wrong username or password")
    if not verify_password(user.password_hash, password):
        raise Unauthorized("wrong username or password")
    return user, issue_token(session, user, "login", ttl_days)


def logout(session: Session, token: str) -> None:
    repository.revoke(session, hash_token(token))
    session.commit()


def user_for_token(session: Session, token: str) -> User | None:
    if len(token) > 200:
        return None
    return repository.token_user(session, hash_token(token), datetime.now(UTC))


def service_token(session: Session, role: Role, username: str, name: str) -> str:
    """Token for CI or an instructor, for user ``username`` (created with ``role`` if new)."""
    user = repository.user_by_name(session, username)
    if user is None:
        user = User(username=username, password_hash=None, role=role)
        session.add(user)
        session.commit()
    elif user.role is not role:
        user.role = role
        session.commit()
    return issue_token(session, user, name)


def promote(session: Session, username: str) -> User | None:
    user = repository.user_by_name(session, username)
    if user is not None:
        user.role = Role.INSTRUCTOR
        session.commit()
    return user
