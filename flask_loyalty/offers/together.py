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
    statement, each ``ON CONFLICT DO NOTHING`` on its unique column."""
    values = {f"d_{name}": value for name, value in decision.items()}
    values.update((f"c_{name}", value) for name, value in code.items())
    values.update(
        (f"g_{name}", value) for name, value in grant.items() if name != "code_id"
    )
    row = connection.execute(_statement(), values).one()
    return Written(*row)


def _params(table: sa.Table, prefix: str, names: t.Iterable[str]) -> list[t.Any]:
    # cast: in a SELECT list a parameter has no column to take its type from
    types = [(name, table.c[name].type) for name in names]
    return [
        sa.cast(sa.bindparam(prefix + name, type_=kind), kind) for name, kind in types
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
