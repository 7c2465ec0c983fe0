"""The shop's return rules: settings with defaults, a plain-language summary and
schema.org ``MerchantReturnPolicy`` JSON-LD built from them."""

from __future__ import annotations

import re
import typing as t
from dataclasses import dataclass
from dataclasses import field
from dataclasses import fields
from datetime import datetime

from sqlalchemy.orm import Session

from ..errors import InvalidPolicy
from ..i18n import _
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

    def returnable(self, category: str | None) -> bool:
        """Whether items of ``category`` may be returned at all."""
        banned = {c.casefold() for c in self.non_returnable}
        return (category or "").strip().casefold() not in banned


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
    for f in fields(ReturnPolicy):
        value = getattr(policy, f.name)
        setattr(row, f.name, ", ".join(value) if isinstance(value, list) else value)
    row.updated_at = now
    session.add(row)


def method_label(method: str) -> str:
    return {
        "original": _("your money back in the way you paid"),
        "store_credit": _("store credit"),
        "exchange": _("an exchange for another piece"),
    }[method]


def summary(policy: ReturnPolicy, from_delivery: bool = False) -> list[str]:
    """The rules in a few plain sentences, for the box atop the returns page (the
    window counted from the order, or from delivery with ``from_delivery``)."""
    if policy.window_days == 0:
        lines = [_("We cannot take items back once they are sent.")]
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
            lines.append(
                _(
                    "These cannot be returned: %(list)s.",
                    list=", ".join(policy.non_returnable),
                )
            )
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
