"""Structured return rules: a plain-language summary atop the returns page, and
schema.org MerchantReturnPolicy JSON-LD built from the same settings."""

from __future__ import annotations

import json
import re

import pytest
from flask import Flask

from flask_loyalty import InvalidPolicy
from flask_loyalty.policies.rules import ReturnPolicy
from flask_loyalty.policies.rules import check_rules
from flask_loyalty.policies.rules import load_rules

from .conftest import as_owner
from .conftest import form_token

RULES = "/loyalty/owner/returns/rules"


def save(client: object, **fields: object) -> object:
    page = client.get(RULES).get_data(as_text=True)  # type: ignore[attr-defined]
    data = {
        "csrf_token": form_token(page),
        "window_days": "14",
        "condition": "unworn",
        "shipping_paid_by": "shop",
        "refund_methods": ["original", "store_credit", "exchange"],
        "non_returnable": "custom-made, engraved",
        "refund_days": "5",
        "return_address": "Telliskivi 60a, Tallinn",
        "countries": "ee, FI",
    }
    data.update(fields)
    return client.post(RULES, data=data)  # type: ignore[attr-defined]


def returns_page(app: Flask) -> str:
    return app.test_client().get("/loyalty/policies/returns").get_data(as_text=True)


def json_ld(page: str) -> dict[str, object]:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', page)
    assert match, page
    return json.loads(match.group(1))


def test_the_default_rules_give_a_summary_and_json_ld(shop: Flask) -> None:
    page = returns_page(shop)
    assert "You can return items within 30 days of your order." in page
    assert "You pay for the return shipping." in page
    data = json_ld(page)
    assert data["@type"] == "MerchantReturnPolicy"
    assert data["merchantReturnDays"] == 30
    assert data["returnFees"] == "https://schema.org/ReturnFeesCustomerResponsibility"
    assert data["url"] == "http://shop.test/loyalty/policies/returns"


def test_the_owner_saves_rules_and_the_page_follows(shop: Flask) -> None:
    response = save(as_owner(shop))
    assert response.status_code == 302  # type: ignore[attr-defined]
    page = returns_page(shop)
    summary = re.search(r'<section class="card summary".*?</section>', page, re.S)
    assert summary
    lines = re.findall(r"<li>(.*?)</li>", summary.group(0))
    assert lines == [
        "You can return items within 14 days of your order.",
        "Items must be unworn, with any tags still attached.",
        "Return shipping is free: we pay for it.",
        "You choose: your money back in the way you paid, store credit or an"
        " exchange for another piece.",
        "These cannot be returned: custom-made, engraved.",
        "Your refund is made within 5 days of our receiving the parcel.",
    ]
    assert json_ld(page) == {
        "@context": "https://schema.org",
        "@type": "MerchantReturnPolicy",
        "url": "http://shop.test/loyalty/policies/returns",
        "merchantReturnLink": "http://shop.test/loyalty/policies/returns",
        "applicableCountry": ["EE", "FI"],
        "returnPolicyCategory": "https://schema.org/MerchantReturnFiniteReturnWindow",
        "merchantReturnDays": 14,
        "returnMethod": "https://schema.org/ReturnByMail",
        "returnFees": "https://schema.org/FreeReturn",
        "refundType": [
            "https://schema.org/FullRefund",
            "https://schema.org/StoreCreditRefund",
            "https://schema.org/ExchangeRefund",
        ],
        "itemCondition": ["https://schema.org/NewCondition"],
    }
    form = as_owner(shop).get(RULES).get_data(as_text=True)
    assert 'value="custom-made, engraved"' in form


def test_no_returns_at_all_says_so(shop: Flask) -> None:
    save(as_owner(shop), window_days="0")
    page = returns_page(shop)
    assert "We cannot take items back once they are sent." in page
    assert json_ld(page)["returnPolicyCategory"] == (
        "https://schema.org/MerchantReturnNotPermitted"
    )
    assert 'id="start-return"' not in page


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"refund_methods": []}, "Choose at least one way to refund."),
        ({"window_days": "-1"}, "Enter 0 to 3650 days."),
        ({"window_days": "ten"}, "Enter a whole number"),
        ({"countries": "Estonia"}, "Countries are two-letter codes"),
        ({"shipping_paid_by": "nobody"}, "Not a valid choice"),
    ],
)
def test_rules_that_cannot_work_are_refused(
    shop: Flask, fields: dict[str, object], message: str
) -> None:
    response = save(as_owner(shop), **fields)
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert message in response.get_data(as_text=True)  # type: ignore[attr-defined]
    with shop.app_context():
        assert load_rules(shop.extensions["loyalty"].session) == ReturnPolicy()


def test_check_rules_names_what_is_wrong() -> None:
    with pytest.raises(InvalidPolicy, match="Choose at least one way to refund"):
        check_rules(ReturnPolicy(refund_methods=["cash"]))
    with pytest.raises(InvalidPolicy, match="Days must be a whole number"):
        check_rules(ReturnPolicy(window_days=True))
