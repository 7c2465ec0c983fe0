from __future__ import annotations

from wtforms import BooleanField
from wtforms import EmailField
from wtforms import HiddenField
from wtforms.validators import AnyOf
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


class DataRequestForm(LoyaltyForm):
    """Her request for her data (``export``) or her account's deletion (``erase``),
    confirmed by a link to her address."""

    purpose = HiddenField(
        validators=[
            AnyOf(("export", "erase"), message=lazy_gettext("Choose what you ask for."))
        ],
        default="export",
    )


class EraseCustomerForm(LoyaltyForm):
    """The owner's erasure of a customer's personal data."""

    confirm = BooleanField(
        lazy_gettext(
            "I understand that her personal data is erased for good and her points"
            " and unused codes lapse."
        ),
        validators=[
            DataRequired(message=lazy_gettext("Tick the box to confirm the erasure."))
        ],
    )
