"""Names as the newsletter keeps them: a subscriber's first name (she gives it
when she subscribes, the owner's import brings it), on one line without control
characters."""

from __future__ import annotations

from ..customers.service import clean_name

MAX_FIRST_NAME = 100


def clean_first_name(value: object) -> str | None:
    """A first name folded to one line (CR/LF and tabs become spaces).

    :raises InvalidName: not text, control characters, or over 100 characters.
    """
    return clean_name(value, limit=MAX_FIRST_NAME)
