"""Everything stored about a customer, exported as JSON and erased: by the owner
from her page, and by herself from her account with a link mailed to her (issue
19, point 2; GDPR Articles 15, 17 and 20)."""

from __future__ import annotations

import json
import re
import typing as t
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from flask_loyalty import FrozenClock
from flask_loyalty import signals
from flask_loyalty.codes.models import DiscountCode
from flask_loyalty.customers.service import find_customer
from flask_loyalty.models import Customer
from flask_loyalty.models import Order
from flask_loyalty.models import OutboxMessage
from flask_loyalty.models import PointsEntry
from flask_loyalty.models import ReturnRequest
from flask_loyalty.models import Subscriber
from flask_loyalty.models import Suppression
from flask_loyalty.newsletter import preferences
from flask_loyalty.newsletter import service as newsletter
from flask_loyalty.orders.service import get_order
from flask_loyalty.outbox.queueing import queue_mail
from flask_loyalty.outbox.service import deliver_due
from flask_loyalty.personal_data import erase_person
from flask_loyalty.personal_data import export_person
from flask_loyalty.points.service import redeem_points
from flask_loyalty.policies.rules import ReturnPolicy
from flask_loyalty.returns import service as returns
from flask_loyalty.testing import follow_sign_in_link

from .test_account import ask_for_link
from .test_account import csrf_token
from .test_account import link_in
from .test_account import outbox

OWNER = "/loyalty/owner/customers"
COMMENT = "The glaze <b>cracked</b>; call me on +372 5555 1234"


@pytest.fixture
def shop(make_app: t.Callable[..., Flask], database_url: str) -> Flask:
    """Anna: two orders (one partly refunded), points, a code from points, a
    return request with her comment, a confirmed subscription. Bea: one order."""
    app = make_app(database_url)
    app.extensions["loyalty"].extension.owner_check(lambda: owner_flag["on"])
    with app.app_context():
        loyalty = app.extensions["loyalty"].extension
        state = app.extensions["loyalty"]
        items = [
            {
                "sku": "MUG-1",
                "name": "Fern mug",
                "unit_price": Decimal("30.00"),
                "quantity": 1,
            },
            {
                "sku": "BWL-2",
                "name": "Moss bowl",
                "unit_price": Decimal("45.00"),
                "quantity": 1,
            },
        ]
        loyalty.record_order(
            "SF-1001",
            email="anna@example.com",
            name="Anna Tamm",
            total=Decimal("79.90"),
            shipping=Decimal("4.90"),
            items=items,
        )
        loyalty.record_refund(
            "SF-1001", refund_id="R-1", items={"MUG-1": 1}, reason="Chipped on arrival"
        )
        loyalty.record_order(
            "SF-1002", email="anna@example.com", total=Decimal("520.00")
        )
        loyalty.record_order("SF-2001", email="bea@example.com", total=Decimal("20.00"))
        anna = find_customer(state.session, "anna@example.com")
        redeem_points(
            state.session,
            state.now(),
            customer_id=anna.id,
            points=500,
            currency="EUR",
        )
        order = get_order(state.session, "SF-1001")
        bowl = next(item.id for item in order.items if item.sku == "BWL-2")
        returns.create_request(
            state.session,
            state.now(),
            order,
            ReturnPolicy(),
            quantities={bowl: 1},
            reason="other",
            resolution="original",
            comment=COMMENT,
        )
        topic = preferences.add_topic(state.session, state.now(), "New pieces")
        subscriber, _ = newsletter.subscribe(
            state.session,
            state.now(),
            email="anna@example.com",
            first_name="Anna",
            topic_ids=[topic.id],
            consent=newsletter.Consent(text="Yes", version="1", source="test"),
        )
        newsletter.confirm(state.session, state.now(), subscriber)
        state.session.commit()
    return app


owner_flag = {"on": True}


@pytest.fixture(autouse=True)
def owner_signed_in() -> t.Iterator[None]:
    owner_flag["on"] = True
    yield
    owner_flag["on"] = True


def customer_id(app: Flask, email: str) -> int:
    with app.app_context():
        customer = find_customer(app.extensions["loyalty"].session, email)
        assert customer is not None
        return customer.id


def signed_in_as_anna(app: Flask) -> FlaskClient:
    client = app.test_client()
    assert ask_for_link(client, "anna@example.com").status_code == 302
    assert follow_sign_in_link(client, link_in(outbox(app)[-1])).status_code == 302
    return client


def ask(client: FlaskClient, purpose: str) -> t.Any:
    token = csrf_token(client, f"/loyalty/my-data?purpose={purpose}")
    return client.post(
        "/loyalty/my-data", data={"csrf_token": token, "purpose": purpose}
    )


def data_link(app: Flask, purpose: str) -> str:
    message = outbox(app)[-1]
    assert message.kind == "personal_data_link" and message.to_addr == (
        "anna@example.com"
    )
    found = re.search(
        rf"http://shop\.test(/loyalty/my-data/{purpose}/\S+)", message.text_body
    )
    assert found, message.text_body
    return found.group(1)


def press(client: FlaskClient, link: str) -> t.Any:
    page = client.get(link)
    assert page.status_code == 200, page.get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text)
    assert token
    return client.post(link, data={"csrf_token": token.group(1)})


def table_counts(app: Flask) -> dict[str, int]:
    with app.app_context():
        session = app.extensions["loyalty"].session
        from flask_loyalty.db import Base

        return {
            name: session.scalar(sa.select(sa.func.count()).select_from(table))
            for name, table in Base.metadata.tables.items()
        }


# -- the export --------------------------------------------------------------------


def test_the_export_holds_everything_stored_about_her(shop: Flask) -> None:
    signed_in_as_anna(shop)  # a sign-in link asked for and mailed
    ask_for_link(shop.test_client(), "anna@example.com")  # one the worker has not seen
    with shop.app_context():
        state = shop.extensions["loyalty"]
        data = export_person(state.session, state.now(), "Anna@Example.com")
    assert data["email"] == "anna@example.com" and data["format"] == 1
    assert data["customer"]["name"] == "Anna Tamm"
    assert [o["reference"] for o in data["orders"]] == ["SF-1001", "SF-1002"]
    first = data["orders"][0]
    assert first["total"] == "79.90" and first["shipping"] == "4.90"
    assert [i["name"] for i in first["items"]] == ["Fern mug", "Moss bowl"]
    assert first["refunds"] == [
        {
            "reference": "R-1",
            "amount": "30.00",
            "shipping": "0.00",
            "reason": "Chipped on arrival",
            "at": first["refunds"][0]["at"],
        }
    ]
    points = data["points"]
    kinds = [entry["kind"] for entry in points["history"]]
    assert kinds.count("earn") == 2 and "reversal" in kinds and "redeem" in kinds
    assert points["balance"] == sum(e["points"] for e in points["history"])
    [code] = [c for c in data["discount_codes"] if c["source"] == "points"]
    assert code["value"] == "5.00" and code["currency"] == "EUR"
    [request] = data["returns"]
    assert request["comment"] == COMMENT and request["order"] == "SF-1001"
    assert request["items"] == [{"sku": "BWL-2", "name": "Moss bowl", "quantity": 1}]
    assert data["newsletter"]["status"] == "confirmed"
    assert data["newsletter"]["topics"] == ["New pieces"]
    [email] = data["emails"]
    assert email["kind"] == "sign_in_link" and email["subject"].startswith("Your sign")
    assert [r["kind"] for r in data["link_requests"]] == ["sign-in"]
    # Nothing of Bea's.
    assert "bea@example.com" not in json.dumps(data) and "SF-2001" not in json.dumps(
        data
    )


def test_an_unknown_address_gets_the_same_shape_empty(shop: Flask) -> None:
    with shop.app_context():
        state = shop.extensions["loyalty"]
        known = export_person(state.session, state.now(), "anna@example.com")
        unknown = export_person(state.session, state.now(), "nobody@example.com")
    assert set(unknown) == set(known)
    assert unknown["customer"] is None and unknown["orders"] == []


def test_the_owner_downloads_a_customers_data(shop: Flask) -> None:
    anna = customer_id(shop, "anna@example.com")
    owner = shop.test_client()
    page = owner.get(f"/loyalty/owner/points/customers/{anna}").get_data(as_text=True)
    assert f"{OWNER}/{anna}/data.json" in page and f"{OWNER}/{anna}/erase" in page
    response = owner.get(f"{OWNER}/{anna}/data.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="customer-{anna}.json"'
    )
    data = json.loads(response.get_data(as_text=True))
    assert data["customer"]["email"] == "anna@example.com"
    assert len(data["orders"]) == 2


def test_no_one_but_the_owner_gets_her_data_or_erases_it(shop: Flask) -> None:
    anna = customer_id(shop, "anna@example.com")
    before = table_counts(shop)
    owner_flag["on"] = False
    visitor = shop.test_client()
    assert visitor.get(f"{OWNER}/{anna}/data.json").status_code == 403
    assert visitor.get(f"{OWNER}/{anna}/erase").status_code == 403
    assert visitor.post(f"{OWNER}/{anna}/erase", data={"confirm": "y"}).status_code == (
        403
    )
    signed_in = signed_in_as_anna(shop)  # a customer is not the owner either
    assert signed_in.get(f"{OWNER}/{anna}/data.json").status_code == 403
    with shop.app_context():
        assert find_customer(shop.extensions["loyalty"].session, "anna@example.com")
    assert table_counts(shop)["loyalty_orders"] == before["loyalty_orders"]


# -- the owner erases ------------------------------------------------------------


def test_erasing_needs_the_box_ticked_and_the_form_token(shop: Flask) -> None:
    anna = customer_id(shop, "anna@example.com")
    owner = shop.test_client()
    page = owner.get(f"{OWNER}/{anna}/erase")
    assert page.status_code == 200
    assert "points lapse" in page.text and "Download her data (JSON) first" in page.text
    before = table_counts(shop)
    unticked = owner.post(
        f"{OWNER}/{anna}/erase",
        data={"csrf_token": csrf_token(owner, page.request.path)},
    )
    assert unticked.status_code == 400
    assert "Tick the box to confirm the erasure." in unticked.text
    forged = owner.post(f"{OWNER}/{anna}/erase", data={"confirm": "y"})
    assert forged.status_code == 400
    assert table_counts(shop) == before
    with shop.app_context():
        customer = shop.extensions["loyalty"].session.get(Customer, anna)
        assert customer.email == "anna@example.com" and customer.erased_at is None


def erase_as_owner(app: Flask, email: str) -> t.Any:
    cid = customer_id(app, email)
    owner = app.test_client()
    token = csrf_token(owner, f"{OWNER}/{cid}/erase")
    return owner.post(
        f"{OWNER}/{cid}/erase", data={"csrf_token": token, "confirm": "y"}
    )


def test_erasure_keeps_the_books_and_removes_what_identifies_her(
    shop: Flask, clock: FrozenClock
) -> None:
    anna = customer_id(shop, "anna@example.com")
    heard: list[dict[str, t.Any]] = []

    def on_erased(sender: Flask, **kw: t.Any) -> None:
        heard.append(kw)

    signals.personal_data_erased.connect(on_erased, sender=shop)
    try:
        response = erase_as_owner(shop, "anna@example.com")
    finally:
        signals.personal_data_erased.disconnect(on_erased, sender=shop)
    assert response.status_code == 302 and response.location == OWNER
    assert heard == [{"email": "anna@example.com", "customer_id": anna}]
    with shop.app_context():
        state = shop.extensions["loyalty"]
        session = state.session
        customer = session.get(Customer, anna)
        assert customer.erased_at == clock()
        assert customer.name is None and customer.external_id is None
        assert customer.email.endswith("@erased.invalid")
        assert "anna" not in customer.email
        assert find_customer(session, "anna@example.com") is None
        # The books: both orders, their amounts, items and refund.
        orders = session.scalars(
            sa.select(Order).where(Order.customer_id == anna).order_by(Order.id)
        ).all()
        assert [o.total_cents for o in orders] == [7990, 52000]
        assert len(orders[0].items) == 2 and orders[0].refunds[0].amount_cents == 3000
        assert orders[0].refunds[0].reason is None
        # Points lapse in one entry; the ledger still adds up.
        entries = session.scalars(
            sa.select(PointsEntry).where(PointsEntry.customer_id == anna)
        ).all()
        assert sum(e.points for e in entries) == 0
        assert entries[-1].key == f"erase:{anna}"
        # Codes stop working.
        code = session.scalars(
            sa.select(DiscountCode).where(DiscountCode.customer_id == anna)
        ).one()
        assert code.expires_at == clock()
        quote = state.extension.quote_discount(
            code.code, email=None, subtotal=Decimal("50.00")
        )
        assert quote.discount == 0
        # Her comment is gone; the request stays for the figures.
        request = session.scalars(sa.select(ReturnRequest)).one()
        assert request.comment == "" and len(request.items) == 1
        # The subscription is gone; only the hash stays.
        assert session.scalar(sa.select(sa.func.count(Subscriber.id))) == 0
        [suppression] = session.scalars(sa.select(Suppression))
        assert suppression.email_hash == newsletter.email_hash("anna@example.com")
        # The emails sent to her keep their rows without her address or text.
        for message in session.scalars(sa.select(OutboxMessage)):
            assert "anna@example.com" not in message.to_addr
        # Bea is untouched.
        assert (
            session.scalar(
                sa.select(sa.func.count(Order.id)).where(
                    Order.customer_id == customer_id(shop, "bea@example.com")
                )
            )
            == 1
        )
    page = shop.test_client().get(f"/loyalty/owner/points/customers/{anna}").text
    assert "Personal data erased on" in page
    assert "Lapsed when her personal data was erased" in page
    assert "Adjust points" not in page


def test_a_new_order_after_erasure_starts_afresh(shop: Flask) -> None:
    anna = customer_id(shop, "anna@example.com")
    erase_as_owner(shop, "anna@example.com")
    with shop.app_context():
        shop.extensions["loyalty"].extension.record_order(
            "SF-1003", email="anna@example.com", name="Anna", total=Decimal("10.00")
        )
    assert customer_id(shop, "anna@example.com") != anna


def test_no_mail_leaves_for_an_erased_customer(shop: Flask) -> None:
    """Mail queued after the erasure (a return update, say) goes nowhere."""
    anna = customer_id(shop, "anna@example.com")
    erase_as_owner(shop, "anna@example.com")
    with shop.app_context():
        state = shop.extensions["loyalty"]
        pseudonym = state.session.get(Customer, anna).email
        queue_mail(
            state.session,
            state.now(),
            kind="return_update",
            to=pseudonym,
            subject="Your return",
            text="Approved",
        )
        state.session.commit()
        sent: list[str] = []

        class Connection:
            host = None

            def __enter__(self) -> Connection:
                return self

            def __exit__(self, *exc: object) -> None:
                pass

        class Mail:
            def connect(self) -> Connection:
                sent.append("connected")
                return Connection()

        report = deliver_due(state.session, Mail(), state.now)
        assert report.sent == 0 and report.suppressed >= 1
        assert sent == []  # held back before any connection to a server


# -- she asks herself ------------------------------------------------------------


def test_her_account_offers_her_data_and_the_deletion(shop: Flask) -> None:
    anna = signed_in_as_anna(shop)
    page = anna.get("/loyalty/").text
    assert "Your data" in page and "Download my data" in page
    assert "/loyalty/my-data?purpose=export" in page
    assert "/loyalty/my-data?purpose=erase" in page
    export = anna.get("/loyalty/my-data?purpose=export").text
    assert "Email me the download link" in export and "JSON" in export
    erase = anna.get("/loyalty/my-data?purpose=erase").text
    assert "Delete your account" in erase and "lapse" in erase


def test_she_downloads_her_data_with_the_link_mailed_to_her(shop: Flask) -> None:
    anna = signed_in_as_anna(shop)
    response = ask(anna, "export")
    assert response.status_code == 302
    assert response.location == "/loyalty/my-data/sent?purpose=export"
    assert (
        "We sent you a link to download your data" in anna.get(response.location).text
    )
    link = data_link(shop, "export")
    before = table_counts(shop)
    for method in ("HEAD", "GET"):  # a mail scanner opening it changes nothing
        assert shop.test_client().open(link, method=method).status_code == 200
    assert table_counts(shop) == before
    elsewhere = shop.test_client()  # the link works in any browser: it is the proof
    download = press(elsewhere, link)
    assert download.status_code == 200 and download.mimetype == "application/json"
    assert download.headers["Content-Disposition"] == (
        'attachment; filename="my-data.json"'
    )
    data = json.loads(download.get_data(as_text=True))
    assert data["customer"]["email"] == "anna@example.com"
    assert [o["reference"] for o in data["orders"]] == ["SF-1001", "SF-1002"]
    again = elsewhere.post(link, data={"csrf_token": csrf_token(elsewhere)})
    assert again.status_code == 400  # single use
    assert "This link is not valid or has expired" in shop.test_client().get(link).text


def test_a_visitor_cannot_ask_and_a_forged_post_sends_nothing(shop: Flask) -> None:
    visitor = shop.test_client()
    response = visitor.post(
        "/loyalty/my-data", data={"csrf_token": csrf_token(visitor), "purpose": "erase"}
    )
    assert response.status_code == 302 and response.location == "/loyalty/"
    anna = signed_in_as_anna(shop)
    count = len(outbox(shop))
    forged = anna.post("/loyalty/my-data", data={"purpose": "erase"})
    assert forged.status_code == 400
    odd = anna.post(
        "/loyalty/my-data", data={"csrf_token": csrf_token(anna), "purpose": "drop"}
    )
    assert odd.status_code == 400 and "Choose what you ask for." in odd.text
    assert len(outbox(shop)) == count


def test_a_link_does_only_what_it_was_asked_for_and_expires(
    shop: Flask, clock: FrozenClock
) -> None:
    anna = signed_in_as_anna(shop)
    ask(anna, "export")
    token = data_link(shop, "export").rsplit("/", 1)[1]
    misused = shop.test_client().get(f"/loyalty/my-data/erase/{token}")
    assert misused.status_code == 400
    sign_in = follow_sign_in_link(shop.test_client(), f"/loyalty/sign-in/{token}")
    assert sign_in.status_code == 400
    clock.advance(minutes=61)
    expired = shop.test_client().get(f"/loyalty/my-data/export/{token}")
    assert expired.status_code == 400
    assert "This link is not valid or has expired" in expired.text


def test_she_deletes_her_account_with_the_link_mailed_to_her(shop: Flask) -> None:
    anna_id = customer_id(shop, "anna@example.com")
    anna = signed_in_as_anna(shop)
    response = ask(anna, "erase")
    assert response.location == "/loyalty/my-data/sent?purpose=erase"
    link = data_link(shop, "erase")
    page = anna.get(link).text
    assert "Delete my account" in page and "anna@example.com" in page
    with shop.app_context():  # opening the link erased nothing
        assert find_customer(shop.extensions["loyalty"].session, "anna@example.com")
    done = press(anna, link)
    assert done.status_code == 200 and "Your account is deleted" in done.text
    account = anna.get("/loyalty/").text  # signed out: her session held her id
    assert "Email me a sign-in link" in account
    with shop.app_context():
        session = shop.extensions["loyalty"].session
        assert session.get(Customer, anna_id).erased_at is not None
        assert find_customer(session, "anna@example.com") is None
    # A sign-in link asked for now goes nowhere: the address is unknown.
    count = len(outbox(shop))
    ask_for_link(shop.test_client(), "anna@example.com")
    assert len(outbox(shop)) == count


def test_an_older_link_dies_with_the_account(shop: Flask) -> None:
    anna = signed_in_as_anna(shop)
    ask(anna, "export")
    export_link = data_link(shop, "export")
    ask(anna, "erase")
    assert press(anna, data_link(shop, "erase")).status_code == 200
    assert shop.test_client().get(export_link).status_code == 400


def test_erasure_is_all_or_nothing(
    shop: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure half-way leaves everything as it was."""
    before = table_counts(shop)
    from flask_loyalty import personal_data

    def broken(*args: t.Any, **kwargs: t.Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(personal_data.ledger, "post", broken)
    with shop.app_context():
        state = shop.extensions["loyalty"]
        with pytest.raises(RuntimeError):
            erase_person(state.session, state.now(), "anna@example.com")
        state.session.rollback()
    assert table_counts(shop) == before
    with shop.app_context():
        session = shop.extensions["loyalty"].session
        customer = find_customer(session, "anna@example.com")
        assert customer is not None and customer.name == "Anna Tamm"
        assert newsletter.find_subscriber(session, "anna@example.com") is not None
