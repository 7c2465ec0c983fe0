from __future__ import annotations

import re
import typing as t
from decimal import Decimal

import pytest
from flask import Flask

from flask_loyalty import Loyalty
from flask_loyalty.customers.service import find_customer
from flask_loyalty.points import ledger
from flask_loyalty.points.program import ProgramSettings
from flask_loyalty.points.program import load_program
from flask_loyalty.points.program import save_program
from flask_loyalty.points.tiers import load_tiers


@pytest.fixture
def shop(make_app: t.Callable[..., Flask], database_url: str) -> t.Iterator[Flask]:
    """The shop on SQLite and PostgreSQL, inside an app context."""
    app = make_app(database_url=database_url)
    with app.app_context():
        yield app


@pytest.fixture
def shop_loyalty(shop: Flask) -> Loyalty:
    return t.cast(Loyalty, shop.extensions["loyalty"].extension)


def order(
    loyalty: Loyalty, ref: str, total: str, email: str = "anna@example.com", **kw: t.Any
) -> t.Any:
    return loyalty.record_order(
        ref, email=email, name=kw.pop("name", "Anna Tamm"), total=Decimal(total), **kw
    )


def customer_id(loyalty: Loyalty, email: str = "anna@example.com") -> int:
    customer = find_customer(loyalty.state.session, email)
    assert customer is not None
    return customer.id


def balance(loyalty: Loyalty, email: str = "anna@example.com") -> int:
    """Her balance; also checks that the cache agrees with the ledger."""
    session = loyalty.state.session
    cid = customer_id(loyalty, email)
    cached = ledger.balance(session, cid)
    assert cached == ledger.ledger_balance(session, cid)
    assert ledger.check_balances(session) == []
    return cached


def set_program(loyalty: Loyalty, **changes: t.Any) -> None:
    state = loyalty.state
    program = load_program(state.session)
    values = {**vars(program), **changes}
    save_program(
        state.session,
        state.now(),
        ProgramSettings(**values),
        load_tiers(state.session),
        actor="test",
    )
    state.session.commit()


def form_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def form_key(html: str, prefix: str) -> str:
    match = re.search(rf'name="key" type="hidden" value="({prefix}:[^"]+)"', html)
    assert match, html
    return match.group(1)
