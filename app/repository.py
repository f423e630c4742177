"""Queries every domain repeats: the rows a filter selects, oldest first, or the first one.

Domain repositories (``app/<domain>/repository.py``) hold their own SQL and use these for
the plain lookups, so "list an owner's rows" and "get one of them" are written once.
"""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import ColumnElement, inspect, select
from sqlalchemy.orm import Session

from app.db import Base

Row = TypeVar("Row", bound=Base)


def rows_where(session: Session, model: type[Row], *where: ColumnElement[bool]) -> list[Row]:
    """Every ``model`` row matching all of ``where``, in primary-key (creation) order."""
    order = inspect(model).primary_key
    return list(session.scalars(select(model).where(*where).order_by(*order)))


def row_where(session: Session, model: type[Row], *where: ColumnElement[bool]) -> Row | None:
    """The first ``model`` row matching all of ``where``, or None."""
    return session.scalars(select(model).where(*where)).first()
