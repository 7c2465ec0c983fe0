"""The owner's offer form and the send-to-segment form."""

from __future__ import annotations

from wtforms import BooleanField
from wtforms import DateField
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
from ..forms import MoneyField
from ..i18n import lazy_gettext
from ..measure.forms import holdout_field
from ..measure.holdout import DEFAULT_SHARE
from ..measure.models import OFFER
from . import models as om

TRIGGER_LABELS = {
    om.FIRST_PURCHASE: lazy_gettext("First purchase"),
    om.NTH_PURCHASE: lazy_gettext("The n-th purchase"),
    om.EVERY_PURCHASE: lazy_gettext("Every purchase after the first"),
    om.BIRTHDAY: lazy_gettext("Birthday"),
    om.WIN_BACK: lazy_gettext("Win-back after N days without a purchase"),
    om.NEWSLETTER: lazy_gettext("Newsletter confirmation"),
    om.MANUAL: lazy_gettext("Sent by hand to a segment"),
    om.STAMP_CARD: lazy_gettext("Stamp card: buy N, the next one free"),
}
BENEFIT_LABELS = {
    om.PERCENT: lazy_gettext("Percent off"),
    om.AMOUNT: lazy_gettext("Amount off"),
    om.FREE_SHIPPING: lazy_gettext("Free shipping"),
    om.GIFT: lazy_gettext("A free gift product"),
    om.COMPLEMENTARY: lazy_gettext("A complementary product at a discount"),
    om.BONUS_POINTS: lazy_gettext("Bonus points"),
    om.MULTIPLIER: lazy_gettext("Points multiplier"),
}
WHOLE = {"inputmode": "numeric"}


def message_field() -> TextAreaField:
    """The offer's personal message to the customer, in the offer form (the
    default language) and in :class:`~flask_loyalty.offers.owner_messages.MessageForm`
    (the others)."""
    return TextAreaField(
        lazy_gettext("Personal message (Markdown)"),
        validators=[Length(max=20_000)],
        render_kw={"rows": 10, "style": "width: 100%; box-sizing: border-box"},
    )


class OfferForm(LoyaltyForm):
    """An offer: trigger, benefit, conditions, message."""

    name = StringField(
        lazy_gettext("Name (for you)"),
        validators=[
            DataRequired(message=lazy_gettext("Give the offer a name.")),
            Length(max=200),
        ],
    )
    trigger = SelectField(
        lazy_gettext("Issued on"),
        choices=[SelectChoice(k, v) for k, v in TRIGGER_LABELS.items()],
    )
    trigger_n = IntegerField(
        lazy_gettext("N (the n-th purchase, days for win-back, stamps for a card)"),
        default=0,
        validators=[Optional(), NumberRange(min=0, max=10_000)],
        render_kw=WHOLE,
    )
    benefit = SelectField(
        lazy_gettext("Gives"),
        choices=[SelectChoice(k, v) for k, v in BENEFIT_LABELS.items()],
    )
    percent = IntegerField(
        lazy_gettext("Percent off (0 to 100)"),
        default=0,
        validators=[Optional()],
        render_kw=WHOLE,
    )
    amount = MoneyField(lazy_gettext("Amount off"), validators=[Optional()])
    sku = StringField(
        lazy_gettext("Product SKU (the gift or the complementary product)"),
        validators=[Optional(), Length(max=64)],
    )
    points = IntegerField(
        lazy_gettext("Bonus points, or the multiplier in percent (200 = double)"),
        default=0,
        validators=[Optional(), NumberRange(min=0, max=1_000_000)],
        render_kw=WHOLE,
    )
    min_subtotal = MoneyField(lazy_gettext("Minimum order"), validators=[Optional()])
    categories = StringField(
        lazy_gettext("Only for these categories (comma-separated; empty: all)"),
        validators=[Optional(), Length(max=500)],
    )
    valid_days = IntegerField(
        lazy_gettext("Code valid for (days; 0: until the offer ends)"),
        default=30,
        validators=[InputRequired(), NumberRange(min=0, max=3650)],
        render_kw=WHOLE,
    )
    once_per_customer = BooleanField(lazy_gettext("Once per customer"), default=True)
    code_uses = IntegerField(
        lazy_gettext("Orders one code can be used on (0: any number)"),
        default=1,
        validators=[InputRequired(), NumberRange(min=0, max=1000)],
        render_kw=WHOLE,
    )
    max_uses = IntegerField(
        lazy_gettext("Cap on total uses (empty: none)"),
        validators=[Optional(), NumberRange(min=1, max=10_000_000)],
        render_kw=WHOLE,
    )
    budget = MoneyField(
        lazy_gettext("Total discount budget (empty: none)"), validators=[Optional()]
    )
    starts_on = DateField(lazy_gettext("Starts on"), validators=[Optional()])
    ends_on = DateField(lazy_gettext("Ends on (the last day)"), validators=[Optional()])
    active = BooleanField(lazy_gettext("Active"), default=True)
    subject = StringField(
        lazy_gettext("Email subject"),
        validators=[Length(max=200)],
        render_kw={
            "placeholder": lazy_gettext("A thank-you gift for you, {{ first_name }}")
        },
    )
    message = message_field()
    holdout_percent = holdout_field(DEFAULT_SHARE[OFFER])


class SendForm(LoyaltyForm):
    """Send an offer by hand to a segment."""

    segment = SelectField(lazy_gettext("Segment"), choices=[])
