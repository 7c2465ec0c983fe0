from __future__ import annotations

import typing as t
import uuid

from wtforms import DecimalField
from wtforms import FieldList
from wtforms import Form
from wtforms import FormField
from wtforms import HiddenField
from wtforms import IntegerField
from wtforms import SelectChoice
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import DataRequired
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import NumberRange
from wtforms.validators import Optional

from ..forms import LoyaltyForm
from ..forms import TranslatedMeta
from ..i18n import lazy_gettext
from .models import AFTER_EARNING
from .models import CASHBACK
from .models import INACTIVITY
from .models import NO_EXPIRY
from .models import PER_UNIT

TIER_ROWS = 4


def new_key(prefix: str) -> str:
    """A fresh idempotency key for one form shown: a double submit counts once."""
    return f"{prefix}:{uuid.uuid4()}"


class WholeNumberField(IntegerField):
    """An integer field whose error for "ten" or "2.5" is the extension's own."""

    def process_formdata(self, valuelist: list[t.Any]) -> None:
        if not valuelist or valuelist[0] in ("", None):
            self.data = None
            return
        try:
            self.data = int(str(valuelist[0]).strip())
        except ValueError:
            self.data = None
            raise ValueError(lazy_gettext("Enter a whole number, like 500.")) from None


def _whole(message: str) -> list[object]:
    return [InputRequired(message=message), NumberRange(min=0, max=1_000_000_000)]


class RedeemForm(LoyaltyForm):
    """Turn points into a discount code."""

    points = WholeNumberField(
        lazy_gettext("Points to redeem"),
        validators=[
            InputRequired(message=lazy_gettext("Enter how many points to redeem.")),
            NumberRange(
                min=1, message=lazy_gettext("Enter a number of points above zero.")
            ),
        ],
        render_kw={"inputmode": "numeric", "min": 1},
    )
    key = HiddenField()


class BirthdayForm(LoyaltyForm):
    """Her birthday, for a birthday bonus."""

    birthday = StringField(
        lazy_gettext("Your birthday"),
        validators=[DataRequired(message=lazy_gettext("Enter your birthday."))],
        render_kw={
            "type": "date",
            # Translators: how to write a date in the birthday field (year-month-day).
            "placeholder": lazy_gettext("YYYY-MM-DD"),
        },
    )


class AdjustForm(LoyaltyForm):
    """The owner adds or removes points by hand, with a reason."""

    points = WholeNumberField(
        lazy_gettext("Points (negative to remove)"),
        validators=[
            InputRequired(message=lazy_gettext("Enter a number of points.")),
            NumberRange(min=-10_000_000, max=10_000_000),
        ],
    )
    reason = StringField(
        lazy_gettext("Reason"),
        validators=[
            DataRequired(message=lazy_gettext("Give a reason for the adjustment.")),
            Length(max=500),
        ],
    )
    key = HiddenField()


class TierForm(Form):
    """One tier row of the program form; a row without a name is left out."""

    Meta = TranslatedMeta

    name = StringField(lazy_gettext("Tier name"), validators=[Length(max=50)])
    threshold = DecimalField(
        lazy_gettext("From 12-month spend of"),
        places=2,
        validators=[Optional(), NumberRange(min=0)],
    )
    multiplier = IntegerField(
        lazy_gettext("Earn multiplier (%)"),
        validators=[Optional(), NumberRange(min=1, max=1000)],
    )
    perks = TextAreaField(lazy_gettext("Perks"), validators=[Length(max=500)])


class ProgramForm(LoyaltyForm):
    """The points program settings."""

    earn_mode = SelectField(
        lazy_gettext("Customers earn"),
        choices=[
            SelectChoice(PER_UNIT, lazy_gettext("points per currency unit spent")),
            SelectChoice(
                CASHBACK, lazy_gettext("cash back as a percentage, in points")
            ),
        ],
    )
    points_per_unit = IntegerField(
        lazy_gettext("Points per currency unit"),
        validators=_whole(lazy_gettext("Enter a whole number.")),
    )
    cashback_percent = DecimalField(
        lazy_gettext("Cash back (%)"),
        places=2,
        validators=[InputRequired(), NumberRange(min=0, max=100)],
    )
    point_value_cents = IntegerField(
        lazy_gettext("Value of one point (in cents)"),
        validators=[InputRequired(), NumberRange(min=1, max=1_000_000)],
    )
    min_redeem = IntegerField(
        lazy_gettext("Fewest points to redeem at once"),
        validators=_whole(lazy_gettext("Enter a whole number.")),
    )
    code_valid_days = IntegerField(
        lazy_gettext("Days a points code stays valid (0: no end)"),
        validators=[InputRequired(), NumberRange(min=0, max=3650)],
    )
    signup_bonus = IntegerField(
        lazy_gettext("Sign-up bonus (with the first order)"),
        validators=_whole(lazy_gettext("Enter a whole number.")),
    )
    newsletter_bonus = IntegerField(
        lazy_gettext("Newsletter confirmation bonus"),
        validators=_whole(lazy_gettext("Enter a whole number.")),
    )
    birthday_bonus = IntegerField(
        lazy_gettext("Birthday bonus"),
        validators=_whole(lazy_gettext("Enter a whole number.")),
    )
    referrer_bonus = IntegerField(
        lazy_gettext("Referral bonus for the customer who refers"),
        validators=_whole(lazy_gettext("Enter a whole number.")),
    )
    referred_bonus = IntegerField(
        lazy_gettext("Referral bonus for the new customer"),
        validators=_whole(lazy_gettext("Enter a whole number.")),
    )
    expiry_mode = SelectField(
        lazy_gettext("Points expire"),
        choices=[
            SelectChoice(NO_EXPIRY, lazy_gettext("never")),
            SelectChoice(
                AFTER_EARNING, lazy_gettext("N months after they were earned")
            ),
            SelectChoice(
                INACTIVITY, lazy_gettext("after N months without earning any")
            ),
        ],
    )
    expiry_months = IntegerField(
        lazy_gettext("N (months)"),
        validators=[InputRequired(), NumberRange(min=1, max=120)],
    )
    warning_days = IntegerField(
        lazy_gettext("Warn customers this many days before (0: no warning)"),
        validators=[InputRequired(), NumberRange(min=0, max=365)],
    )
    tiers = FieldList(FormField(TierForm), min_entries=TIER_ROWS, max_entries=TIER_ROWS)


class TierVersionForm(Form):
    """One tier's name and perks in one language."""

    Meta = TranslatedMeta

    name = StringField(lazy_gettext("Tier name"), validators=[Length(max=50)])
    perks = TextAreaField(
        lazy_gettext("Perks"), validators=[Length(max=500)], render_kw={"rows": 2}
    )


class TierVersionsForm(LoyaltyForm):
    """Every tier's name and perks in one language."""

    language = HiddenField()
    tiers = FieldList(FormField(TierVersionForm), max_entries=50)
