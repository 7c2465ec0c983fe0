from __future__ import annotations

from wtforms import StringField
from wtforms.validators import DataRequired
from wtforms.validators import Length

from ..forms import LoyaltyForm
from ..i18n import lazy_gettext


class LiftForm(LoyaltyForm):
    """Take one address off the suppression list."""

    email = StringField(
        lazy_gettext("Email address"), validators=[DataRequired(), Length(max=254)]
    )
