"""On PostgreSQL, the three rows issuing an offer writes (her holdout decision,
the code, the grant) in one statement: three round trips become one.

Each ``INSERT`` is a data-modifying ``WITH`` query that reads the one before:
the code is written only if the decision is new and she is not held out, the
grant only if the code was written. Every outcome the statement does not settle
(a decision stored before, a clash of random codes) is left to the caller's
statement-by-statement path; see :func:`.service.issue_rows`. SQLite has no
``INSERT`` inside ``WITH``, so there the rows take a statement each.
"""

from __future__ import annotations

import functools
import typing as t

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from ..codes.models import DiscountCode
from ..db import ONE_ROW
from ..measure.models import HoldoutDecision
from .models import OfferGrant


class Written(t.NamedTuple):
    """The ids of the rows the statement wrote (``None``: not written)."""

    decision_id: int | None
    code_id: int | None
    grant_id: int | None


def insert_together(
    connection: sa.Connection,
    decision: dict[str, t.Any],
    code: dict[str, t.Any],
    grant: dict[str, t.Any],
) -> Written:
    """Write the rows of ``decision``, ``code`` and ``grant`` (every column but
    the ids; the grant's ``code_id`` comes from the code written) in one
    statement, each ``ON CONFLICT DO NOTHING`` on its unique column. The three
    are of one customer, one offer and one moment (:data:`_SHARED`).

    :raises ValueError: the rows disagree on one of those.
    """
    values: dict[str, t.Any] = {}
    for prefix, row in (("d_", decision), ("c_", code), ("g_", grant)):
        for name, value in row.items():
            shared = _SHARED.get(prefix + name)
            if shared is None:
                values[prefix + name] = value
            elif values.setdefault(shared, value) != value:
                raise ValueError(f"{prefix}{name} is not the rows' {shared}")
    del values["g_code_id"]
    row = connection.execute(_statement(), values).one()
    return Written(*row)


_SHARED = {
    "d_customer_id": "customer_id",
    "c_customer_id": "customer_id",
    "g_customer_id": "customer_id",
    "d_measure_id": "offer_id",
    "c_offer_id": "offer_id",
    "g_offer_id": "offer_id",
    "d_decided_at": "now",
    "c_created_at": "now",
    "g_created_at": "now",
}
"""The parameters the rows share: a parameter of its own each would be converted
and sent three times."""


def _params(table: sa.Table, prefix: str, names: t.Iterable[str]) -> list[t.Any]:
    # cast: in a SELECT list a parameter has no column to take its type from
    keys = [(_SHARED.get(prefix + name, prefix + name), name) for name in names]
    return [
        sa.cast(sa.bindparam(key, type_=table.c[name].type), table.c[name].type)
        for key, name in keys
    ]


def _columns(table: sa.Table, *leave_out: str) -> list[str]:
    return [c.name for c in table.columns if c.name not in ("id", *leave_out)]


@functools.cache
def _statement() -> sa.Select[t.Any]:
    """Built once (a statement's cache key costs more to make than to look up)."""
    decisions = HoldoutDecision.__table__
    codes = DiscountCode.__table__
    grants = OfferGrant.__table__
    decision_columns = _columns(decisions)
    decision = (
        postgresql.insert(decisions)
        .from_select(
            decision_columns, sa.select(*_params(decisions, "d_", decision_columns))
        )
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(decisions.c.id, decisions.c.held_out)
        .cte("decision")
    )
    code_columns = _columns(codes)
    code = (
        postgresql.insert(codes)
        .from_select(
            code_columns,
            sa.select(*_params(codes, "c_", code_columns)).where(
                decision.c.held_out.is_(False)
            ),
        )
        .on_conflict_do_nothing(index_elements=["code"])
        .returning(codes.c.id)
        .cte("code")
    )
    grant_columns = _columns(grants, "code_id")
    grant = (
        postgresql.insert(grants)
        .from_select(
            [*grant_columns, "code_id"],
            sa.select(*_params(grants, "g_", grant_columns), code.c.id),
        )
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(grants.c.id)
        .cte("grant")
    )
    return (
        sa.select(decision.c.id, code.c.id, grant.c.id)
        .select_from(ONE_ROW)
        .outerjoin(decision, sa.true())
        .outerjoin(code, sa.true())
        .outerjoin(grant, sa.true())
    )
