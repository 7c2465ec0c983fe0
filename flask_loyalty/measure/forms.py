"""The holdout share field of the offer, journey and campaign editors."""

from __future__ import annotations

from wtforms import IntegerField
from wtforms.validators import InputRequired

from ..i18n import lazy_gettext


def holdout_field(default: int) -> IntegerField:
    """A whole percent; its range (0 to 50) is checked by the service, whose
    message the form shows."""
    return IntegerField(
        lazy_gettext("Hold out (percent of the people it would reach, 0 to 50)"),
        default=default,
        validators=[
            InputRequired(message=lazy_gettext("Give a whole percent from 0 to 50."))
        ],
        render_kw={"inputmode": "numeric"},
    )
