"""The counts of what customers buy together, kept by ``record_order`` one order
at a time, equal a rebuild from all orders, on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import random
import sqlite3
import threading
import typing as t
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask import current_app

from flask_loyalty import Loyalty
from flask_loyalty.copurchases.counting import rebuild
from flask_loyalty.copurchases.models import EVERYONE
from flask_loyalty.copurchases.models import CoPurchase
from flask_loyalty.migrations import upgrade

from .conftest import buy

SKUS = [f"SKU-{n:02d}" for n in range(12)]


@pytest.fixture
def shop(make_app: t.Callable[..., Flask], database_url: str) -> t.Iterator[Loyalty]:
    app = make_app(database_url=database_url)
    with app.app_context():
        yield t.cast(Loyalty, app.extensions["loyalty"].extension)


def counts(loyalty: Loyalty) -> dict[tuple[str, str], int]:
    rows = loyalty.state.session.execute(
        sa.select(CoPurchase.sku_a, CoPurchase.sku_b, CoPurchase.customers)
    )
    return {(a, b): n for a, b, n in rows}


def expected(history: dict[str, set[str]]) -> dict[tuple[str, str], int]:
    """The counts by their definition, from each customer's set of SKUs."""
    result: dict[tuple[str, str], int] = {}
    for skus in history.values():
        if not skus:
            continue
        result[(EVERYONE, EVERYONE)] = result.get((EVERYONE, EVERYONE), 0) + 1
        for a, b in itertools.combinations_with_replacement(sorted(skus), 2):
            result[(a, b)] = result.get((a, b), 0) + 1
    return result


def test_each_customer_counts_once_per_pair(shop: Loyalty) -> None:
    buy(shop, "A-1", "anna@example.com", "SKU-01", "SKU-02", "SKU-02")
    buy(shop, "A-2", "anna@example.com", "SKU-02", "SKU-03")
    buy(shop, "A-2", "anna@example.com", "SKU-02", "SKU-03")  # a repeat
    buy(shop, "B-1", "bea@example.com", "SKU-03")
    buy(shop, "B-2", "bea@example.com", "SKU-01")
    buy(shop, "C-1", "cleo@example.com")  # no items: not a buyer of anything

    assert counts(shop) == {
        ("", ""): 2,
        ("SKU-01", "SKU-01"): 2,
        ("SKU-02", "SKU-02"): 1,
        ("SKU-03", "SKU-03"): 2,
        ("SKU-01", "SKU-02"): 1,
        ("SKU-01", "SKU-03"): 2,  # Anna across orders, Bea across orders
        ("SKU-02", "SKU-03"): 1,
    }


def test_counted_order_by_order_equals_a_rebuild(shop: Loyalty, clock: t.Any) -> None:
    rng = random.Random(23)
    history: dict[str, set[str]] = {}
    for n in range(150):
        email = f"c{rng.randrange(25)}@example.com"
        skus = rng.sample(SKUS, rng.randint(0, 4))
        # Placed in any order: an old order recorded late counts the same.
        placed = clock() - timedelta(days=rng.randrange(300))
        buy(shop, f"O-{n}", email, *skus, placed_at=placed)
        history.setdefault(email, set()).update(skus)
    incremental = counts(shop)

    assert incremental == expected(history)
    session = shop.state.session
    assert rebuild(session) == sum(1 for skus in history.values() if skus)
    session.commit()
    assert counts(shop) == incremental


def test_the_rebuild_puts_wrong_counts_right(shop: Loyalty) -> None:
    buy(shop, "A-1", "anna@example.com", "SKU-01", "SKU-02")
    session = shop.state.session
    session.execute(sa.update(CoPurchase).values(customers=CoPurchase.customers + 5))
    session.add(CoPurchase(sku_a="SKU-08", sku_b="SKU-09", customers=3))
    session.commit()

    progress: list[int] = []
    assert rebuild(session, progress.append) == 1
    assert progress == [1]
    assert counts(shop) == expected({"anna": {"SKU-01", "SKU-02"}})


def test_the_migration_counts_the_orders_recorded_before(
    make_app: t.Callable[..., Flask], database_url: str
) -> None:
    app = make_app(database_url=database_url, create_tables=False)
    with app.app_context():
        loyalty = t.cast(Loyalty, app.extensions["loyalty"].extension)
        engine = loyalty.state.db.engine
        upgrade(engine, "0026")
        session = loyalty.state.session
        table = CoPurchase.__table__
        # Orders recorded by a version without the table: not counted as they go.
        with engine.begin() as connection:
            table.create(connection)
        buy(loyalty, "A-1", "anna@example.com", "SKU-01", "SKU-02")
        buy(loyalty, "B-1", "bea@example.com", "SKU-02")
        with engine.begin() as connection:
            table.drop(connection)
        session.remove()
        upgrade(engine)

        assert counts(loyalty) == expected(
            {"anna": {"SKU-01", "SKU-02"}, "bea": {"SKU-02"}}
        )


def test_run_due_rebuilds_and_the_worker_again_a_day_later(
    shop: Loyalty, clock: t.Any
) -> None:
    buy(shop, "A-1", "anna@example.com", "SKU-01", "SKU-02")
    buy(shop, "B-1", "bea@example.com", "SKU-02")
    session = shop.state.session
    session.execute(sa.delete(CoPurchase))
    session.commit()
    runner = current_app.test_cli_runner()

    result = runner.invoke(args=["loyalty", "run-due"])
    assert result.exit_code == 0, result.output
    assert "Products bought together: 2" in result.output
    rebuilt = counts(shop)
    assert rebuilt == expected({"anna": {"SKU-01", "SKU-02"}, "bea": {"SKU-02"}})

    session.execute(sa.delete(CoPurchase))
    session.commit()
    result = runner.invoke(args=["loyalty", "run-due"])  # same process: not due
    assert "Products bought together: 2" not in result.output
    assert counts(shop) == {}
    clock.advance(days=1)
    result = runner.invoke(args=["loyalty", "run-due"])
    assert "Products bought together: 2" in result.output
    assert counts(shop) == rebuilt


def test_the_rebuild_waits_out_another_writer_on_sqlite(
    make_app: t.Callable[..., Flask], tmp_path: t.Any
) -> None:
    path = tmp_path / "locked.db"
    app = make_app(
        database_url=f"sqlite:///{path}",
        SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"timeout": 0.05}},
    )
    with app.app_context():
        loyalty = t.cast(Loyalty, app.extensions["loyalty"].extension)
        buy(loyalty, "A-1", "anna@example.com", "SKU-01", "SKU-02")
        other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        other.execute("BEGIN IMMEDIATE")  # another worker, writing for a while
        timer = threading.Timer(0.3, other.execute, ["COMMIT"])
        timer.start()
        try:
            result = app.test_cli_runner().invoke(args=["loyalty", "run-due"])
        finally:
            timer.join()
            other.close()

        assert result.exit_code == 0, result.output
        assert "Products bought together: 1" in result.output
        assert counts(loyalty) == expected({"anna": {"SKU-01", "SKU-02"}})
