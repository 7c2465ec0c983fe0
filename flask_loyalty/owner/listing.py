"""Long lists on the owner pages: one page of rows at a time (``?page=``), and the
search for customers by email or name."""

from __future__ import annotations

import typing as t

import sqlalchemy as sa
from flask import abort
from flask import request

from ..customers.models import Customer
from ..state import LoyaltyState

MAX_PAGE = 100_000  # far beyond any list; keeps OFFSET inside a 64-bit integer


def page_number(arg: str = "page") -> int:
    """``?page=`` (or ``arg``), counted from 1 (1 when absent or not a number);
    a number beyond any list (``?page=99999999999999999999999``) is a 404,
    not an overflow in the database driver."""
    page = max(request.args.get(arg, 1, type=int) or 1, 1)
    if page > MAX_PAGE:
        abort(404)
    return page


def one_page(
    state: LoyaltyState, stmt: sa.Select[t.Any], *, scalars: bool = False
) -> tuple[list[t.Any], int, bool]:
    """The rows of ``stmt`` on the requested page (``LOYALTY_OWNER_PAGE_SIZE``
    a page; with ``scalars``, each row's first column), the page number, and
    whether there is a next page."""
    size = state.settings.owner_page_size
    page = page_number()
    query = stmt.offset((page - 1) * size).limit(size + 1)
    found = (state.session.scalars if scalars else state.session.execute)(query)
    rows = list(found.all())
    return rows[:size], page, len(rows) > size


def search_customers(stmt: sa.Select[t.Any], query: str) -> sa.Select[t.Any]:
    """``stmt`` narrowed to customers whose email or name contains ``query``
    (any case); ``stmt`` itself for an empty query."""
    if not query:
        return stmt
    like = f"%{query.lower()}%"
    return stmt.where(
        sa.or_(Customer.email.like(like), sa.func.lower(Customer.name).like(like))
    )
