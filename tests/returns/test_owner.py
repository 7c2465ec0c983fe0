"""The owner works through return requests: approve or reject with a message,
mark the parcel received, refund; the refund goes through record_refund and the
points of the returned items are taken back."""

from __future__ import annotations

import re
import typing as t
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from flask_loyalty import OrderLine
from flask_loyalty import signals
from flask_loyalty.customers.service import find_customer
from flask_loyalty.models import Refund
from flask_loyalty.points import ledger

from .conftest import form_token
from .conftest import mails
from .conftest import request_return
from .conftest import requests
from .conftest import start


def owner(app: Flask) -> FlaskClient:
    app.extensions["loyalty"].extension.owner_check(lambda: True)
    return app.test_client()


def step(client: FlaskClient, number: str, name: str, message: str = "") -> t.Any:
    page = client.get(f"/loyalty/owner/returns/{number}").get_data(as_text=True)
    return client.post(
        f"/loyalty/owner/returns/{number}",
        data={"csrf_token": form_token(page), "step": name, "message": message},
    )


def points(app: Flask) -> int:
    with app.app_context():
        session = app.extensions["loyalty"].session
        customer = find_customer(session, "anna@example.com")
        assert customer is not None
        assert ledger.balance(session, customer.id) == ledger.ledger_balance(
            session, customer.id
        )
        return ledger.balance(session, customer.id)


def test_approve_receive_refund_takes_the_points_back(shop: Flask) -> None:
    before = points(shop)
    assert before == 750  # 150.00 at 5 points per euro
    customer = shop.test_client()
    status_url = request_return(customer, shop, {"RNG-FERN": 2}).headers["Location"]
    [(number, _s, _i)] = requests(shop)
    client = owner(shop)
    listing = client.get("/loyalty/owner/returns/").get_data(as_text=True)
    assert number in listing and "Anna Tamm" in listing

    assert step(client, number, "approve", "Thanks, send it over.").status_code == 302
    assert "approved" in customer.get(status_url).get_data(as_text=True)
    assert step(client, number, "receive").status_code == 302
    assert points(shop) == before  # nothing refunded yet
    done = step(client, number, "refund")
    assert done.status_code == 302
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "The refund is recorded and the points are taken back." in page

    assert points(shop) == before - 400  # 80.00 of rings at 5 points per euro
    with shop.app_context():
        refund = shop.extensions["loyalty"].session.scalar(sa.select(Refund))
        assert refund is not None
        assert (refund.reference, refund.amount_cents) == (f"return:{number}", 8000)
    assert [s for _n, s, _i in requests(shop)] == ["refunded"]
    status = customer.get(status_url).get_data(as_text=True)
    assert "refunded" in status and "Your refund is done." in status
    subjects = [subject for _to, subject, _text in mails(shop)]
    assert subjects == [
        f"Your return {number} at shop",
        f"Your return {number} is approved",
        f"We received your return {number}",
        f"Your return {number} is refunded",
    ]
    assert "open" in client.get("/loyalty/owner/returns/").get_data(as_text=True)
    assert number not in client.get("/loyalty/owner/returns/").get_data(as_text=True)


def test_a_rejection_needs_a_message_the_customer_then_reads(shop: Flask) -> None:
    customer = shop.test_client()
    status_url = request_return(customer, shop, {"EAR-MOON": 1}).headers["Location"]
    [(number, _s, _i)] = requests(shop)
    client = owner(shop)
    silent = step(client, number, "reject")
    assert silent.status_code == 400
    assert "Tell the customer why" in silent.get_data(as_text=True)
    assert [s for _n, s, _i in requests(shop)] == ["requested"]
    message = "These earrings were worn <b>often</b>; we cannot resell them."
    assert step(client, number, "reject", message).status_code == 302
    page = customer.get(status_url).get_data(as_text=True)
    assert "rejected" in page
    assert "worn &lt;b&gt;often&lt;/b&gt;; we cannot resell them." in page
    assert message in mails(shop)[-1][2]


@pytest.mark.parametrize("name", ["receive", "refund", "dance"])
def test_a_step_out_of_order_changes_nothing(shop: Flask, name: str) -> None:
    request_return(shop.test_client(), shop, {"EAR-MOON": 1})
    [(number, _s, _i)] = requests(shop)
    response = step(owner(shop), number, name)
    assert response.status_code == 400
    assert [s for _n, s, _i in requests(shop)] == ["requested"]
    assert len(mails(shop)) == 1
    with shop.app_context():
        assert shop.extensions["loyalty"].session.scalar(sa.select(Refund)) is None


def test_a_refund_the_order_cannot_take_is_refused(shop: Flask) -> None:
    request_return(shop.test_client(), shop, {"RNG-FERN": 1})
    [(number, _s, _i)] = requests(shop)
    client = owner(shop)
    step(client, number, "approve")
    step(client, number, "receive")
    with shop.app_context():  # meanwhile the shop refunds most of the order by hand
        shop.extensions["loyalty"].extension.record_refund(
            "SF-1", refund_id="manual", amount=Decimal("120.00")
        )
    response = step(client, number, "refund")
    assert response.status_code == 400
    assert "left to refund" in response.get_data(as_text=True)
    assert [s for _n, s, _i in requests(shop)] == ["received"]


def test_owner_return_pages_are_forbidden_to_others(shop: Flask) -> None:
    request_return(shop.test_client(), shop, {"EAR-MOON": 1})
    [(number, _s, _i)] = requests(shop)
    client = shop.test_client()
    for url in (
        "/loyalty/owner/returns/",
        f"/loyalty/owner/returns/{number}",
        "/loyalty/owner/returns/rules",
    ):
        assert client.get(url).status_code == 403
        if not url.endswith("/"):
            assert client.post(url, data={"step": "approve"}).status_code == 403
    assert [s for _n, s, _i in requests(shop)] == ["requested"]


def test_an_unknown_return_number_is_404(shop: Flask) -> None:
    assert owner(shop).get("/loyalty/owner/returns/R-NOPE-NOPE").status_code == 404


def test_owner_list_filters_by_status(shop: Flask) -> None:
    customer = shop.test_client()
    request_return(customer, shop, {"EAR-MOON": 1})
    request_return(customer, shop, {"RNG-FERN": 1})
    (first, _s, _i), (second, _s2, _i2) = requests(shop)
    client = owner(shop)
    step(client, first, "reject", "No.")
    rejected = client.get("/loyalty/owner/returns/?status=rejected").get_data(
        as_text=True
    )
    assert first in rejected and second not in rejected
    open_ = client.get("/loyalty/owner/returns/").get_data(as_text=True)
    assert second in open_ and first not in open_
    assert re.search(r"<option value=\"open\" selected>", open_)


def test_signals_announce_a_request_and_each_step(shop: Flask) -> None:
    seen: list[tuple[str, str]] = []

    def record(name: str) -> t.Callable[..., None]:
        return lambda sender, return_request: seen.append((name, return_request.status))

    requested, updated = record("requested"), record("updated")
    signals.return_requested.connect(requested, sender=shop)
    signals.return_updated.connect(updated, sender=shop)
    try:
        request_return(shop.test_client(), shop, {"EAR-MOON": 1})
        [(number, _s, _i)] = requests(shop)
        client = owner(shop)
        step(client, number, "receive")  # out of order: no signal
        step(client, number, "approve")
    finally:
        signals.return_requested.disconnect(requested, sender=shop)
        signals.return_updated.disconnect(updated, sender=shop)
    assert seen == [("requested", "requested"), ("updated", "approved")]


def test_a_discounted_order_refunds_what_she_paid_for_the_items(shop: Flask) -> None:
    loyalty = shop.extensions["loyalty"].extension
    with shop.app_context():
        loyalty.record_order(
            "SF-2",
            email="anna@example.com",
            total=Decimal("94.90"),
            items=[OrderLine("RNG-FERN", "Fern ring", 2, Decimal("50.00"))],
            discount=Decimal("10.00"),
            shipping=Decimal("4.90"),
        )
    customer = shop.test_client()
    client = owner(shop)
    amounts = []
    for _ in range(2):  # one ring, then the other: the whole order but shipping
        found = start(customer, number="SF-2")
        page = customer.get(found.headers["Location"]).get_data(as_text=True)
        line = re.search(r'name="(qty-\d+)"', page)
        assert line
        sent = customer.post(
            found.headers["Location"],
            data={
                "csrf_token": form_token(page),
                line.group(1): "1",
                "reason": "changed_mind",
                "resolution": "original",
            },
        )
        assert sent.status_code == 302
        number = requests(shop)[-1][0]
        detail = client.get(f"/loyalty/owner/returns/{number}").get_data(as_text=True)
        assert "To refund: €45.00" in detail
        for name in ("approve", "receive", "refund"):
            assert step(client, number, name).status_code == 302
        with shop.app_context():
            refund = shop.extensions["loyalty"].session.scalar(
                sa.select(Refund).where(Refund.reference == f"return:{number}")
            )
            amounts.append(refund.amount_cents)
    assert amounts == [4500, 4500]
