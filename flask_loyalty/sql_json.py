"""Rows as one JSON text: a read that becomes a column of another statement.

A few rows read for every call of something hot (the running offers at
checkout) cost a statement of their own, a round trip on PostgreSQL. As one
column of the statement that is sent anyway they cost almost nothing; a join
would repeat that statement's rows, an aggregate does not. :func:`json_rows`
builds the column; the reader parses the text (once per distinct text, if it
keeps the result).
"""

from __future__ import annotations

import typing as t

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class JsonObjects(FunctionElement[str]):
    """The aggregate of :func:`json_rows`: a JSON array with an object per row,
    keyed by the columns' names; ``NULL`` on PostgreSQL when there is no row,
    ``[]`` on SQLite."""

    name = "json_objects"
    type = sa.Text()
    inherit_cache = True


def _pairs(element: JsonObjects, compiler: SQLCompiler, **kw: t.Any) -> str:
    pairs = []
    for column in element.clauses:
        name = column.name  # a column of the subquery: one of ours, an identifier
        if not name.isidentifier():
            raise ValueError(f"a JSON key must be an identifier, not {name!r}")
        pairs.append(f"'{name}', {compiler.process(column, **kw)}")
    return ", ".join(pairs)


@compiles(JsonObjects)
def _json_objects_sqlite(
    element: JsonObjects, compiler: SQLCompiler, **kw: t.Any
) -> str:
    return f"json_group_array(json_object({_pairs(element, compiler, **kw)}))"


@compiles(JsonObjects, "postgresql")
def _json_objects_postgresql(
    element: JsonObjects, compiler: SQLCompiler, **kw: t.Any
) -> str:
    # As text: the driver would parse a json value itself, and the reader keeps
    # what it parsed by the text.
    return (
        f"CAST(json_agg(json_build_object({_pairs(element, compiler, **kw)})) AS TEXT)"
    )


def json_rows(query: sa.Select[t.Any]) -> sa.ScalarSelect[str]:
    """``query``'s rows as one JSON text, an array of objects keyed by its
    columns' names (labels), in no particular order: sort what you parse. Times
    come as the database writes them (SQLite: naive UTC text; PostgreSQL: ISO
    8601 with an offset); no row gives ``[]`` or ``NULL``."""
    rows = query.subquery("rows")
    return sa.select(JsonObjects(*rows.c)).scalar_subquery()
