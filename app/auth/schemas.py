from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from app.errors import StorableText


def _nfkc(value: object) -> object:
    """Usernames are stored NFKC-normalised (fullwidth ``ａｌｉｃｅ`` is ``alice``)."""
    return unicodedata.normalize("NFKC", value) if isinstance(value, str) else value


class Credentials(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: Annotated[str, BeforeValidator(_nfkc)] = Field(
        min_length=3, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$",
        description="compared case-insensitively: 'Alice' is taken when 'alice' exists")
    # StorableText: a NUL could never log in (login refuses it), so refuse it here too.
    password: StorableText = Field(min_length=8, max_length=256)


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
