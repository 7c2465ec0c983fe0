"""The offer editor's steps: when the offer is given (its trigger), what she gets
(its benefit), then the details and the message, where only the fields of the
chosen kinds show, labelled for them ("Stamps for a full card").

A field added to :class:`~flask_loyalty.offers.forms.OfferForm` that no section
names shows under "Conditions" for every kind.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass

from flask_babel import force_locale
from flask_babel import format_percent
from markupsafe import Markup
from markupsafe import escape

from ..forms import LoyaltyForm
from ..i18n import _
from ..i18n import lazy_gettext
from . import models as om


@dataclass(frozen=True)
class Choice:
    """One kind in a step's list: its value, its name and a line about it."""

    value: str
    label: t.Any
    hint: t.Any


TRIGGER_CHOICES = (
    Choice(
        om.FIRST_PURCHASE,
        lazy_gettext("First purchase"),
        lazy_gettext("A thank-you after her first order, for her next one."),
    ),
    Choice(
        om.NTH_PURCHASE,
        lazy_gettext("A later order"),
        lazy_gettext("On her second, third or tenth order: you choose which."),
    ),
    Choice(
        om.EVERY_PURCHASE,
        lazy_gettext("Every purchase after the first"),
        lazy_gettext("A small reward each time she comes back."),
    ),
    Choice(
        om.BIRTHDAY,
        lazy_gettext("Birthday"),
        lazy_gettext("On her birthday, if she told you the day."),
    ),
    Choice(
        om.WIN_BACK,
        lazy_gettext("Win-back"),
        lazy_gettext("When she has not ordered for a while."),
    ),
    Choice(
        om.NEWSLETTER,
        lazy_gettext("Newsletter confirmation"),
        lazy_gettext("When she confirms her newsletter subscription."),
    ),
    Choice(
        om.STAMP_CARD,
        lazy_gettext("Stamp card"),
        lazy_gettext("A stamp for each order; a full card gives the benefit."),
    ),
    Choice(
        om.MANUAL,
        lazy_gettext("Sent by hand to a segment"),
        lazy_gettext("You send it from the offer's report, when you like."),
    ),
)
BENEFIT_CHOICES = (
    Choice(
        om.PERCENT,
        lazy_gettext("Percent off"),
        lazy_gettext("A share off her next order, such as 20%."),
    ),
    Choice(
        om.AMOUNT,
        lazy_gettext("Amount off"),
        lazy_gettext("A fixed sum off her next order."),
    ),
    Choice(
        om.FREE_SHIPPING,
        lazy_gettext("Free shipping"),
        lazy_gettext("Her next order ships free."),
    ),
    Choice(
        om.GIFT,
        lazy_gettext("A free gift product"),
        lazy_gettext("A product of yours added to her next order for free."),
    ),
    Choice(
        om.COMPLEMENTARY,
        lazy_gettext("A complementary product at a discount"),
        lazy_gettext("A piece that goes with what she bought, at a percent off."),
    ),
    Choice(
        om.BONUS_POINTS,
        lazy_gettext("Bonus points"),
        lazy_gettext("Points added to her balance at once, without a code."),
    ),
    Choice(
        om.MULTIPLIER,
        lazy_gettext("Points multiplier"),
        lazy_gettext("More points on the order she uses the code on."),
    ),
)
TRIGGERS = {c.value: c for c in TRIGGER_CHOICES}
BENEFITS = {c.value: c for c in BENEFIT_CHOICES}

TRIGGER_FIELDS: dict[str, dict[str, t.Any]] = {
    om.NTH_PURCHASE: {
        "trigger_n": lazy_gettext("Which order brings it (2: her second order)")
    },
    om.WIN_BACK: {"trigger_n": lazy_gettext("After how many days without an order")},
    om.STAMP_CARD: {"trigger_n": lazy_gettext("Stamps for a full card")},
}
"""The fields each trigger needs, with their labels; the others need none."""
FIRST_N = {om.NTH_PURCHASE: 2, om.WIN_BACK: 180, om.STAMP_CARD: 9}
"""What a new offer's number starts at: the second order, half a year, nine stamps."""
BENEFIT_FIELDS: dict[str, dict[str, t.Any]] = {
    om.PERCENT: {"percent": lazy_gettext("Percent off")},
    om.AMOUNT: {"amount": lazy_gettext("Amount off")},
    om.GIFT: {"sku": lazy_gettext("The gift (the product's SKU)")},
    om.COMPLEMENTARY: {
        "sku": lazy_gettext("The matching product (its SKU)"),
        "percent": lazy_gettext("Percent off the matching product"),
    },
    om.BONUS_POINTS: {"points": lazy_gettext("Bonus points")},
    om.MULTIPLIER: {
        "points": lazy_gettext("Points multiplier in percent (200: double points)")
    },
}
"""The fields each benefit needs, with their labels."""
KIND_FIELDS = frozenset(
    name
    for fields in (*TRIGGER_FIELDS.values(), *BENEFIT_FIELDS.values())
    for name in fields
)
CODE_FIELDS = frozenset({"min_subtotal", "categories", "valid_days", "code_uses"})
"""The conditions of a code: bonus points come without one."""

HOLDOUT_NOTE = lazy_gettext(
    "This share of the customers it would go to get nothing and are not told, so"
    " its report can compare them with those who got it. Who is held out is decided"
    " once per customer; changing the share later moves no one already decided."
)
SECTIONS: tuple[tuple[str, t.Any, tuple[str, ...]], ...] = (
    ("offer", lazy_gettext("The offer"), ("name", "trigger_n", "active")),
    ("benefit", lazy_gettext("What she gets"), ("percent", "amount", "sku", "points")),
    (
        "conditions",
        lazy_gettext("Conditions"),
        (
            "min_subtotal",
            "categories",
            "valid_days",
            "once_per_customer",
            "code_uses",
            "max_uses",
            "budget",
            "starts_on",
            "ends_on",
        ),
    ),
    ("measuring", lazy_gettext("Measuring"), ("holdout_percent",)),
)
NOTES = {"measuring": HOLDOUT_NOTE}
"""A line under a section's fields."""
ELSEWHERE = frozenset({"csrf_token", "trigger", "benefit", "subject", "message"})
"""Fields the page places itself (hidden, or beside the preview)."""


@dataclass
class Section:
    key: str
    legend: t.Any
    fields: list[t.Any]
    note: t.Any = None


def shape(form: LoyaltyForm, trigger: str, benefit: str) -> list[Section]:
    """Keep in ``form`` only the fields ``trigger`` and ``benefit`` use (a value
    posted for another kind is not read), labelled for them; return the sections
    to show, each with its fields."""
    labels = {**TRIGGER_FIELDS.get(trigger, {}), **BENEFIT_FIELDS.get(benefit, {})}
    unused = (KIND_FIELDS - labels.keys()) | (
        CODE_FIELDS if benefit == om.BONUS_POINTS else frozenset()
    )
    for name in unused:
        if name in form:
            del form[name]
    for name, label in labels.items():
        form[name].label.text = label
    placed = {name for _key, _legend, names in SECTIONS for name in names}
    sections = [
        Section(key, legend, [form[name] for name in names if name in form])
        for key, legend, names in SECTIONS
    ]
    extra = [f for f in form if f.name not in placed and f.name not in ELSEWHERE]
    conditions = next(s for s in sections if s.key == "conditions")
    conditions.fields.extend(extra)
    for section in sections:
        section.note = NOTES.get(section.key)
    return [s for s in sections if s.fields]


def personal_fields(language: str) -> list[tuple[str, str | Markup]]:
    """What the owner may type into the subject and message, each with what it
    becomes; the fallback word ("friend") in the message's ``language``."""
    with force_locale(language):
        # Translators: stands for her first name ("Dear friend") when she gave none.
        friend = _("friend").replace('"', "").replace("\\", "")
    # The word is in the message's language, which may not be the page's.
    word = Markup('<span lang="{}">{}</span>').format(
        language.replace("_", "-"), friend
    )
    return [
        (
            '{{ first_name or "' + friend + '" }}',
            escape(_('Her first name, or "%(word)s" when she gave none'))
            % {"word": word},
        ),
        ("{{ first_name }}", _("Her first name")),
        ("{{ code }}", _("Her code")),
        (
            "{{ offer }}",
            _(
                'What she gets, in her language ("%(example)s")',
                example=_("%(percent)s off", percent=format_percent(0.2)),
            ),
        ),
        ("{{ shop_name }}", _("The shop's name")),
    ]
