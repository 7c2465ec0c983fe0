"""The offers that orders trigger and that run at the order's time, read as one
JSON column of ``record_order``'s first query (:data:`RUNNING_READ`), or by a
statement of their own when that query did not ask (a repeated order).

The text is parsed once per distinct text: orders in a row find the same offers
with the same counters, and any change the owner or a checkout makes (a paused
offer, a new end date, one more use) is a new text, so nothing read is stale.
"""

from __future__ import annotations

import functools
import json
import typing as t
from dataclasses import make_dataclass
from datetime import datetime

import sqlalchemy as sa

from ..db import UTCDateTime
from ..db import stored_utc
from ..orders.first_query import OrderRead
from ..sql_json import json_rows
from . import models as om
from .service import running_where

ORDER_TRIGGERS = (om.FIRST_PURCHASE, om.NTH_PURCHASE, om.EVERY_PURCHASE, om.STAMP_CARD)

_NOW = sa.bindparam("now", type_=UTCDateTime())


RunningOffer = make_dataclass(
    "RunningOffer",
    [
        *t.get_type_hints(om.OfferTerms).items(),
        ("trigger", str),
        ("trigger_n", int),
        ("created_at", datetime),
    ],
    frozen=True,
)
RunningOffer.__doc__ = """What the order hook and :func:`.service.issue_rows`
read of a running offer: its :class:`~.models.OfferTerms`, its trigger and when
it was made (read-only: the parsed offers are shared by the orders that read the
same text)."""

_TIMES = ("ends_at", "created_at")
_OFFERS = om.Offer.__table__
RUNNING_JSON = json_rows(
    sa.select(*(_OFFERS.c[name] for name in t.get_type_hints(RunningOffer))).where(
        running_where(ORDER_TRIGGERS, _NOW)
    )
)
"""The running offers that orders trigger at ``now`` (bind parameter), as JSON
text: :func:`running_offers` reads it."""

RUNNING_READ = OrderRead(columns=(RUNNING_JSON.label("offers_running"),))
"""The order hook's read in ``record_order``'s first query. It is the hook's
gate too (none is registered): with no offer running the hook returns at once,
which costs less than asking an ``EXISTS`` besides."""

RUNNING_ALONE = sa.select(RUNNING_JSON)
"""The same read by itself, when the first query did not ask it."""


def _utc(text: str | None) -> datetime | None:
    """A time of the JSON text: naive UTC (SQLite) or with an offset
    (PostgreSQL)."""
    return None if text is None else stored_utc(datetime.fromisoformat(text))


@functools.lru_cache(maxsize=32)
def running_offers(text: str | None) -> tuple[RunningOffer, ...]:
    """The offers of :data:`RUNNING_JSON`'s text, by id (``None``: none runs)."""
    rows = json.loads(text) if text else []
    for row in rows:
        for name in _TIMES:
            row[name] = _utc(row[name])
    return tuple(sorted((RunningOffer(**row) for row in rows), key=lambda o: o.id))
