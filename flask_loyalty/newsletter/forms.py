from __future__ import annotations

from wtforms import BooleanField
from wtforms import EmailField
from wtforms import SelectChoice
from wtforms import SelectField
from wtforms import SelectMultipleField
from wtforms import StringField
from wtforms import SubmitField
from wtforms import widgets
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.validators import Optional

from ..forms import LoyaltyForm
from ..i18n import lazy_gettext


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes: works without JavaScript."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class SubscribeForm(LoyaltyForm):
    email = EmailField(
        lazy_gettext("Email address"),
        validators=[
            DataRequired(message=lazy_gettext("Enter your email address.")),
            Length(max=254),
        ],
        render_kw={"autocomplete": "email", "inputmode": "email"},
    )
    first_name = StringField(
        lazy_gettext("First name (optional)"),
        validators=[Optional(), Length(max=100)],
        render_kw={"autocomplete": "given-name"},
    )
    topics = CheckboxesField(
        lazy_gettext("What would you like to hear about?"), coerce=int
    )
    consent = BooleanField(
        validators=[DataRequired(message=lazy_gettext("Please tick the box to agree."))]
    )


PAUSES = [
    SelectChoice(0, lazy_gettext("Keep sending")),
    SelectChoice(30, lazy_gettext("Pause for a month")),
    SelectChoice(90, lazy_gettext("Pause for three months")),
]


class PreferencesForm(LoyaltyForm):
    topics = CheckboxesField(lazy_gettext("Topics"), coerce=int)
    pause = SelectField(lazy_gettext("Pause"), choices=PAUSES, coerce=int, default=0)
    save = SubmitField(lazy_gettext("Save my choices"))
    unsubscribe = SubmitField(lazy_gettext("Unsubscribe from everything"))


class LinkRequestForm(LoyaltyForm):
    email = EmailField(
        lazy_gettext("Email address"),
        validators=[
            DataRequired(message=lazy_gettext("Enter your email address.")),
            Length(max=254),
        ],
    )
