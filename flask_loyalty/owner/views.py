"""Owner pages: overview, customers, outbox. Each answers 403 unless ``owner_check``
approves the request."""

from __future__ import annotations

import typing as t

import sqlalchemy as sa
from babel import Locale
from babel.dates import format_interval
from flask import Blueprint
from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import get_locale
from sqlalchemy.orm import lazyload

from ..customers.models import Customer
from ..forms import ActionForm
from ..i18n import _
from ..measure.overview import measured
from ..orders.models import Order
from ..outbox.models import QUEUED
from ..outbox.models import OutboxMessage
from ..state import get_state
from .access import owner_required
from .figures import PERIODS
from .figures import chart_svg
from .figures import dashboard
from .figures import read_period
from .listing import one_page
from .listing import search_customers


def register(bp: Blueprint) -> None:
    @bp.route("/owner/")
    @owner_required
    def owner_dashboard() -> t.Any:
        state = get_state()
        now = state.now()
        days = read_period(request.args.get("days"))
        figures = dashboard(state.session, now, days, state.settings.currency)
        locale = get_locale() or Locale("en")
        # The app's template filters: a shop or test that wraps them wraps these.
        filters = current_app.jinja_env.filters
        chart = chart_svg(
            figures.chart,
            with_label=_("orders with a loyalty code"),
            without_label=_("orders without one"),
            day_label=filters["loyalty_day"],
            bar_title=lambda bar: _(
                "%(date)s · with a code: %(coded)d, without: %(other)d",
                date=filters["loyalty_date"](bar.day),
                coded=bar.with_code,
                other=bar.without_code,
            ),
        )
        return render_template(
            "loyalty/owner/dashboard.html",
            dashboard=figures,
            periods=PERIODS,
            period=format_interval(
                figures.start.date(), now.date(), "yMMMd", locale=locale
            ),
            chart=chart,
            measured=measured(state.session, now),
        )

    @bp.route("/owner/customers")
    @owner_required
    def owner_customers() -> t.Any:
        state = get_state()
        query = "".join(
            ch for ch in request.args.get("q", "")[:100] if ch.isprintable()
        ).strip()
        orders = (
            sa.select(
                Order.customer_id,
                sa.func.count(Order.id).label("orders"),
                sa.func.sum(Order.total_cents).label("spent"),
                sa.func.max(Order.placed_at).label("last_order"),
            )
            .group_by(Order.customer_id)
            .subquery()
        )
        stmt = (
            sa.select(Customer, orders.c.orders, orders.c.spent, orders.c.last_order)
            .outerjoin(orders, orders.c.customer_id == Customer.id)
            .order_by(Customer.created_at.desc(), Customer.id.desc())
        )
        rows, page, has_next = one_page(state, search_customers(stmt, query))
        return render_template(
            "loyalty/owner/customers.html",
            rows=rows,
            query=query,
            page=page,
            has_next=has_next,
        )

    @bp.route("/owner/outbox")
    @owner_required
    def owner_outbox() -> t.Any:
        state = get_state()
        messages, page, has_next = one_page(
            state,
            sa.select(OutboxMessage)
            .options(lazyload(OutboxMessage.content))  # the list shows no bodies
            .order_by(OutboxMessage.id.desc()),
            scalars=True,
        )
        return render_template(
            "loyalty/owner/outbox.html",
            messages=messages,
            page=page,
            has_next=has_next,
            held=state.settings.mail_delivery == "hold",
        )

    @bp.route("/owner/outbox/<int:message_id>", methods=["GET", "POST"])
    @owner_required
    def owner_message(message_id: int) -> t.Any:
        state = get_state()
        message = state.session.get(OutboxMessage, message_id)
        if message is None:
            abort(404)
        form = ActionForm()
        if request.method == "POST":
            if not form.validate_on_submit():
                abort(400)
            message.status = QUEUED
            message.send_after = state.now()
            message.attempts = 0
            state.session.commit()
            flash(_("The message is queued to be sent again."), "success")
            return redirect(url_for(".owner_message", message_id=message.id))
        return render_template("loyalty/owner/message.html", message=message, form=form)
