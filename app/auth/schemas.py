from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from app.errors import StorableText


class Credentials(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=3, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$")
    password: str = Field(min_length=8, max_length=256)


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: StorableText = Field(min_length=1, max_length=64)
    password: StorableText = Field(min_length=1, max_length=256)


class UserOut(BaseModel):
    id: int
    username: str
    role: str


class TokenOut(BaseModel):
    token: str
    user: UserOut
