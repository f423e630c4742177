"""Token and role views."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from app.submissions.schemas import AwareDatetime


class TokenOut(BaseModel):
    """A token's metadata; the token itself is shown only once, when created."""

    id: int
    name: str
    created_at: AwareDatetime
    expires_at: AwareDatetime | None
    revoked: bool


class RoleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Literal["learner", "instructor", "admin"]


class UserRoleOut(BaseModel):
    username: str
    role: str
