"""``/api/tokens`` (your own tokens) and ``/api/users/{username}/role`` (admins)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from app.accounts import service
from app.accounts.schemas import RoleIn, TokenOut, UserRoleOut
from app.deps import AdminUser, CurrentUser, SessionDep
from app.models import ApiToken

router = APIRouter(prefix="/api", tags=["accounts"])
TokenId = Annotated[int, Path(ge=1, le=2**63 - 1)]


def _out(token: ApiToken) -> TokenOut:
    return TokenOut(id=token.id, name=token.name, created_at=token.created_at,
                    expires_at=token.expires_at, revoked=token.revoked)


@router.get("/tokens", response_model=list[TokenOut])
def list_tokens(user: CurrentUser, session: SessionDep) -> list[TokenOut]:
    """Your API tokens (login sessions included), oldest first; never the secrets."""
    return [_out(t) for t in service.tokens(session, user)]


@router.delete("/tokens/{token_id}", response_model=TokenOut)
def revoke_token(token_id: TokenId, user: CurrentUser, session: SessionDep) -> TokenOut:
    """Revoke one of your tokens; it stops working at once."""
    return _out(service.revoke(session, user, token_id))


@router.put("/users/{username}/role", response_model=UserRoleOut)
def set_role(username: Annotated[str, Path(max_length=64)], body: RoleIn, _: AdminUser,
             session: SessionDep) -> UserRoleOut:
    """Promote or demote a user: learner, instructor or admin (admins only)."""
    user = service.set_role(session, username, body.role)
    return UserRoleOut(username=user.username, role=user.role.value)
