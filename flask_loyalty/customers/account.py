"""What the customer's account page reads, in a fixed number of queries.

The page's sections (offers, points, orders, returns) share four reads, each one
statement however long her history, each run when a section first asks for it:

- :attr:`Account.rules`: the points program and its tiers, the return rules, the
  running stamp cards, and her standing (12-month spend, balance, birthday, number
  of orders), from one row per tier and stamp card;
- :attr:`Account.orders`: her newest orders with what was refunded of them, and
  her newest return requests with their order numbers;
- :attr:`Account.history`: a page of her points ledger, with what tells whether
  points expire soon (the points page); the account page reads only the latter,
  :attr:`Account.expiring`, and only when points expire;
- :attr:`Account.codes`: her discount codes still open: those bought with points,
  and her newest offers' codes with their offers.

Plain reads over a session and a clock, no request: the views keep one
:class:`Account` per request. The page only shows what it reads, so the reads are
Core statements on the session's connection and come back as small frozen records
(:class:`PastOrder`, :class:`PastRequest`, :class:`LedgerEntry`, :class:`OpenCode`,
:class:`OpenOffer`, :class:`ShownOffer`), not ORM objects: loading entities into
the session costs more than the statements themselves on a page like this.
"""

from __future__ import annotations

import functools
import typing as t
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..codes.models import POINTS
from ..db import core_connection
from ..orders.models import Order
from ..points.due import expiring_from
from ..points.due import expiry_moment
from ..points.models import NO_EXPIRY
from ..points.program import ProgramSettings
from ..points.program import add_months
from ..points.program import rules_from_rows
from ..policies.models import ReturnRules
from ..policies.rules import policy_from_row
from .records import Codes
from .records import History
from .records import LedgerEntry
from .records import OpenCode
from .records import OpenOffer
from .records import OrderOfEntry
from .records import Orders
from .records import PastOrder
from .records import PastRequest
from .records import Rules
from .records import ShownOffer
from .statements import CODES
from .statements import HISTORY_PAGE
from .statements import ORDERS
from .statements import RECENT_ORDERS
from .statements import RULES
from .statements import ReturnRulesRow
from .statements import expiry_read
from .statements import history_page
from .statements import record

NOTICE_DAYS = 30
"""Points that expire within this many days, or the program's warning days if
more (:func:`notice_days`), are shown as expiring."""


def notice_days(program: ProgramSettings) -> int:
    """How many days ahead her pages show points that will expire."""
    return max(program.warning_days, NOTICE_DAYS)


# -- The reads --------------------------------------------------------------------


class Account:
    """The account page's reads for one customer at ``now``; each attribute is
    one query, run when first read."""

    def __init__(
        self,
        session: Session,
        now: datetime,
        customer_id: int,
        *,
        currency: str,
        points_page: int = 1,
        page_size: int = HISTORY_PAGE,
    ) -> None:
        self.session = session
        self.now = now
        self.customer_id = customer_id
        self.currency = currency
        self.points_page = points_page
        self.page_size = page_size

    @functools.cached_property
    def _connection(self) -> sa.Connection:
        # Taken once, with the session's flush: the reads run while the page
        # renders, which writes nothing.
        return core_connection(self.session, Order)

    def _rows(self, statement: sa.Select[t.Any], **values: t.Any) -> list[t.Any]:
        return list(self._connection.execute(statement, values).all())

    @functools.cached_property
    def rules(self) -> Rules:
        rows = self._rows(
            RULES,
            customer_id=self.customer_id,
            now=self.now,
            since=add_months(self.now, -12),
            currency=self.currency,
        )
        program, tiers, spend_cents = rules_from_rows(rows)
        first = rows[0]
        cards = {
            r.offer_id: record(ShownOffer, r, "offer_")
            for r in rows
            if r.offer_id is not None
        }
        saved = first.return_rules_id is not None
        return Rules(
            program=program,
            tiers=tiers,
            return_policy=policy_from_row(
                t.cast(ReturnRules, ReturnRulesRow(first)) if saved else None
            ),
            stamp_cards=list(cards.values()),
            spend_cents=spend_cents,
            balance=int(first.balance or 0),
            birthday=first.birthday,
            order_count=int(first.order_count or 0),
        )

    @functools.cached_property
    def orders(self) -> Orders:
        rows = self._rows(ORDERS, customer_id=self.customer_id)
        orders = {row.order_id: record(PastOrder, row, "order_") for row in rows}
        requests = [
            PastRequest(
                row.request_id,
                row.request_number,
                row.request_status,
                row.order_reference,
            )
            for row in rows
            if row.request_id is not None
        ]
        requests.sort(key=lambda r: r.id, reverse=True)
        return Orders(orders=list(orders.values())[:RECENT_ORDERS], requests=requests)

    @functools.cached_property
    def history(self) -> History:
        her, size = self.customer_id, self.page_size
        program = self.rules.program
        days = notice_days(program)
        rows = self._rows(
            history_page(program.expiry_mode),
            customer_id=her,
            offset=(self.points_page - 1) * size,
            limit=size + 1,
            moment=expiry_moment(self.now, program, days),
        )
        entries = [
            record(LedgerEntry, row, "entry_")
            for row in rows
            if row.entry_id is not None
        ]
        expiring, when, _key = expiring_from(
            rows[0]._mapping, her, self.now, program, days
        )
        orders = {
            row.entry_id: OrderOfEntry(row.order_reference, row.order_placed_at)
            for row in rows
            if row.entry_id is not None and row.order_reference is not None
        }
        return History(entries[:size], len(entries) > size, expiring, when, orders)

    @functools.cached_property
    def expiring(self) -> tuple[int, datetime | None]:
        """How many of her points expire within :func:`notice_days`, and by
        when: from :attr:`history` when it was read, else one statement of the
        expiry columns alone, or none when the program's points never expire."""
        if "history" in self.__dict__:
            return self.history.expiring, self.history.expiring_when
        program = self.rules.program
        if program.expiry_mode == NO_EXPIRY:
            return 0, None
        days = notice_days(program)
        [row] = self._rows(
            expiry_read(program.expiry_mode),
            customer_id=self.customer_id,
            moment=expiry_moment(self.now, program, days),
        )
        points, when, _key = expiring_from(
            row._mapping, self.customer_id, self.now, program, days
        )
        return points, when

    @functools.cached_property
    def codes(self) -> Codes:
        rows = self._rows(CODES, customer_id=self.customer_id, now=self.now)
        grants = sorted(
            (
                OpenOffer(
                    id=row.grant_id,
                    offer_id=row.offer_id,
                    offer=record(ShownOffer, row, "offer_"),
                    code=record(OpenCode, row, "code_"),
                    suggestions=row.grant_suggestions or [],
                )
                for row in rows
                if row.grant_id is not None
            ),
            key=lambda grant: grant.id,
            reverse=True,
        )
        points_codes = [
            record(OpenCode, row, "code_")
            for row in rows
            if row.grant_id is None and row.code_source == POINTS
        ]
        return Codes(points_codes=points_codes, grants=grants)


def stamps(account: Account) -> list[tuple[ShownOffer, int]]:
    """Her stamp cards: each running stamp card offer with the stamps she has
    towards the next reward (orders so far, modulo N)."""
    rules = account.rules
    return [
        (card, rules.order_count % max(card.trigger_n, 1)) for card in rules.stamp_cards
    ]
