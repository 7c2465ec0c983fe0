"""Holdout groups: a share of the people eligible for an offer, a journey or a
campaign get nothing from it, so its report can compare them with those who did.

Who is held out is a keyed hash (HMAC-SHA256 under the app's ``SECRET_KEY``) of
the measure and the person: the same in every process and run, unguessable from
outside, and about ``share`` percent of people. The first decision is stored
(:class:`~flask_loyalty.measure.models.HoldoutDecision`) and read back ever after,
so changing the share later moves no one already decided.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import typing as t
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

import flask_loyalty.signals as signals

from ..db import after_commit
from ..db import attach
from ..db import insert_row
from ..errors import InvalidHoldout
from ..i18n import _
from . import models as mm

MAX_SHARE = 50
"""The largest share (percent) of people a measure may hold out."""
DEFAULT_SHARE = {mm.OFFER: 10, mm.JOURNEY: 10, mm.CAMPAIGN: 0}
"""The share a new measure holds out unless the owner says otherwise."""


def check_share(share: object) -> int:
    """``share`` as a whole percent from 0 to :data:`MAX_SHARE`.

    :raises InvalidHoldout: not a whole number from 0 to 50.
    """
    if isinstance(share, bool) or not isinstance(share, int):
        raise InvalidHoldout(_("Give the holdout share as a whole percent, 0 to 50."))
    if not 0 <= share <= MAX_SHARE:
        raise InvalidHoldout(
            _(
                "A holdout share must be from 0 to %(most)d percent: with more held"
                " out, too few people would get it.",
                most=MAX_SHARE,
            )
        )
    return share


def person_key(customer_id: int | None, subscriber_id: int | None) -> str:
    if customer_id is not None:
        return f"customer:{customer_id}"
    if subscriber_id is not None:
        return f"subscriber:{subscriber_id}"
    raise ValueError("a holdout decision needs a customer or a subscriber")


def draw(secret: str | bytes, measure: str, measure_id: int, person: str) -> float:
    """A number in ``[0, 1)`` fixed by the secret, the measure and the person;
    she is held out when it is below the share."""
    key = secret.encode() if isinstance(secret, str) else secret
    mac = _keyed(key).copy()
    mac.update(f"holdout:{measure}:{measure_id}:{person}".encode())
    return int.from_bytes(mac.digest()[:8], "big") / 2**64


@functools.lru_cache(maxsize=4)
def _keyed(key: bytes) -> hmac.HMAC:
    """An HMAC-SHA256 keyed with ``key``, to copy for each message: it looks up
    the digest and hashes the key once, not per decision."""
    return hmac.new(key, digestmod=hashlib.sha256)


def _secret() -> str | bytes:
    return t.cast("str | bytes", current_app.config["SECRET_KEY"])  # init_app checks


_DECIDED = sa.select(mm.HoldoutDecision.held_out).where(
    mm.HoldoutDecision.key == sa.bindparam("key")
)


def held_out(session: Session, decision: dict[str, t.Any]) -> bool:
    """Whether this person is held out of the measure: ``decision`` (made by
    :func:`decision_values`) is stored in the current transaction (one ``INSERT
    ... ON CONFLICT DO NOTHING``) unless one was stored before, which stands (a
    concurrent decision is read back). A new "held out" sends
    :data:`~flask_loyalty.signals.held_out` after the commit."""
    new_id = insert_row(session, mm.HoldoutDecision, decision, unique="key")
    return decided(session, decision, new_id)


def decision_values(
    now: datetime,
    measure: str,
    measure_id: int,
    share: int,
    *,
    customer_id: int | None = None,
    subscriber_id: int | None = None,
) -> dict[str, t.Any]:
    """A new decision for this person at ``share`` percent: the columns of its
    row (all but the id), for :func:`held_out` to store, or for a statement that
    stores it among others, settled by :func:`decided`."""
    person = person_key(customer_id, subscriber_id)
    return {
        "key": f"{measure}:{measure_id}:{person}",
        "measure": measure,
        "measure_id": measure_id,
        "customer_id": customer_id,
        "subscriber_id": subscriber_id,
        "held_out": draw(_secret(), measure, measure_id, person) < share / 100,
        "share": share,
        "decided_at": now,
    }


def decided(session: Session, values: dict[str, t.Any], new_id: int | None) -> bool:
    """Whether she is held out, once the decision ``values`` was offered to the
    database: stored as ``new_id``, or (``None``) decided before, which stands
    and is read back."""
    if new_id is None:
        return bool(session.scalar(_DECIDED, {"key": values["key"]}))
    if values["held_out"]:  # the signal's decision; nothing else reads it as an object
        decision = attach(session, mm.HoldoutDecision, id=new_id, **values)
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        after_commit(session, lambda: signals.held_out.send(app, decision=decision))
    return bool(values["held_out"])


def forgetting(measure: str, measure_id: int) -> sa.Delete:
    """The ``DELETE`` of a deleted measure's decisions (its id may be given
    again, and the new measure must decide afresh)."""
    return sa.delete(mm.HoldoutDecision).where(
        mm.HoldoutDecision.measure == measure,
        mm.HoldoutDecision.measure_id == measure_id,
    )
