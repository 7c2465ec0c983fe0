from __future__ import annotations

from wtforms import EmailField
from wtforms.validators import DataRequired
from wtforms.validators import Length

from ..forms import LoyaltyForm
from ..i18n import lazy_gettext


class SignInForm(LoyaltyForm):
    """Ask for a sign-in link by email."""

    email = EmailField(
        lazy_gettext("Email address"),
        validators=[
            DataRequired(message=lazy_gettext("Enter your email address.")),
            Length(max=254),
        ],
        render_kw={"autocomplete": "email", "inputmode": "email"},
    )
