"""Mail bombing (issue 17, finding 5): an attacker cannot fill one inbox with the
shop's sign-in links, newsletter confirmations or preferences links, whatever
spelling of the address, client IP or worker process the requests come from."""

from __future__ import annotations

import re
import typing as t
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from limits.storage import MemoryStorage
from limits.storage import RedisStorage

from example_shop import create_app
from example_shop import db
from example_shop.cli import create_tables
from flask_loyalty.outbox.models import OutboxMessage
from flask_loyalty.testing import run_due

from .conftest import ENVIRONMENT
from .conftest import post_form

ESTONIAN_REFUSAL = (
    "Liiga palju päringuid. Palun otsige oma postkastist (ka rämpsposti kaustast)"
    " varasemat e-kirja või proovige hiljem uuesti."
)
REFUSAL = (
    "Too many requests. Please check your inbox (and spam folder) for an"
    " earlier email, or try again later."
)
ERROR = re.compile(r'class="error"[^>]*>([^<]+)<')
# Folded for the limit, these are all victim@gmail.com.
SPELLINGS = [
    "victim+1@gmail.com",
    "victim+2@gmail.com",
    "v.i.c.t.i.m@gmail.com",
    "Victim+bomb@GoogleMail.com",
]


@pytest.fixture
def make_shop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> t.Iterator[t.Callable[..., Flask]]:
    """Example shop apps on one SQLite file: several calls are several workers."""
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    apps: list[Flask] = []

    def factory(**config: t.Any) -> Flask:
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "test secret",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'shop.db'}",
                **config,
            }
        )
        if not apps:
            with app.app_context():
                create_tables()
        apps.append(app)
        return app

    yield factory
    for app in apps:
        with app.app_context():
            db.engine.dispose()


def sign_in(client: FlaskClient, email: str) -> t.Any:
    return post_form(client, "/loyalty/", "/loyalty/sign-in", {"email": email})


def subscribe(client: FlaskClient, email: str) -> t.Any:
    return post_form(
        client,
        "/loyalty/newsletter",
        "/loyalty/newsletter",
        {"email": email, "consent": "y"},
    )


def ask_for_link(client: FlaskClient, email: str) -> t.Any:
    return post_form(
        client, "/loyalty/newsletter/link", "/loyalty/newsletter/link", {"email": email}
    )


def from_ip(client: FlaskClient, address: str) -> FlaskClient:
    client.environ_base["REMOTE_ADDR"] = address
    return client


def mails(app: Flask) -> list[str]:
    """The kinds of mail queued so far, oldest first."""
    run_due(app)
    with app.app_context():
        return list(
            db.session.scalars(sa.select(OutboxMessage.kind).order_by(OutboxMessage.id))
        )


def add_customer(app: Flask, email: str) -> None:
    with app.app_context():
        app.extensions["loyalty"].extension.record_order(
            "SF-1", email=email, name="Vic", total=Decimal("10.00")
        )
        db.session.commit()


def error(response: t.Any) -> str:
    match = ERROR.search(response.get_data(as_text=True))
    assert match, response.get_data(as_text=True)
    return match.group(1).strip()


def test_spellings_of_one_address_share_one_sign_in_limit(
    make_shop: t.Callable[..., Flask],
) -> None:
    shop = make_shop()
    add_customer(shop, "victim@gmail.com")
    client = shop.test_client()

    answers = [sign_in(client, email) for email in ["victim@gmail.com", *SPELLINGS]]

    # 3 an hour by default: the fourth spelling is refused, whatever it looks like.
    assert [a.status_code for a in answers] == [302, 302, 302, 429, 429]
    assert error(answers[3]) == REFUSAL
    assert 'name="email"' in answers[3].get_data(as_text=True), "the form again"
    assert mails(shop) == ["sign_in_link"]  # only the exact address is a customer
    # Anyone else is served as before.
    assert sign_in(client, "someone@gmail.com").status_code == 302


def test_the_refusal_does_not_tell_a_known_address_from_an_unknown_one(
    make_shop: t.Callable[..., Flask],
) -> None:
    shop = make_shop()
    add_customer(shop, "anna@example.com")
    client = shop.test_client()

    known = [sign_in(client, "anna@example.com") for _ in range(4)]
    unknown = [sign_in(client, "nobody@example.com") for _ in range(4)]

    assert [a.status_code for a in known] == [a.status_code for a in unknown]
    assert [a.status_code for a in known] == [302, 302, 302, 429]
    assert error(known[3]) == error(unknown[3]) == REFUSAL
    assert mails(shop) == ["sign_in_link"] * 3


def test_new_client_ips_do_not_buy_a_new_limit_for_the_address(
    make_shop: t.Callable[..., Flask],
) -> None:
    shop = make_shop()
    add_customer(shop, "victim@gmail.com")

    codes = [
        sign_in(from_ip(shop.test_client(), f"10.0.0.{n}"), email).status_code
        for n, email in enumerate(["victim@gmail.com"] * 3 + SPELLINGS)
    ]

    assert codes == [302] * 3 + [429] * 4
    assert mails(shop) == ["sign_in_link"] * 3


def test_one_client_is_limited_across_addresses(
    make_shop: t.Callable[..., Flask],
) -> None:
    shop = make_shop(LOYALTY_RATE_LIMIT="4/hour")
    client = shop.test_client()

    codes = [sign_in(client, f"p{n}@example.com").status_code for n in range(5)]

    assert codes == [302] * 4 + [429]
    # Another client is not held back by her.
    other = from_ip(shop.test_client(), "10.0.0.9")
    assert sign_in(other, "p9@example.com").status_code == 302


def test_newsletter_confirmations_to_one_inbox_are_limited(
    make_shop: t.Callable[..., Flask],
) -> None:
    """``victim+N@`` used to be a new subscriber with a new limit each time."""
    shop = make_shop()
    client = shop.test_client()

    answers = [subscribe(client, email) for email in SPELLINGS]

    assert [a.status_code for a in answers] == [302, 302, 302, 429]
    assert error(answers[3]) == REFUSAL
    assert mails(shop) == ["newsletter_confirm"] * 3


def test_preferences_links_to_one_inbox_are_limited(
    make_shop: t.Callable[..., Flask],
) -> None:
    shop = make_shop()
    client = shop.test_client()
    assert subscribe(client, "victim@gmail.com").status_code == 302

    answers = [
        ask_for_link(client, email) for email in ["victim@gmail.com", *SPELLINGS]
    ]

    assert [a.status_code for a in answers] == [302, 302, 302, 429, 429]
    assert error(answers[3]) == REFUSAL
    # Pending subscribers get no preferences link; the known address is asked the
    # same way as the unknown spellings, and the limit counted them all.
    assert mails(shop) == ["newsletter_confirm", "newsletter_link"]


def test_each_kind_of_mail_has_its_own_limit(make_shop: t.Callable[..., Flask]) -> None:
    shop = make_shop()
    client = shop.test_client()
    assert [sign_in(client, e).status_code for e in SPELLINGS] == [302] * 3 + [429]

    # The sign-in limit is used up; a newsletter confirmation still goes out.
    assert subscribe(client, "victim@gmail.com").status_code == 302
    assert mails(shop) == ["newsletter_confirm"]


def test_a_day_limit_holds_when_the_hour_allows(
    make_shop: t.Callable[..., Flask],
) -> None:
    shop = make_shop(LOYALTY_MAIL_LIMIT_PER_RECIPIENT="10/hour;2/day")
    client = shop.test_client()

    codes = [subscribe(client, email).status_code for email in SPELLINGS]

    assert codes == [302, 302, 429, 429]


def test_the_refusal_is_in_the_visitor_s_language(
    make_shop: t.Callable[..., Flask],
) -> None:
    shop = make_shop(LOYALTY_MAIL_LIMIT_PER_RECIPIENT="1/hour")
    client = shop.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "et"
    assert subscribe(client, "victim@gmail.com").status_code == 302

    refused = subscribe(client, "victim+2@gmail.com")

    assert refused.status_code == 429
    assert error(refused) == ESTONIAN_REFUSAL
    assert mails(shop) == ["newsletter_confirm"]


def test_the_default_storage_is_this_process_s_memory(
    make_shop: t.Callable[..., Flask],
) -> None:
    """Without LOYALTY_RATE_LIMIT_STORAGE_URL each worker counts for itself."""
    first, second = make_shop(), make_shop()
    assert isinstance(first.extensions["loyalty"].limiter.storage, MemoryStorage)
    for _ in range(3):
        assert sign_in(first.test_client(), "victim@gmail.com").status_code == 302
    assert sign_in(first.test_client(), "victim@gmail.com").status_code == 429
    assert sign_in(second.test_client(), "victim@gmail.com").status_code == 302


def test_workers_sharing_redis_share_the_count(
    make_shop: t.Callable[..., Flask], redis_url: str
) -> None:
    """Four workers used to allow four times the limit (issue 17, finding 5)."""
    workers = [make_shop(LOYALTY_RATE_LIMIT_STORAGE_URL=redis_url) for _ in range(4)]
    add_customer(workers[0], "victim@gmail.com")
    assert isinstance(workers[0].extensions["loyalty"].limiter.storage, RedisStorage)

    codes = [
        sign_in(workers[n % 4].test_client(), email).status_code
        for n, email in enumerate(["victim@gmail.com"] * 2 + SPELLINGS)
    ]

    assert codes == [302] * 3 + [429] * 3
    assert mails(workers[0]) == ["sign_in_link"] * 2
    # Redis holds keyed digests: neither the address nor the client IP.
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        keys = [key.decode() for key in client.keys("*")]
    finally:
        client.close()
    assert keys and all(key.startswith("flask-loyalty:") for key in keys)
    assert not [key for key in keys if "victim" in key or "127.0.0.1" in key]
