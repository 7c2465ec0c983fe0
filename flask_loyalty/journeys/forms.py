"""Forms of the owner's journey pages."""

from __future__ import annotations

import typing as t

from wtforms import BooleanField
from wtforms import FieldList
from wtforms import Form
from wtforms import FormField
from wtforms import HiddenField
from wtforms import SelectChoice
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.validators import NumberRange
from wtforms.validators import Optional

from ..forms import LoyaltyForm
from ..i18n import lazy_gettext
from ..measure.forms import holdout_field
from ..measure.holdout import DEFAULT_SHARE
from ..measure.models import JOURNEY
from ..newsletter.owner_forms import plain_text
from ..points.forms import WholeNumberField
from . import models as jm
from .editing import StepData

BLANK_ROWS = 2
"""Empty step rows under the existing ones: a new step needs no JavaScript."""


def trigger_choices() -> list[SelectChoice]:
    return [
        SelectChoice(
            jm.CONFIRMED, lazy_gettext("Her newsletter subscription is confirmed")
        ),
        SelectChoice(jm.FIRST_ORDER, lazy_gettext("Her first order")),
        SelectChoice(jm.ANY_ORDER, lazy_gettext("Any order")),
        SelectChoice(jm.NTH_ORDER, lazy_gettext("Her n-th order (give n below)")),
        SelectChoice(jm.BIRTHDAY, lazy_gettext("Her birthday")),
        SelectChoice(jm.NO_ORDER, lazy_gettext("No order for N days (give N below)")),
        SelectChoice(jm.SEGMENT, lazy_gettext("She joins a segment (choose it below)")),
        SelectChoice(jm.MANUAL, lazy_gettext("You put her in by hand")),
    ]


def reentry_choices() -> list[SelectChoice]:
    return [
        SelectChoice(jm.ONCE, lazy_gettext("Once in her life")),
        SelectChoice(jm.YEARLY, lazy_gettext("Once a year")),
        SelectChoice(
            jm.EVERY_TIME, lazy_gettext("Every time it starts (never twice at once)")
        ),
    ]


def _not_negative() -> list[t.Any]:
    return [
        Optional(),
        NumberRange(min=0, message=lazy_gettext("A delay cannot be negative.")),
    ]


class StepForm(Form):
    """One row of the timeline (a sub-form: the journey form carries the CSRF)."""

    step_id = HiddenField()
    delay_days = WholeNumberField(lazy_gettext("Wait days"), validators=_not_negative())
    delay_hours = WholeNumberField(
        lazy_gettext("and hours"), validators=_not_negative()
    )
    after = SelectField(
        lazy_gettext("counted from"),
        choices=[
            SelectChoice(jm.AFTER_PREVIOUS, lazy_gettext("the previous step")),
            SelectChoice(jm.AFTER_TRIGGER, lazy_gettext("the start")),
        ],
        validate_choice=False,  # checked by save_journey, with the step's number
    )
    at_time = StringField(
        lazy_gettext("then at (time of day, optional)"),
        render_kw={"type": "time"},
        validators=[Optional(), Length(max=5)],
    )
    action = SelectField(
        lazy_gettext("Then"),
        choices=[
            SelectChoice(jm.EMAIL, lazy_gettext("send an email")),
            SelectChoice(jm.POINTS, lazy_gettext("add bonus points")),
            SelectChoice(jm.OFFER, lazy_gettext("issue an offer")),
        ],
        validate_choice=False,
    )
    subject = StringField(
        lazy_gettext("Subject"), validators=[Optional(), Length(max=200), plain_text]
    )
    body = TextAreaField(
        lazy_gettext("Text (Markdown)"),
        validators=[Optional(), Length(max=50_000), plain_text],
        render_kw={"rows": 6},
    )
    suggest = BooleanField(
        lazy_gettext("Add products that go with her last order under the text")
    )
    points = WholeNumberField(lazy_gettext("Points"), validators=[Optional()])
    offer_id = SelectField(lazy_gettext("Offer"), choices=[], validate_choice=False)
    remove = BooleanField(lazy_gettext("Remove this step"))

    def is_blank(self) -> bool:
        return not (
            self.step_id.data
            or (self.subject.data or "").strip()
            or (self.body.data or "").strip()
            or self.points.data is not None
            or self.offer_id.data
        )

    def to_data(self) -> StepData:
        offer = self.offer_id.data
        return StepData(
            delay_days=self.delay_days.data or 0,
            delay_hours=self.delay_hours.data or 0,
            after=self.after.data,
            at_time=self.at_time.data,
            action=self.action.data,
            subject=self.subject.data,
            body=self.body.data,
            suggest=bool(self.suggest.data),
            points=self.points.data,
            offer_id=int(offer) if offer and str(offer).isdigit() else None,
            step_id=int(self.step_id.data)
            if str(self.step_id.data).isdigit()
            else None,
        )


class JourneyForm(LoyaltyForm):
    name = StringField(
        lazy_gettext("Name"),
        validators=[
            DataRequired(message=lazy_gettext("Give the journey a name.")),
            Length(max=200),
            plain_text,
        ],
    )
    trigger = SelectField(lazy_gettext("Starts with"), choices=trigger_choices())
    trigger_n = WholeNumberField(
        lazy_gettext("n (which order) or N (days without an order)"),
        validators=[Optional(), NumberRange(min=1, max=3650)],
    )
    segment = SelectField(lazy_gettext("Segment"), choices=[], validate_choice=False)
    reentry = SelectField(
        lazy_gettext("She may go through it"), choices=reentry_choices()
    )
    exit_on_order = BooleanField(lazy_gettext("She leaves the journey when she orders"))
    topic_id = SelectField(
        lazy_gettext("Emails go to subscribers of"), choices=[], validate_choice=False
    )
    holdout_percent = holdout_field(DEFAULT_SHARE[JOURNEY])
    steps = FieldList(FormField(StepForm), min_entries=1)

    def step_data(self) -> list[StepData]:
        return [
            row.form.to_data()
            for row in self.steps
            if not row.form.remove.data and not row.form.is_blank()
        ]


class EnterForm(LoyaltyForm):
    email = StringField(
        lazy_gettext("Put someone in by email address"),
        validators=[DataRequired(message=lazy_gettext("Enter an email address."))],
        render_kw={"type": "email", "autocomplete": "off"},
    )


class StepTestForm(LoyaltyForm):
    step = SelectField(lazy_gettext("Step"), choices=[], validate_choice=False)
    address = StringField(
        lazy_gettext("Send a test to"),
        validators=[DataRequired(message=lazy_gettext("Enter an email address."))],
        render_kw={"type": "email", "autocomplete": "email"},
    )
    first_name = StringField(
        lazy_gettext("Greet as (optional first name)"),
        validators=[Optional(), Length(max=100), plain_text],
    )
