"""Who is held out: decided by a keyed hash, stored once, never moved."""

from __future__ import annotations

import typing as t
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_loyalty import FrozenClock
from flask_loyalty import InvalidHoldout
from flask_loyalty import signals
from flask_loyalty.customers.models import Customer
from flask_loyalty.measure.holdout import check_share
from flask_loyalty.measure.holdout import decision_values
from flask_loyalty.measure.holdout import draw
from flask_loyalty.measure.holdout import held_out
from flask_loyalty.measure.models import OFFER
from flask_loyalty.measure.models import HoldoutDecision
from flask_loyalty.personal_data import export_person

from .another_process import printed


def test_the_draw_is_the_same_in_another_process():
    code = (
        "from flask_loyalty.measure.holdout import draw;"
        "print([draw('s3cret', 'offer', 7, f'customer:{i}') for i in range(50)])"
    )
    runs = printed(code)
    here = [draw("s3cret", "offer", 7, f"customer:{i}") for i in range(50)]
    assert runs == {f"{here}\n"}


@pytest.mark.parametrize("share", (5, 10, 30, 50))
def test_the_share_is_honoured_on_ten_thousand_people(share):
    out = sum(
        draw("s3cret", "journey", 3, f"customer:{i}") < share / 100
        for i in range(10_000)
    )
    expected = 10_000 * share / 100
    spread = (10_000 * share / 100 * (1 - share / 100)) ** 0.5
    assert abs(out - expected) < 4 * spread


def held(
    session: t.Any, now: t.Any, measure: str, measure_id: int, share: int, cid: int
) -> bool:
    """Whether customer ``cid`` is held out (decided now if not before)."""
    return held_out(
        session, decision_values(now, measure, measure_id, share, customer_id=cid)
    )


def test_the_secret_and_the_measure_change_who_is_held_out():
    def group(secret: str, measure_id: int) -> set[int]:
        return {
            i
            for i in range(2_000)
            if draw(secret, "offer", measure_id, f"customer:{i}") < 0.1
        }

    first = group("s3cret", 1)
    assert first != group("other", 1)
    assert first != group("s3cret", 2)
    assert len(first & group("s3cret", 2)) < len(first) / 2  # about independent


@pytest.mark.parametrize("share", (0, 1, 10, 50))
def test_a_share_from_0_to_50_is_taken(share):
    assert check_share(share) == share


@pytest.mark.parametrize("share", (-1, 51, 100, 10.5, "10", None, True))
def test_another_share_is_refused(share):
    with pytest.raises(InvalidHoldout):
        check_share(share)


def _customers(session: t.Any, n: int, now: t.Any, tag: str = "c") -> list[int]:
    rows = [Customer(email=f"{tag}{i}@example.com", created_at=now) for i in range(n)]
    session.add_all(rows)
    session.flush()
    return [row.id for row in rows]


def test_a_later_share_moves_no_one_already_decided(
    make_app: t.Callable[..., Flask], database_url: str, clock: FrozenClock
) -> None:
    app = make_app(database_url=database_url)
    heard: list[t.Any] = []
    signals.held_out.connect(
        lambda sender, decision: heard.append(decision), app, weak=False
    )
    with app.app_context():
        session = app.extensions["loyalty"].session
        now = clock()
        ids = _customers(session, 300, now)
        first = {cid: held(session, now, OFFER, 9, 10, cid) for cid in ids}
        assert not heard  # sent after the commit only
        session.commit()
        assert 10 <= sum(first.values()) <= 55
        assert sorted(d.customer_id for d in heard) == sorted(
            cid for cid, out in first.items() if out
        )
        later = now + timedelta(days=3)
        again = {cid: held(session, later, OFFER, 9, 50, cid) for cid in ids}
        session.commit()
        assert again == first
        assert len(heard) == sum(first.values())  # no second notice
        rows = session.scalars(
            sa.select(HoldoutDecision).where(HoldoutDecision.measure_id == 9)
        ).all()
        assert len(rows) == 300
        assert {row.share for row in rows} == {10}
        assert {row.decided_at for row in rows} == {now}
        newcomers = _customers(session, 300, later, tag="new")
        late = [held(session, later, OFFER, 9, 50, c) for c in newcomers]
        session.commit()
        assert 110 <= sum(late) <= 190  # the new share holds for new people


def test_a_rolled_back_decision_is_not_kept_nor_announced(
    make_app: t.Callable[..., Flask], clock: FrozenClock
) -> None:
    app = make_app()
    heard: list[t.Any] = []
    signals.held_out.connect(
        lambda sender, decision: heard.append(decision), app, weak=False
    )
    with app.app_context():
        session = app.extensions["loyalty"].session
        ids = _customers(session, 40, clock())
        session.commit()
        for cid in ids:
            held(session, clock(), OFFER, 4, 50, cid)
        session.rollback()
        assert session.scalar(sa.select(sa.func.count(HoldoutDecision.id))) == 0
        assert heard == []


def test_her_data_export_says_what_she_was_held_out_of(
    make_app: t.Callable[..., Flask], clock: FrozenClock
) -> None:
    app = make_app()
    with app.app_context():
        session = app.extensions["loyalty"].session
        [cid] = _customers(session, 1, clock())
        held(session, clock(), OFFER, 3, 50, cid)
        held(session, clock(), "journey", 4, 0, cid)
        session.commit()
        data = export_person(session, clock(), "c0@example.com")
        assert [(h["measure"], h["id"], h["held_out"]) for h in data["holdouts"]] == [
            ("offer", 3, draw("test secret", "offer", 3, f"customer:{cid}") < 0.5),
            ("journey", 4, False),
        ]
        assert export_person(session, clock(), "nobody@example.com")["holdouts"] == []
