"""Two requests sent at once for the last pieces of an order line: the order row
is locked, so exactly one is accepted and the other is told what is left."""

from __future__ import annotations

import threading
import typing as t

from flask import Flask

from flask_loyalty import InvalidReturn
from flask_loyalty.orders.service import get_order
from flask_loyalty.policies.rules import ReturnPolicy
from flask_loyalty.returns import service

from .conftest import requests


def test_two_requests_at_once_cannot_both_take_the_last_pieces(shop: Flask) -> None:
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def ask() -> None:
        with shop.app_context():
            state = shop.extensions["loyalty"]
            order = get_order(state.session, "SF-1")
            ring = next(item.id for item in order.items if item.sku == "RNG-FERN")
            barrier.wait()
            try:
                service.create_request(
                    state.session,
                    state.now(),
                    order,
                    ReturnPolicy(),
                    quantities={ring: 2},
                    reason="other",
                    resolution="original",
                )
                state.session.commit()
                outcomes.append("accepted")
            except InvalidReturn as error:
                state.session.rollback()
                outcomes.append(error.message)
            except Exception as error:  # noqa: BLE001 - report, do not hang
                state.session.rollback()
                outcomes.append(f"{type(error).__name__}: {error}")

    threads: list[t.Any] = [threading.Thread(target=ask) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == sorted(
        [
            "accepted",
            "You can return at most 0 of Fern ring: you bought 2 and 2 are already"
            " returned.",
        ]
    ), outcomes
    assert [items for _n, _s, items in requests(shop)] == [{"RNG-FERN": 2}]
