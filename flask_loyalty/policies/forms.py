from __future__ import annotations

from wtforms import HiddenField
from wtforms import SelectChoice
from wtforms import SelectField
from wtforms import SelectMultipleField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms import widgets
from wtforms.validators import DataRequired
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import NumberRange

from ..forms import LoyaltyForm
from ..i18n import lazy_gettext
from ..points.forms import WholeNumberField


class PageForm(LoyaltyForm):
    """A policy page's title and Markdown text; Preview shows it, Save stores it."""

    slug = StringField(
        lazy_gettext("Address (after /policies/)"),
        validators=[Length(max=64)],
        render_kw={"placeholder": "gift-wrapping"},
    )
    title = StringField(
        lazy_gettext("Title"),
        validators=[
            DataRequired(message=lazy_gettext("Give the page a title.")),
            Length(max=200),
        ],
    )
    body = TextAreaField(
        lazy_gettext(
            "Text (Markdown: **bold**, *italic*, - lists, [link](https://...))"
        ),
        validators=[Length(max=50_000)],
        render_kw={"rows": 18},
    )
    language = HiddenField()


class _Checkboxes(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def _days(label: str) -> WholeNumberField:
    return WholeNumberField(
        label,
        validators=[
            InputRequired(message=lazy_gettext("Enter a number of days.")),
            NumberRange(min=0, max=3650, message=lazy_gettext("Enter 0 to 3650 days.")),
        ],
        render_kw={"inputmode": "numeric"},
    )


class RulesForm(LoyaltyForm):
    """The structured return rules."""

    window_days = _days(lazy_gettext("Days to ask for a return (0: no returns)"))
    condition = SelectField(
        lazy_gettext("Condition of returned goods"),
        choices=[
            SelectChoice("unused", lazy_gettext("unused, in the original packaging")),
            SelectChoice("unworn", lazy_gettext("unworn, with tags")),
            SelectChoice("any", lazy_gettext("any condition")),
        ],
    )
    shipping_paid_by = SelectField(
        lazy_gettext("Who pays return shipping"),
        choices=[
            SelectChoice("customer", lazy_gettext("the customer")),
            SelectChoice("shop", lazy_gettext("the shop")),
        ],
    )
    refund_methods = _Checkboxes(
        lazy_gettext("Ways to refund"),
        choices=[
            SelectChoice(
                "original", lazy_gettext("money back to the original payment")
            ),
            SelectChoice("store_credit", lazy_gettext("store credit")),
            SelectChoice("exchange", lazy_gettext("exchange")),
        ],
    )
    non_returnable = StringField(
        lazy_gettext("Categories that cannot be returned (comma-separated)"),
        validators=[Length(max=1000)],
        render_kw={"placeholder": "custom-made"},
    )
    refund_days = _days(lazy_gettext("Days until the refund is made"))
    return_address = TextAreaField(
        lazy_gettext("Address returns are sent to"),
        validators=[Length(max=1000)],
        render_kw={"rows": 4},
    )
    countries = StringField(
        lazy_gettext("Countries you ship to (two-letter codes, comma-separated)"),
        validators=[Length(max=200)],
        render_kw={"placeholder": "EE, FI, LV"},
    )
