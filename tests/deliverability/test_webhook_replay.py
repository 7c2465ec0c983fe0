"""Mailgun signs a timestamp and a token, not the body. A signature seen once must
not carry another body, a timestamp must be Unix seconds of the last 15 minutes,
and an event counts only for the message the outbox sent to that recipient."""

from __future__ import annotations

import typing as t

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_loyalty import FrozenClock
from flask_loyalty.deliverability import views
from flask_loyalty.deliverability.models import MailEvent
from flask_loyalty.deliverability.models import WebhookNonce

from .conftest import MakeApp
from .conftest import add_subscribers
from .test_bounces import queue_for
from .test_bounces import suppressions
from .test_complaints import statuses
from .test_webhooks import SECRETS
from .test_webhooks import complained_event
from .test_webhooks import failed_event
from .test_webhooks import mailgun
from .test_webhooks import post


def shop_on(make_app: MakeApp, database_url: str | None = None) -> Flask:
    app = make_app(database_url=database_url, LOYALTY_MAIL_WEBHOOK_SECRETS=SECRETS)
    add_subscribers(app, ["bob@example.net", "fay@example.com"])
    queue_for(app, "bob@example.net", "fay@example.com")
    return app


def events(app: Flask) -> int:
    with app.app_context():
        s = app.extensions["loyalty"].session
        return int(s.scalar(sa.select(sa.func.count(MailEvent.id))) or 0)


def test_a_signature_replayed_with_another_body_is_refused(
    make_app: MakeApp, clock: FrozenClock, database_url: str
) -> None:
    # Two workers of one shop: the replay reaches the other one.
    first, second = (
        shop_on(make_app, database_url),
        make_app(database_url=database_url, LOYALTY_MAIL_WEBHOOK_SECRETS=SECRETS),
    )
    now = clock().timestamp()
    genuine = mailgun(failed_event(first, "bob@example.net"), now)
    assert post(first, "mailgun", genuine).get_json() == {"suppressed": 1}

    # Someone who saw that request sends its signature with Fay's complaint.
    clock.advance(minutes=5)
    forged = {**genuine, "event-data": complained_event(first, "fay@example.com")}
    refused = post(second, "mailgun", forged)

    assert refused.status_code == 403
    assert "used" in refused.get_json()["error"]
    assert post(first, "mailgun", genuine).status_code == 403  # the same, again
    assert suppressions(first) == {"bob@example.net": "bounce"}
    assert statuses(first)["fay@example.com"] == "confirmed"
    assert events(first) == 1


def test_a_fresh_signature_counts_only_for_the_message_it_names(
    make_app: MakeApp, clock: FrozenClock
) -> None:
    app = shop_on(make_app)
    now = clock().timestamp()
    # A captured signature used first, with an event about Fay that names Bob's
    # message (her own Message-ID is not known), and one that names none.
    about_fay = complained_event(app, "fay@example.com")
    about_fay["message"] = failed_event(app, "bob@example.net")["message"]
    naming_none = {**complained_event(app, "fay@example.com"), "id": "mg-3"}
    del naming_none["message"]

    for event in (about_fay, naming_none):
        assert post(app, "mailgun", mailgun(event, now)).get_json() == {"ignored": 1}

    assert suppressions(app) == {}
    assert statuses(app)["fay@example.com"] == "confirmed"


@pytest.mark.parametrize(
    ("stamp", "why"),
    [
        ("nan", "no timestamp"),
        ("NaN", "no timestamp"),
        ("inf", "no timestamp"),
        ("-inf", "no timestamp"),
        ("infinity", "no timestamp"),
        ("1e10", "no timestamp"),
        (" 1772445600", "no timestamp"),
        (lambda now: str(int(now) - 3600), "too old"),
        (lambda now: str(int(now) - 901), "too old"),
        (lambda now: str(int(now) + 3600), "in the future"),
        (lambda now: str(int(now) * 10), "in the future"),
    ],
    ids=[
        "nan",
        "NaN",
        "inf",
        "-inf",
        "infinity",
        "exponent",
        "space",
        "an hour old",
        "901 s old",
        "an hour ahead",
        "far future",
    ],
)
def test_timestamps_that_are_not_fresh_unix_seconds_are_refused(
    make_app: MakeApp,
    clock: FrozenClock,
    stamp: str | t.Callable[[float], str],
    why: str,
) -> None:
    app = shop_on(make_app)
    now = clock().timestamp()
    value = stamp(now) if callable(stamp) else stamp
    # Signed with the right key: only the timestamp is wrong.
    body = mailgun(failed_event(app, "bob@example.net"), now, stamp=value)

    response = post(app, "mailgun", body)

    assert response.status_code == 403
    assert why in response.get_json()["error"]
    assert suppressions(app) == {}
    assert events(app) == 0


def test_a_failed_request_gives_its_signature_back_and_old_ones_are_forgotten(
    make_app: MakeApp, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = shop_on(make_app)
    now = clock().timestamp()
    body = mailgun(failed_event(app, "bob@example.net"), now)

    def broken(*args: t.Any) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(views, "apply_reports", broken)
    with pytest.raises(RuntimeError):
        post(app, "mailgun", body)
    monkeypatch.undo()
    # Mailgun retries the same request: it is taken now.
    assert post(app, "mailgun", body).get_json() == {"suppressed": 1}

    clock.advance(minutes=16)
    later = mailgun(failed_event(app, "fay@example.com", "mg-9"), clock().timestamp())
    assert post(app, "mailgun", later).get_json() == {"suppressed": 1}
    with app.app_context():
        s = app.extensions["loyalty"].session
        assert s.scalar(sa.select(sa.func.count(WebhookNonce.id))) == 1
