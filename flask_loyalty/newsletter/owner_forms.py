"""Forms of the owner's newsletter pages."""

from __future__ import annotations

import re
import typing as t

from flask_wtf.file import FileField
from flask_wtf.file import FileRequired
from wtforms import BooleanField
from wtforms import DateField
from wtforms import EmailField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms import TimeField
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.validators import Optional
from wtforms.validators import ValidationError

from ..forms import LoyaltyForm
from ..i18n import lazy_gettext
from ..measure.forms import holdout_field
from ..measure.holdout import DEFAULT_SHARE
from ..measure.models import CAMPAIGN
from .forms import CheckboxesField

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # not tab, CR, LF


def plain_text(form: t.Any, field: t.Any) -> None:
    """Refuse control characters (a NUL cannot even be stored in PostgreSQL)."""
    if isinstance(field.data, str) and _CONTROL.search(field.data):
        raise ValidationError(
            lazy_gettext("Remove the control characters from this text.")
        )


class TopicForm(LoyaltyForm):
    name = StringField(
        lazy_gettext("Name"),
        validators=[
            DataRequired(message=lazy_gettext("A topic needs a name.")),
            Length(max=100),
            plain_text,
        ],
    )
    description = StringField(
        lazy_gettext("Description (optional)"),
        validators=[Optional(), Length(max=300), plain_text],
    )


class CampaignForm(LoyaltyForm):
    subject = StringField(
        lazy_gettext("Subject"),
        validators=[
            DataRequired(message=lazy_gettext("Give the campaign a subject.")),
            Length(max=200),
            plain_text,
        ],
    )
    body = TextAreaField(
        lazy_gettext("Text"),
        validators=[
            DataRequired(message=lazy_gettext("Write the campaign's text.")),
            Length(max=100_000),
            plain_text,
        ],
        render_kw={"rows": 16},
    )
    topics = CheckboxesField(lazy_gettext("Send to subscribers of"), coerce=int)
    holdout_percent = holdout_field(DEFAULT_SHARE[CAMPAIGN], optional=True)


class TestSendForm(LoyaltyForm):
    address = EmailField(
        lazy_gettext("Send a test to"),
        validators=[
            DataRequired(message=lazy_gettext("Enter an email address.")),
            Length(max=254),
        ],
        render_kw={"autocomplete": "email", "inputmode": "email"},
    )
    first_name = StringField(
        lazy_gettext("Greet as (optional first name)"),
        validators=[Optional(), Length(max=100), plain_text],
    )


class ScheduleForm(LoyaltyForm):
    date = DateField(
        lazy_gettext("Date"),
        validators=[DataRequired(message=lazy_gettext("Choose a date."))],
    )
    time = TimeField(
        lazy_gettext("Time"),
        validators=[DataRequired(message=lazy_gettext("Choose a time."))],
    )


class ImportForm(LoyaltyForm):
    file = FileField(
        lazy_gettext("CSV file"),
        validators=[FileRequired(message=lazy_gettext("Choose a CSV file."))],
    )
    consent_source = StringField(
        lazy_gettext("Where did these people agree to get your newsletter? (optional)"),
        validators=[Optional(), Length(max=400), plain_text],
    )
    topics = CheckboxesField(
        lazy_gettext("Topics for rows without a topics column"), coerce=int
    )


class EraseForm(LoyaltyForm):
    confirm = BooleanField(
        lazy_gettext(
            "I understand that her subscription and history are deleted for good."
        ),
        validators=[
            DataRequired(message=lazy_gettext("Tick the box to confirm the erasure."))
        ],
    )
