from __future__ import annotations

from wtforms import FieldList
from wtforms import HiddenField
from wtforms import RadioField
from wtforms import SelectChoice
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import DataRequired
from wtforms.validators import InputRequired
from wtforms.validators import Length

from ..forms import LoyaltyForm
from ..i18n import lazy_gettext


class LookupForm(LoyaltyForm):
    """Find the order to return: its number and the address it was bought with."""

    order_number = StringField(
        lazy_gettext("Order number"),
        validators=[
            DataRequired(message=lazy_gettext("Enter your order number.")),
            Length(max=64),
        ],
        render_kw={"autocomplete": "off"},
    )
    email = StringField(
        lazy_gettext("Email address used for the order"),
        validators=[
            DataRequired(message=lazy_gettext("Enter your email address.")),
            Length(max=254),
        ],
        render_kw={"type": "email", "autocomplete": "email"},
    )


REASON_LABELS = {
    "changed_mind": lazy_gettext("I changed my mind"),
    "does_not_fit": lazy_gettext("It does not fit"),
    "not_as_described": lazy_gettext("It is not as described"),
    "damaged": lazy_gettext("It arrived damaged"),
    "other": lazy_gettext("Another reason"),
}

RESOLUTION_LABELS = {
    "original": lazy_gettext("Money back to my original payment"),
    "store_credit": lazy_gettext("Store credit"),
    "exchange": lazy_gettext("An exchange"),
}


class RequestForm(LoyaltyForm):
    """Reason, resolution and a comment; the quantities are ``qty-<line id>``."""

    reason = RadioField(
        lazy_gettext("Why are you returning it?"),
        choices=[SelectChoice(k, v) for k, v in REASON_LABELS.items()],
        validators=[InputRequired(message=lazy_gettext("Choose a reason."))],
    )
    resolution = RadioField(
        lazy_gettext("What would you like?"),
        choices=[SelectChoice(k, v) for k, v in RESOLUTION_LABELS.items()],
        validators=[InputRequired(message=lazy_gettext("Choose what you would like."))],
    )
    comment = TextAreaField(
        lazy_gettext("Anything to add? (optional)"),
        validators=[Length(max=1000)],
        render_kw={"rows": 3},
    )


class DecisionForm(LoyaltyForm):
    """The owner's step on a return, with an optional message to the customer."""

    message = TextAreaField(
        lazy_gettext("Message to the customer (required to reject)"),
        validators=[Length(max=1000)],
        render_kw={"rows": 3},
    )


class CategoryLabelsForm(LoyaltyForm):
    """Each listed category's label in one language, in the rules' order."""

    language = HiddenField()
    labels = FieldList(StringField(validators=[Length(max=100)]), max_entries=100)
