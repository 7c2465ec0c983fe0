"""The order reads the running offers in its first query (issue 22): what Maria
changes in her offer pages counts from the very next order, nothing is kept
from the offer as it was."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from flask_loyalty import Loyalty
from flask_loyalty.models import OfferGrant

from .conftest import buy
from .conftest import form_token
from .conftest import make_offer
from .test_owner import save_edit


@pytest.fixture
def owner(shop: Flask, shop_loyalty: Loyalty) -> FlaskClient:
    shop_loyalty.owner_check(lambda: True)
    return shop.test_client()


def her_grant(loyalty: Loyalty, email: str) -> OfferGrant | None:
    session = loyalty.state.session
    session.expire_all()
    return session.scalars(
        sa.select(OfferGrant).where(
            OfferGrant.customer.has(email=email)  # type: ignore[arg-type]
        )
    ).one_or_none()


def test_the_next_order_follows_her_edits_and_her_pause_at_once(
    owner: FlaskClient, shop_loyalty: Loyalty
) -> None:
    offer = make_offer(shop_loyalty, valid_days=30, code_uses=1, holdout_percent=0)
    now = shop_loyalty.state.now()
    buy(shop_loyalty, "SF-1", email="anna@example.com")
    first = her_grant(shop_loyalty, "anna@example.com")
    assert first is not None and first.code is not None
    assert first.code.expires_at == now + timedelta(days=30)
    assert first.code.max_uses == 1

    url = f"/loyalty/owner/offers/{offer.id}"
    saved = save_edit(
        owner,
        offer.id,
        name="Thank you",
        valid_days="10",
        code_uses="2",
        holdout_percent="0",
        ends_on="",
    )
    assert saved.status_code == 302
    buy(shop_loyalty, "SF-2", email="berit@example.com", name="Berit Kask")
    second = her_grant(shop_loyalty, "berit@example.com")
    assert second is not None and second.code is not None
    assert second.code.expires_at == now + timedelta(days=10)
    assert second.code.max_uses == 2

    token = form_token(owner.get("/loyalty/owner/offers/").get_data(as_text=True))
    paused = owner.post(f"{url}/pause", data={"csrf_token": token})
    assert paused.status_code == 302
    buy(shop_loyalty, "SF-3", email="carmen@example.com", name="Carmen Ruiz")
    assert her_grant(shop_loyalty, "carmen@example.com") is None

    owner.post(f"{url}/pause", data={"csrf_token": token})  # running again
    buy(shop_loyalty, "SF-4", email="dora@example.com", name="Dora Nagy")
    assert her_grant(shop_loyalty, "dora@example.com") is not None
