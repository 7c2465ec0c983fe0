"""The shop's return rules: settings with defaults, a plain-language summary and
schema.org ``MerchantReturnPolicy`` JSON-LD built from them."""

from __future__ import annotations

import re
import typing as t
from dataclasses import dataclass
from dataclasses import field
from dataclasses import fields
from datetime import datetime

from markupsafe import Markup
from markupsafe import escape
from sqlalchemy.orm import Session

from ..content_versions import check_language
from ..content_versions import shown_with_language
from ..errors import InvalidPolicy
from ..i18n import _
from ..i18n import in_its_language
from ..i18n import ngettext
from .models import ReturnRules

CONDITIONS = ("unused", "unworn", "any")
PAYERS = ("shop", "customer")
METHODS = ("original", "store_credit", "exchange")
MAX_DAYS = 3650
SCHEMA = "https://schema.org/"
_COUNTRY = re.compile(r"^[A-Z]{2}$")


@dataclass
class ReturnPolicy:
    """The return rules as plain values (the defaults when never saved)."""

    window_days: int = 30
    condition: str = "unused"
    shipping_paid_by: str = "customer"
    refund_methods: list[str] = field(default_factory=lambda: ["original"])
    non_returnable: list[str] = field(default_factory=list)
    refund_days: int = 14
    return_address: str = ""
    countries: list[str] = field(default_factory=list)
    labels: dict[str, dict[str, str]] | None = None
    """The ``non_returnable`` categories' labels in the shop's other languages,
    by language then category (``{"hu": {"custom-made": "egyedi ..."}}``);
    ``None`` when saving: keep the stored ones of the categories still listed."""

    def returnable(self, category: str | None) -> bool:
        """Whether items of ``category`` may be returned at all."""
        banned = {c.casefold() for c in self.non_returnable}
        return (category or "").strip().casefold() not in banned

    def category_label(self, category: str | None) -> str:
        """``category`` as a reader of the language being written now reads it:
        the owner's label in that language, else ``category`` itself."""
        return str(self.category_shown(category, marked=False))

    def category_shown(
        self, category: str | None, *, marked: bool = True
    ) -> Markup | str:
        """:meth:`category_label`, marked with the default language's ``lang``
        when there is no label in the language being written now."""
        written = (category or "").strip()
        for listed in self.non_returnable:
            if listed.casefold() == written.casefold():
                label, language = shown_with_language(self.labels, listed, written)
                return in_its_language(label, language) if marked else label
        return in_its_language(written) if marked else written

    def category_languages(self, offered: t.Sequence[str]) -> dict[str, list[str]]:
        """Each category with the offered languages it has a label in, the
        default (the category's own words) first."""
        labels = self.labels or {}
        return {
            category: [
                code
                for index, code in enumerate(offered)
                if index == 0 or labels.get(code, {}).get(category)
            ]
            for category in self.non_returnable
        }


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def load_rules(session: Session) -> ReturnPolicy:
    """The saved return rules, or the defaults."""
    return policy_from_row(session.get(ReturnRules, 1))


def policy_from_row(row: ReturnRules | None) -> ReturnPolicy:
    """The rules of a saved row (``None``: never saved, the defaults)."""
    if row is None:
        return ReturnPolicy()
    return ReturnPolicy(
        window_days=row.window_days,
        condition=row.condition,
        shipping_paid_by=row.shipping_paid_by,
        refund_methods=_split(row.refund_methods),
        non_returnable=_split(row.non_returnable),
        refund_days=row.refund_days,
        return_address=row.return_address,
        countries=_split(row.countries),
        labels=row.translations or {},
    )


def check_rules(policy: ReturnPolicy) -> None:
    """:raises InvalidPolicy: if the rules cannot work, saying which."""
    for name in ("window_days", "refund_days"):
        value = getattr(policy, name)
        if not isinstance(value, int) or isinstance(value, bool):
            raise InvalidPolicy(_("Days must be a whole number."))
        if not 0 <= value <= MAX_DAYS:
            raise InvalidPolicy(_("Days must be between 0 and 3650."))
    if policy.condition not in CONDITIONS:
        raise InvalidPolicy(_("Choose the condition returned goods must be in."))
    if policy.shipping_paid_by not in PAYERS:
        raise InvalidPolicy(_("Choose who pays for return shipping."))
    if not policy.refund_methods or set(policy.refund_methods) - set(METHODS):
        raise InvalidPolicy(_("Choose at least one way to refund."))
    for category in policy.non_returnable:
        if len(category) > 100 or not category.isprintable():
            raise InvalidPolicy(_("A category name is too long or not plain text."))
    if len(policy.return_address) > 1000:
        raise InvalidPolicy(_("The return address can have at most 1000 characters."))
    for country in policy.countries:
        if not _COUNTRY.match(country):
            raise InvalidPolicy(
                _(
                    "Countries are two-letter codes, like EE or FI: %(code)s is not.",
                    code=country,
                )
            )


def save_rules(session: Session, now: datetime, policy: ReturnPolicy) -> None:
    """Store the return rules (validated first; nothing changes on an error).

    :raises InvalidPolicy: if the rules cannot work.
    """
    check_rules(policy)
    row = session.get(ReturnRules, 1) or ReturnRules(id=1)
    labels = policy.labels if policy.labels is not None else row.translations or {}
    listed = set(policy.non_returnable)
    for f in fields(ReturnPolicy):
        if f.name == "labels":
            continue
        value = getattr(policy, f.name)
        setattr(row, f.name, ", ".join(value) if isinstance(value, list) else value)
    kept = {
        code: {c: label for c, label in version.items() if c in listed and label}
        for code, version in labels.items()
    }
    row.translations = {code: v for code, v in kept.items() if v} or None
    row.updated_at = now
    session.add(row)


def save_category_labels(
    session: Session,
    now: datetime,
    language: object,
    languages: t.Sequence[str],
    labels: t.Mapping[str, str],
) -> str:
    """Store the labels of the non-returnable categories in ``language`` (one of
    the shop's ``languages``, not the default: there a category's label is its
    own name); an empty label removes that one (readers get the category as
    written). Returns the language (not committed).

    :raises InvalidPolicy: an unknown or the default language, no categories, a
        category that is not listed, or a label too long or not plain text.
    """
    code = check_language(language, languages, InvalidPolicy)
    if code == languages[0]:
        raise InvalidPolicy(
            _("In the default language a category is shown as you wrote it.")
        )
    row = session.get(ReturnRules, 1)
    listed = _split(row.non_returnable) if row is not None else []
    if row is None or not listed:
        raise InvalidPolicy(_("There are no categories that cannot be returned."))
    if set(labels) - set(listed):
        raise InvalidPolicy(_("The categories changed meanwhile; please try again."))
    version = {}
    for category in listed:
        label = " ".join((labels.get(category) or "").split())
        if len(label) > 100 or not label.isprintable():
            raise InvalidPolicy(_("A category name is too long or not plain text."))
        if label:
            version[category] = label
    versions = dict(row.translations or {})
    if version:
        versions[code] = version
    else:
        versions.pop(code, None)
    row.translations = versions or None
    row.updated_at = now
    return code


def method_label(method: str) -> str:
    return {
        "original": _("your money back in the way you paid"),
        "store_credit": _("store credit"),
        "exchange": _("an exchange for another piece"),
    }[method]


def summary(policy: ReturnPolicy, from_delivery: bool = False) -> list[str | Markup]:
    """The rules in a few plain sentences, for the box atop the returns page (the
    window counted from the order, or from delivery with ``from_delivery``); a
    category the owner has not named in the reader's language is marked with
    the default language (the line is markup then)."""
    if policy.window_days == 0:
        lines: list[str | Markup] = [_("We cannot take items back once they are sent.")]
    elif from_delivery:
        lines = [
            ngettext(
                "You can return items within %(num)d day of receiving your order.",
                "You can return items within %(num)d days of receiving your order.",
                policy.window_days,
            )
        ]
    else:
        lines = [
            ngettext(
                "You can return items within %(num)d day of your order.",
                "You can return items within %(num)d days of your order.",
                policy.window_days,
            )
        ]
        lines.append(
            {
                "unused": _("Items must be unused and in their original packaging."),
                "unworn": _("Items must be unworn, with any tags still attached."),
                "any": _("We take items back in any condition."),
            }[policy.condition]
        )
        lines.append(
            _("Return shipping is free: we pay for it.")
            if policy.shipping_paid_by == "shop"
            else _("You pay for the return shipping.")
        )
        methods = [method_label(m) for m in policy.refund_methods]
        lines.append(
            _("You get %(what)s.", what=methods[0])
            if len(methods) == 1
            else _(
                "You choose: %(list)s or %(last)s.",
                list=", ".join(methods[:-1]),
                last=methods[-1],
            )
        )
        if policy.non_returnable:
            sentence = escape(_("These cannot be returned: %(list)s.", list="\x00"))
            shown = Markup(", ").join(
                policy.category_shown(c) for c in policy.non_returnable
            )
            lines.append(Markup(sentence.replace("\x00", shown)))
        if policy.refund_days:
            lines.append(
                ngettext(
                    "Your refund is made within %(num)d day of our receiving the"
                    " parcel.",
                    "Your refund is made within %(num)d days of our receiving the"
                    " parcel.",
                    policy.refund_days,
                )
            )
    return lines


def json_ld(policy: ReturnPolicy, url: str) -> dict[str, t.Any]:
    """schema.org ``MerchantReturnPolicy`` for the returns page (embed as JSON-LD)."""
    data: dict[str, t.Any] = {
        "@context": "https://schema.org",
        "@type": "MerchantReturnPolicy",
        "url": url,
        "merchantReturnLink": url,
    }
    if policy.countries:
        data["applicableCountry"] = policy.countries
    if policy.window_days == 0:
        data["returnPolicyCategory"] = SCHEMA + "MerchantReturnNotPermitted"
        return data
    data.update(
        {
            "returnPolicyCategory": SCHEMA + "MerchantReturnFiniteReturnWindow",
            "merchantReturnDays": policy.window_days,
            "returnMethod": SCHEMA + "ReturnByMail",
            "returnFees": SCHEMA
            + (
                "FreeReturn"
                if policy.shipping_paid_by == "shop"
                else "ReturnFeesCustomerResponsibility"
            ),
            "refundType": [
                SCHEMA
                + {
                    "original": "FullRefund",
                    "store_credit": "StoreCreditRefund",
                    "exchange": "ExchangeRefund",
                }[m]
                for m in policy.refund_methods
            ],
        }
    )
    if policy.condition != "any":
        data["itemCondition"] = [SCHEMA + "NewCondition"]
    return data
