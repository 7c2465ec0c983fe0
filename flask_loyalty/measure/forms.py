"""The holdout share field of the offer, journey and campaign editors."""

from __future__ import annotations

import typing as t

from wtforms import IntegerField
from wtforms.validators import InputRequired
from wtforms.validators import Optional

from ..i18n import lazy_gettext


def holdout_field(default: int, *, optional: bool = False) -> IntegerField:
    """A whole percent; its range (0 to 50) is checked by the service, whose
    message the form shows. ``optional``: left empty, it means 0 (campaigns,
    which hold out no one unless the owner says so)."""
    if optional:
        label = lazy_gettext(
            "Hold out (percent of the people it would reach, 0 to 50; empty: none)"
        )
        validators: list[t.Any] = [Optional()]
    else:
        label = lazy_gettext("Hold out (percent of the people it would reach, 0 to 50)")
        validators = [
            InputRequired(message=lazy_gettext("Give a whole percent from 0 to 50."))
        ]
    return IntegerField(
        label,
        default=default,
        validators=validators,
        render_kw={"inputmode": "numeric"},
    )
