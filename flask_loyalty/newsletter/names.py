"""Names as the newsletter keeps them: a subscriber's first name (she gives it
when she subscribes, the owner's import brings it) and a topic's name, each on one
line without control characters."""

from __future__ import annotations

import unicodedata

from ..errors import InvalidName
from ..i18n import _

MAX_FIRST_NAME = 100


def clean_first_name(value: object) -> str | None:
    """A first name folded to one line (CR/LF and tabs become spaces).

    :raises InvalidName: not text, control characters, or over 100 characters.
    """
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidName(_("A name must be text."))
    name = " ".join(value.split())
    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in name):
        raise InvalidName(_("A name cannot contain control characters."))
    if len(name) > MAX_FIRST_NAME:
        raise InvalidName(
            _("A name can have at most %(n)d characters.", n=MAX_FIRST_NAME)
        )
    return name or None
