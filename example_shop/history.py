"""A past for the demo's first-purchase offer, so its report has something to say.

``flask shop init-offer-history`` (run by ``make demo`` after ``init-demo``) gives
the shop 600 customers whose first order came in the last 55 days, while the
offer ran with its holdout. Each first order goes through the offer as a live one
would (the holdout decides, at the time of the order, who gets a code); then a
seeded random draw brings some back: about 38 in 100 of those who got the code,
most of them using it, and about 8 in 100 of those held out. The draw is the
same on every run; who is held out depends on the shop's ``SECRET_KEY``, as in a
real shop. Running it again adds nothing.
"""

from __future__ import annotations

import random

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from flask_loyalty.models import Offer
from flask_loyalty.models import Order
from flask_loyalty.offers.service import issue

from .catalog import PRODUCTS
from .cli import DemoOrder
from .cli import add_demo_order
from .cli import shop_cli
from .extensions import db
from .extensions import loyalty

CUSTOMERS = 600
SEED = "silver-fern: the first-purchase offer's first two months"
CAME_BACK = {False: 0.38, True: 0.08}
"""The share who order again, for those who got the offer and those held out."""
USED_THE_CODE = 0.7
NAMES = {
    "et": (("Kadri", "Liis", "Triin", "Maarja", "Rein"), ("Tamm", "Kask", "Saar")),
    "el": (("Eleni", "Maria", "Sofia", "Nikos", "Anna"), ("Papadaki", "Georgiou")),
    "hu": (("Zsófia", "Eszter", "Réka", "Bence", "Anna"), ("Nagy", "Kovács", "Tóth")),
    "tl": (("Maricel", "Rosario", "Jasmin", "Paolo", "Ana"), ("Santos", "Reyes")),
}


def _first_purchase_offer() -> Offer | None:
    return db.session.scalar(
        sa.select(Offer)
        .where(Offer.trigger == "first_purchase", Offer.active.is_(True))
        .order_by(Offer.id)
        .limit(1)
    )


def add_offer_history(offer: Offer) -> tuple[int, int]:
    """Add the customers and their orders; ``(customers, orders)`` added."""
    rng = random.Random(SEED)
    skus = sorted(p.sku for p in PRODUCTS)
    customers = orders = 0
    for i in range(CUSTOMERS):
        locale = rng.choice(sorted(NAMES))
        first_names, last_names = NAMES[locale]
        name = f"{rng.choice(first_names)} {rng.choice(last_names)}"
        email = f"buyer{i:03d}@example.com"
        days_ago = rng.randint(5, 55)
        again_after = rng.randint(2, days_ago - 1) if days_ago > 2 else 1
        draw, use_code = rng.random(), rng.random()
        items = ((rng.choice(skus), 1),)
        later = ((rng.choice(skus), 1),)
        first = DemoOrder(f"SF-2{i:04d}", email, name, days_ago, items, locale)
        if not add_demo_order(first, {}):
            continue  # added by an earlier run, with all that follows
        customers, orders = customers + 1, orders + 1
        order = db.session.scalar(
            sa.select(Order).where(Order.reference == first.number)
        )
        assert order is not None
        grant = issue(
            loyalty.state,
            order.placed_at,
            offer,
            order.customer,
            key=f"first:{offer.id}:{order.customer_id}",
            order=order,
            send_mail=False,
        )
        held_out = grant is None
        if draw >= CAME_BACK[held_out]:
            continue
        code = grant.code if grant is not None else None
        use = code is not None and use_code < USED_THE_CODE
        again = DemoOrder(
            f"SF-3{i:04d}",
            email,
            name,
            days_ago - again_after,
            later,
            locale,
            discount_percent=offer.percent if use else 0,
        )
        add_demo_order(again, {})
        orders += 1
        if use and code is not None:
            loyalty.redeem_discount(code.display, again.number, commit=False)
    return customers, orders


@shop_cli.command("init-offer-history")
@with_appcontext
def init_offer_history() -> None:
    """Give the first-purchase offer a past with its holdout (after init-demo)."""
    offer = _first_purchase_offer()
    if offer is None:
        raise click.ClickException("Run `flask shop init-demo` first.")
    customers, orders = add_offer_history(offer)
    db.session.commit()
    if customers:
        click.echo(
            f"Added {customers} customers and {orders} orders to the"
            f" first-purchase offer's report."
        )
    else:
        click.echo("The offer's history was there already; nothing changed.")
