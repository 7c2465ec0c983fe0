"""``flask --app example_shop shop ...``: tables and demo data."""

from __future__ import annotations

import os
import typing as t
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import click
import sqlalchemy as sa
from flask.cli import with_appcontext
from flask_babel import force_locale

from flask_loyalty import OrderLine
from flask_loyalty import content_versions
from flask_loyalty.journeys.starters import add_starter_journeys
from flask_loyalty.migrations import upgrade
from flask_loyalty.models import Offer
from flask_loyalty.models import ReturnRules
from flask_loyalty.newsletter.models import Topic
from flask_loyalty.newsletter.preferences import add_topic
from flask_loyalty.offers.editing import OfferValues
from flask_loyalty.offers.editing import save_offer
from flask_loyalty.policies.rules import ReturnPolicy
from flask_loyalty.policies.rules import save_rules
from flask_loyalty.policies.service import save_page
from flask_loyalty.policies.service import starters

from .cart import FREE_SHIPPING_FROM
from .cart import SHIPPING
from .catalog import BY_SKU
from .extensions import db
from .extensions import loyalty
from .models import ShopOrder
from .models import ShopOrderLine
from .models import User
from .models import utcnow

OWNER_EMAIL = "owner@example.com"
DEMO_URL = "http://127.0.0.1:5000"


@dataclass(frozen=True)
class DemoOrder:
    number: str
    email: str
    name: str
    days_ago: int
    items: tuple[tuple[str, int], ...]
    locale: str | None = None
    discount_percent: int = 0
    """A code's percent off the items (the offer history's returning buyers)."""


DEMO_ORDERS = (
    DemoOrder("SF-10001", "anna@example.com", "Anna Tamm", 200,
              (("RNG-FERN", 1), ("EAR-FERN", 1))),
    DemoOrder("SF-10002", "mari@example.com", "Mari Kask", 150,
              (("NCK-TIDE", 1),), "et"),
    DemoOrder("SF-10003", "eleni@example.com", "Eleni Papadopoulou", 120,
              (("NCK-AMBR", 1),), "el"),
    DemoOrder("SF-10004", "anna@example.com", "Anna Tamm", 90,
              (("NCK-FERN", 1),)),
    DemoOrder("SF-10005", "zsofia@example.com", "Zsófia Nagy", 60,
              (("EAR-MOON", 1), ("RNG-TIDE", 1)), "hu"),
    DemoOrder("SF-10006", "maria@example.com", "Maria Santos", 25,
              (("EAR-TIDE", 1),), "tl"),
    DemoOrder("SF-10007", "mari@example.com", "Mari Kask", 12,
              (("RNG-MOON", 1),), "et"),
    DemoOrder("SF-10008", "anna@example.com", "Anna Tamm", 4,
              (("EAR-AMBR", 2),)),
)  # fmt: skip

DEMO_RETURN_RULES = ReturnPolicy(
    window_days=30,
    refund_methods=["original", "store_credit", "exchange"],
    non_returnable=["custom-made"],
    labels={
        "et": {"custom-made": "eritellimusel valmistatud ehted"},
        "el": {"custom-made": "κοσμήματα κατά παραγγελία"},
        "hu": {"custom-made": "egyedi rendelésre készült ékszerek"},
        "tl": {"custom-made": "alahas na ipinagawa nang espesyal"},
    },
    return_address="Silver Fern Jewellery\nTelliskivi 60a\n10412 Tallinn, Estonia",
    countries=["EE", "FI", "LV"],
)


DEMO_OFFER = OfferValues(
    name="Thank you for your first order",
    trigger="first_purchase",
    benefit="percent",
    percent=20,
    valid_days=60,
    subject="A thank-you gift for you, {{ first_name or 'friend' }}",
    message=(
        "Dear {{ first_name or 'friend' }},\n\nthank you for your first order at"
        " {{ shop_name }}! Every piece is made by hand, and we hope yours brings you"
        " joy.\n\nAs a thank-you, here is **{{ offer }}** your next order with the"
        " code **{{ code }}**."
    ),
)


DEMO_OFFER_TEXTS = {
    "et": (
        "Tänukingitus Teile, {{ first_name or 'sõber' }}",
        "Tere, {{ first_name or 'sõber' }}!\n\nAitäh Teie esimese tellimuse eest poes"
        " {{ shop_name }}! Iga ese on valmistatud käsitsi ja loodame, et Teie oma"
        " toob Teile rõõmu.\n\nTänutäheks saate järgmise tellimuse pealt"
        " **{{ offer }}** koodiga **{{ code }}**.",
    ),
    "el": (
        "Ένα δώρο ευχαριστίας για εσάς{% if first_name %}, {{ first_name }}{% endif %}",
        "Γεια σας{% if first_name %}, {{ first_name }}{% endif %}!\n\nΣας ευχαριστούμε"
        " για την πρώτη σας παραγγελία στο {{ shop_name }}! Κάθε κομμάτι φτιάχνεται"
        " στο χέρι και ελπίζουμε ότι το δικό σας θα σας χαρίσει χαρά.\n\nΩς"
        " ευχαριστώ, έχετε **{{ offer }}** στην επόμενη παραγγελία σας με τον"
        " κωδικό **{{ code }}**.",
    ),
    "hu": (
        "Köszönetajándék Önnek, {{ first_name or 'kedves Vásárlónk' }}",
        "Kedves {{ first_name or 'Vásárlónk' }}!\n\nKöszönjük az első rendelését"
        " nálunk ({{ shop_name }})! Minden darab kézzel készül, és reméljük, hogy az"
        " Öné sok örömet szerez.\n\nKöszönetképpen a következő rendeléséből"
        " **{{ offer }}** jár Önnek ezzel a kóddal: **{{ code }}**.",
    ),
    "tl": (
        "Isang regalong pasasalamat para sa inyo, {{ first_name or 'kaibigan' }}",
        "Kumusta, {{ first_name or 'kaibigan' }}!\n\nSalamat sa inyong unang order sa"
        " {{ shop_name }}! Gawang-kamay ang bawat piraso, at sana'y magdulot ng saya"
        " ang sa inyo.\n\nBilang pasasalamat, narito ang **{{ offer }}** sa susunod"
        " ninyong order gamit ang code na **{{ code }}**.",
    ),
}
"""The demo offer's email in the other languages of the shop."""

DEMO_OFFER_NAMES = {
    "et": "Aitäh esimese tellimuse eest",
    "el": "Ευχαριστούμε για την πρώτη σας παραγγελία",
    "hu": "Köszönjük az első rendelését",
    "tl": "Salamat sa inyong unang order",
}
"""The demo offer's name, as a customer reads it, in the other languages."""

DEMO_TOPIC = (
    "New pieces",
    "Rings, earrings and necklaces as they leave the workshop",
)
DEMO_TOPIC_TEXTS = {
    "et": ("Uued ehted", "Sõrmused, kõrvarõngad ja kaelakeed otse töökojast"),
    "el": (
        "Νέα κομμάτια",
        "Δαχτυλίδια, σκουλαρίκια και κολιέ μόλις βγουν από το εργαστήριο",
    ),
    "hu": ("Új darabok", "Gyűrűk, fülbevalók és nyakláncok frissen a műhelyből"),
    "tl": (
        "Mga bagong piraso",
        "Mga singsing, hikaw at kuwintas na bagong labas sa workshop",
    ),
}
"""The demo's newsletter topic: its name and description in each language."""


@click.group("shop")
def shop_cli() -> None:
    """Silver Fern Jewellery: tables and demo data."""


def create_tables() -> None:
    """Create the shop's tables and migrate the loyalty tables (both idempotent)."""
    db.create_all()
    _add_missing_user_columns()
    upgrade(db.engine)


def _add_missing_user_columns() -> None:
    """A demo database made before sign-up verified addresses gets the columns
    (the example shop has no migrations of its own; the loyalty tables do)."""
    have = {c["name"] for c in sa.inspect(db.engine).get_columns("shop_users")}
    table = t.cast(sa.Table, User.__table__)
    with db.engine.begin() as conn:
        for name in ("email_verified_at", "verify_token_hash", "verify_sent_at"):
            if name not in have:
                kind = table.c[name].type.compile(dialect=db.engine.dialect)
                conn.execute(
                    sa.text(f"ALTER TABLE shop_users ADD COLUMN {name} {kind}")
                )


def ensure_user(email: str, name: str, password: str, *, owner: bool = False) -> User:
    """The user with this address, created with ``password`` if she is new."""
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is None:
        user = User(email=email, name=name, is_owner=owner, email_verified_at=utcnow())
        user.set_password(password)
        db.session.add(user)
        db.session.flush()
    return user


def add_demo_order(demo: DemoOrder, users: dict[str, User]) -> bool:
    """Store one past order in the shop and in flask-loyalty; ``False`` if it was
    there already (``record_order`` is idempotent by order number)."""
    existing = db.session.scalar(
        sa.select(ShopOrder).where(ShopOrder.number == demo.number)
    )
    with force_locale(demo.locale or loyalty.state.settings.languages[0]):
        lines = [  # each product named as she read it when she bought
            ShopOrderLine(
                sku=sku,
                name=str(BY_SKU[sku].name),
                category=BY_SKU[sku].category,
                quantity=quantity,
                unit_price=BY_SKU[sku].price,
            )
            for sku, quantity in demo.items
        ]
    subtotal = sum((line.line_total for line in lines), Decimal("0.00"))
    discount = (subtotal * demo.discount_percent / 100).quantize(Decimal("0.01"))
    shipping = Decimal("0.00") if subtotal >= FREE_SHIPPING_FROM else SHIPPING
    user = users.get(demo.email)
    placed_at = utcnow().replace(second=0, microsecond=0) - timedelta(
        days=demo.days_ago
    )
    if existing is None:
        db.session.add(
            ShopOrder(
                number=demo.number,
                user=user,
                name=demo.name,
                email=demo.email,
                subtotal=subtotal,
                shipping=shipping,
                total=subtotal - discount + shipping,
                placed_at=placed_at,
                lines=lines,
            )
        )
    loyalty.record_order(
        demo.number,
        email=demo.email,
        name=demo.name,
        total=subtotal - discount + shipping,
        discount=discount,
        items=[
            OrderLine(
                sku=line.sku,
                name=line.name,
                quantity=line.quantity,
                unit_price=line.unit_price,
                category=line.category,
            )
            for line in lines
        ],
        shipping=shipping,
        customer_id=str(user.id) if user is not None else None,
        locale=demo.locale,
        placed_at=placed_at,
        commit=False,
    )
    return existing is None


@shop_cli.command("init-demo")
@with_appcontext
def init_demo() -> None:
    """Create the tables, an owner, a demo customer and a few past orders."""
    create_tables()
    owner_password = os.environ.get("SHOP_OWNER_PASSWORD") or "demo-owner"
    owner = ensure_user(OWNER_EMAIL, "Liis Saar", owner_password, owner=True)
    anna = ensure_user("anna@example.com", "Anna Tamm", "demo-anna")
    added = sum(add_demo_order(demo, {anna.email: anna}) for demo in DEMO_ORDERS)
    languages = loyalty.state.settings.languages
    if db.session.scalar(sa.select(Offer.id).limit(1)) is None:  # after the orders
        offer = save_offer(
            db.session,
            loyalty.state.now(),
            None,
            DEMO_OFFER,
            currency=loyalty.state.settings.currency,
            known_skus=set(BY_SKU),
        )
        for code in languages[1:]:  # the shop speaks five languages from the start
            if code in DEMO_OFFER_TEXTS:
                subject, message = DEMO_OFFER_TEXTS[code]
                content_versions.write(
                    offer,
                    code,
                    languages,
                    {
                        "name": DEMO_OFFER_NAMES[code],
                        "subject": subject,
                        "message": message,
                    },
                    loyalty.state.now(),
                )
    if db.session.scalar(sa.select(Topic.id).limit(1)) is None:
        add_demo_topic(languages)
    if db.session.get(ReturnRules, 1) is None:  # SF-10006 to SF-10008 are returnable
        save_rules(db.session, utcnow(), DEMO_RETURN_RULES)
        save_policy_pages(languages)
    # After the past orders, so they start no journey; both are switched on.
    add_starter_journeys(db.session, loyalty.state.now(), languages)
    db.session.commit()

    click.echo("Shop and loyalty tables are ready.")
    if added:
        click.echo(f"Added {added} past orders from {_customers()} customers.")
    else:
        click.echo("The demo orders were there already; nothing changed.")
    click.echo("Customer login: anna@example.com / demo-anna")
    if owner.check_password(owner_password):
        click.echo(
            f"Owner login: {OWNER_EMAIL} / {owner_password} at {DEMO_URL}/auth/sign-in"
        )
    else:
        click.echo(
            f"Owner login: {OWNER_EMAIL} with the password it was first created"
            f" with, at {DEMO_URL}/auth/sign-in"
        )


POLICIES_WRITTEN_DAYS_AGO = 40


def save_policy_pages(languages: t.Sequence[str]) -> None:
    """The built-in policy pages saved as the owner would, in every language, some
    weeks ago: each page says when it was last changed."""
    when = loyalty.state.now().replace(hour=9, minute=0, second=0, microsecond=0)
    when -= timedelta(days=POLICIES_WRITTEN_DAYS_AGO)
    for code in languages:
        with force_locale(code):
            for page in starters():
                save_page(
                    db.session,
                    when,
                    page.slug,
                    title=page.title,
                    body=page.body,
                    actor=OWNER_EMAIL,
                    language=code,
                    languages=languages,
                )


def add_demo_topic(languages: t.Sequence[str]) -> None:
    """The newsletter's topic, named in each of the shop's languages."""
    now = loyalty.state.now()
    topic = add_topic(db.session, now, *DEMO_TOPIC)
    for code in languages[1:]:
        if code in DEMO_TOPIC_TEXTS:
            name, description = DEMO_TOPIC_TEXTS[code]
            content_versions.write(
                topic, code, languages, {"name": name, "description": description}, now
            )


def _customers() -> int:
    return len({demo.email for demo in DEMO_ORDERS})
