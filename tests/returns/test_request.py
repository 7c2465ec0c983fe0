"""A customer asks for a return: from the returns page, by order number and
email, picks items, and follows the status by a signed link."""

from __future__ import annotations

import re
import typing as t
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_loyalty import FrozenClock
from flask_loyalty.models import ReturnRequest
from flask_loyalty.policies.rules import ReturnPolicy
from flask_loyalty.policies.rules import save_rules
from flask_loyalty.returns.service import advance
from flask_loyalty.testing import sign_in

from .conftest import form_token
from .conftest import item_ids
from .conftest import mails
from .conftest import place_order
from .conftest import request_return
from .conftest import requests
from .conftest import start


def test_a_guest_requests_a_return_and_follows_it(shop: Flask) -> None:
    client = shop.test_client()
    response = request_return(client, shop, {"RNG-FERN": 1})
    assert response.status_code == 302
    status_url = response.headers["Location"]
    [(number, status, items)] = requests(shop)
    assert re.fullmatch(r"R-[2-9A-Z]{4}-[2-9A-Z]{4}", number)
    assert (status, items) == ("requested", {"RNG-FERN": 1})
    page = client.get(status_url).get_data(as_text=True)
    assert number in page and "requested" in page
    assert "How to send it back" in page and "Fern ring" in page
    [(to, subject, text)] = mails(shop)
    assert to == "anna@example.com" and number in subject
    assert "Dear Anna," in text and "1 × Fern ring" in text
    assert status_url.split("/")[-1] in text


def test_an_unknown_order_and_a_wrong_email_get_the_same_answer(shop: Flask) -> None:
    client = shop.test_client()
    unknown = start(client, number="SF-999")
    wrong = start(client, email="someone@example.com")
    assert unknown.status_code == wrong.status_code == 400
    assert _error(unknown) == _error(wrong)
    assert "We found no order with this number and email address" in _error(unknown)
    assert requests(shop) == [] and mails(shop) == []


def _error(response: t.Any) -> str:
    match = re.search(r'class="error"[^>]*>([^<]+)<', response.get_data(as_text=True))
    assert match, response.get_data(as_text=True)
    return match.group(1)


def test_lookups_are_rate_limited_by_order_number(
    make_app: t.Callable[..., Flask],
) -> None:
    app = make_app(LOYALTY_LOOKUP_RATE_LIMIT="3/15 minutes")
    with app.app_context():
        place_order(app.extensions["loyalty"].extension, "SF-1", days_ago=1)
    client = app.test_client()
    answers = [start(client, email=f"guess{n}@example.com") for n in range(3)]
    assert {a.status_code for a in answers} == {400}
    blocked = start(client)  # even the right address now waits
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.get_data(as_text=True)
    other = start(client, number="SF-2")  # another number is counted apart
    assert other.status_code == 400


def test_lookups_share_one_limit_across_processes_in_redis(
    make_app: t.Callable[..., Flask], redis_url: str
) -> None:
    settings = {
        "LOYALTY_LOOKUP_RATE_LIMIT": "2/15 minutes",
        "LOYALTY_RATE_LIMIT_STORAGE_URL": redis_url,
    }
    first, second = make_app(**settings), make_app(**settings)
    assert start(first.test_client(), number="SF-7").status_code == 400
    assert start(second.test_client(), number="SF-7").status_code == 400
    assert start(first.test_client(), number="SF-7").status_code == 429


def test_return_requests_count_against_her_address_only_when_saved(
    make_app: t.Callable[..., Flask], database_url: str
) -> None:
    """Each request mails her: they count like any mail a visitor can trigger."""
    app = make_app(database_url=database_url, LOYALTY_MAIL_LIMIT_PER_RECIPIENT="2/day")
    with app.app_context():
        place_order(app.extensions["loyalty"].extension, "SF-1", days_ago=1)
    client = app.test_client()
    assert request_return(client, app, {"RNG-FERN": 0}).status_code == 400
    assert request_return(client, app, {"RNG-FERN": 1}).status_code == 302
    assert request_return(client, app, {"RNG-FERN": 1}).status_code == 302

    refused = request_return(client, app, {"EAR-MOON": 1})

    assert refused.status_code == 429
    assert "Too many requests." in refused.get_data(as_text=True)
    assert [items for _n, _s, items in requests(app)] == [{"RNG-FERN": 1}] * 2
    assert len(mails(app)) == 2


@pytest.mark.parametrize(
    ("quantities", "message"),
    [
        ({"RNG-FERN": 3}, "You can return at most 2 of Fern ring"),
        ({"CUS-NAME": 1}, "Name necklace cannot be returned (custom-made)"),
        ({"RNG-FERN": 0}, "Choose at least one item to return."),
        ({"EAR-MOON": -1}, "Enter a whole number for Moon earrings."),
        ({"EAR-MOON": "two"}, "Enter a whole number for Moon earrings."),
    ],
)
def test_quantities_that_cannot_be_returned_are_refused_and_nothing_saved(
    shop: Flask, quantities: dict[str, t.Any], message: str
) -> None:
    _ban_custom_made(shop)
    response = request_return(shop.test_client(), shop, quantities)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert requests(shop) == [] and mails(shop) == []


def _ban_custom_made(app: Flask) -> None:
    with app.app_context():
        state = app.extensions["loyalty"]
        save_rules(
            state.session, state.now(), ReturnPolicy(non_returnable=["Custom-made"])
        )
        state.session.commit()


def test_what_was_already_returned_or_refunded_is_not_returnable_again(
    shop: Flask,
) -> None:
    client = shop.test_client()
    assert request_return(client, shop, {"RNG-FERN": 1}).status_code == 302
    with shop.app_context():  # the shop refunds the earrings itself
        shop.extensions["loyalty"].extension.record_refund(
            "SF-1", refund_id="shop-refund-1", items={"EAR-MOON": 1}
        )
    again = request_return(client, shop, {"RNG-FERN": 2})
    assert again.status_code == 400
    text = again.get_data(as_text=True)
    assert "at most 1 of Fern ring: you bought 2 and 1 are already returned" in text
    earrings = request_return(client, shop, {"EAR-MOON": 1})
    assert "at most 0 of Moon earrings" in earrings.get_data(as_text=True)
    assert request_return(client, shop, {"RNG-FERN": 1}).status_code == 302
    assert [items for _n, _s, items in requests(shop)] == [
        {"RNG-FERN": 1},
        {"RNG-FERN": 1},
    ]


def test_a_rejected_return_frees_its_items(shop: Flask) -> None:
    client = shop.test_client()
    request_return(client, shop, {"RNG-FERN": 2})
    with shop.app_context():
        state = shop.extensions["loyalty"]
        found = state.session.scalar(sa.select(ReturnRequest))
        advance(found, state.now(), "reject", "Worn, sorry.")
        state.session.commit()
    assert request_return(client, shop, {"RNG-FERN": 2}).status_code == 302


def test_after_the_window_the_answer_explains_the_policy_and_links_it(
    shop: Flask, clock: FrozenClock
) -> None:
    client = shop.test_client()
    sign_in(client, "anna@example.com")
    clock.advance(days=19, hours=23)  # an hour before the window closes
    account = client.get("/loyalty/").get_data(as_text=True)
    link = re.search(r'href="(/loyalty/returns/new/[^"]+)"', account)
    assert link
    clock.advance(minutes=90)  # the order is now just over 30 days old
    for page in (start(client), client.get(link.group(1))):
        assert page.status_code == 400
        text = page.get_data(as_text=True)
        assert "more than 30 days old: items can be returned within 30 days" in text
        assert 'href="/loyalty/policies/returns"' in text
    assert "Return items of order" not in client.get("/loyalty/").get_data(as_text=True)
    assert requests(shop) == []


def test_a_tampered_status_link_gets_a_clear_message(shop: Flask) -> None:
    client = shop.test_client()
    url = request_return(client, shop, {"RNG-FERN": 1}).headers["Location"]
    token = url.rsplit("/", 1)[1]
    for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "x.y.z"):
        response = client.get(f"/loyalty/returns/status/{bad}")
        assert response.status_code == 400
        assert "This link is not valid" in response.get_data(as_text=True)
    forged = client.get(url.replace("/status/", "/new/"))  # a status token elsewhere
    assert forged.status_code == 400


def test_the_status_link_expires(shop: Flask, clock: FrozenClock) -> None:
    client = shop.test_client()
    url = request_return(client, shop, {"RNG-FERN": 1}).headers["Location"]
    clock.advance(days=181)
    response = client.get(url)
    assert response.status_code == 400
    assert "This link has expired" in response.get_data(as_text=True)


def test_the_printable_instructions_name_the_number_items_and_address(
    shop: Flask,
) -> None:
    with shop.app_context():
        state = shop.extensions["loyalty"]
        save_rules(
            state.session,
            state.now(),
            ReturnPolicy(return_address="Silver Fern, Telliskivi 60a, Tallinn"),
        )
        state.session.commit()
    client = shop.test_client()
    url = request_return(client, shop, {"RNG-FERN": 2}).headers["Location"]
    [(number, _s, _i)] = requests(shop)
    printed = client.get(url + "/print").get_data(as_text=True)
    assert number in printed and "Telliskivi 60a" in printed
    assert re.search(r"Fern ring.*?<td class=\"num\">2</td>", printed, re.S)


def test_she_starts_a_return_from_her_account_page(shop: Flask) -> None:
    client = shop.test_client()
    sign_in(client, "anna@example.com")
    account = client.get("/loyalty/").get_data(as_text=True)
    link = re.search(r'href="(/loyalty/returns/new/[^"]+)"', account)
    assert link and "Return items of order SF-1" in account
    page = client.get(link.group(1)).get_data(as_text=True)
    ids = item_ids(shop)
    response = client.post(
        link.group(1),
        data={
            "csrf_token": form_token(page),
            f"qty-{ids['EAR-MOON']}": "1",
            "reason": "damaged",
            "resolution": "original",
        },
    )
    assert response.status_code == 302
    [(number, _s, _i)] = requests(shop)
    assert number in client.get("/loyalty/").get_data(as_text=True)


def test_a_resolution_the_shop_does_not_offer_is_refused(shop: Flask) -> None:
    response = request_return(
        shop.test_client(), shop, {"RNG-FERN": 1}, resolution="exchange"
    )
    assert response.status_code == 400
    assert requests(shop) == []


def test_her_account_page_lists_her_return_with_its_status(shop: Flask) -> None:
    client = shop.test_client()
    status_url = request_return(client, shop, {"RNG-FERN": 1}).headers["Location"]
    [(number, _status, _items)] = requests(shop)
    sign_in(client, "anna@example.com")
    account = client.get("/loyalty/").get_data(as_text=True)
    listed = re.search(
        r'<li><a href="([^"]+)">Return ([^<]+)</a> · ([^<]+)</li>', account
    )
    assert listed, account
    assert listed.group(1) == urlsplit(status_url).path
    assert listed.group(2) == number
    assert listed.group(3).split(" · ") == ["order SF-1", "requested"]
