"""A discount code as people type it: its stored form, its grouped form, its row."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .models import DiscountCode


def normalise_code(code: object) -> str:
    """The stored form of a code as a person typed it: upper case, no separators."""
    if not isinstance(code, str):
        return ""
    return "".join(ch for ch in code.upper() if ch.isalnum())[:32]


def grouped(normal: str) -> str:
    """A normalised code grouped for reading, as ``DiscountCode.display`` shows it."""
    return "-".join(normal[i : i + 4] for i in range(0, len(normal), 4))


def find_code(session: Session, code: object) -> DiscountCode | None:
    """The code as typed (any case, with or without dashes), or ``None``."""
    return session.scalar(
        sa.select(DiscountCode).where(DiscountCode.code == normalise_code(code))
    )
