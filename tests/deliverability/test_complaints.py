"""Complaints whose recipient the provider hid are matched by our message: the
VERP envelope sender or the Message-ID the outbox stored."""

from __future__ import annotations

import mailbox
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_loyalty.deliverability.bounces import verp_address
from flask_loyalty.deliverability.models import MailEvent
from flask_loyalty.newsletter.models import Subscriber

from . import samples
from .conftest import MakeApp
from .conftest import add_subscribers
from .test_bounces import bounces
from .test_bounces import queue_for
from .test_bounces import suppressions

TO = "fbl@fern.test"
RETURN_PATH = "bounces@fern.test"


@pytest.fixture
def shop(make_app: MakeApp) -> Flask:
    app = make_app(LOYALTY_MAIL_RETURN_PATH=RETURN_PATH, LOYALTY_MAIL_VERP=True)
    add_subscribers(app, ["anna@example.com", "bob@example.net"])
    return app


def report(mid: str, *, envelope: str = RETURN_PATH, hidden: str = "redacted") -> bytes:
    return samples.render(
        samples.ARF_REDACTED,
        to=TO,
        id=str(abs(hash((mid, envelope, hidden)))),
        envelope=envelope,
        hidden=hidden,
        mid=mid,
    )


def statuses(app: Flask) -> dict[str, str]:
    with app.app_context():
        s = app.extensions["loyalty"].session
        return dict(s.execute(sa.select(Subscriber.email, Subscriber.status)).all())


def read(app: Flask, tmp_path: Path, *messages: bytes) -> str:
    box = mailbox.Maildir(tmp_path / "fbl", create=True)
    for raw in messages:
        box.add(raw)
    return bounces(app, tmp_path / "fbl")


@pytest.mark.parametrize("hidden", ["redacted", "<redacted>", "xxxxxxxx@mail.example"])
def test_a_redacted_complaint_is_matched_by_message_id(
    shop: Flask, tmp_path: Path, hidden: str
) -> None:
    [_, (_, anna_mid)] = queue_for(shop, "bob@example.net", "anna@example.com")

    output = read(shop, tmp_path, report(anna_mid, hidden=hidden))

    assert "1 unsubscribed" in output
    assert suppressions(shop) == {"anna@example.com": "complaint"}
    assert statuses(shop) == {
        "anna@example.com": "unsubscribed",
        "bob@example.net": "confirmed",
    }


def test_a_redacted_complaint_is_matched_by_its_verp_envelope(
    shop: Flask, tmp_path: Path
) -> None:
    [(anna_id, _), _] = queue_for(shop, "anna@example.com", "bob@example.net")
    envelope = verp_address(RETURN_PATH, anna_id, b"test secret")

    # The provider rewrote the Message-ID; the envelope still names her message.
    output = read(shop, tmp_path, report("<rewritten@mail.example>", envelope=envelope))

    assert "1 unsubscribed" in output
    assert suppressions(shop) == {"anna@example.com": "complaint"}
    with shop.app_context():
        s = shop.extensions["loyalty"].session
        assert s.scalar(sa.select(MailEvent.outbox_id)) == anna_id


def test_a_hidden_complaint_naming_nothing_of_ours_changes_nothing(
    shop: Flask, tmp_path: Path
) -> None:
    [(anna_id, anna_mid)] = queue_for(shop, "anna@example.com")
    forged = verp_address(RETURN_PATH, anna_id, b"guessed secret")
    output = read(
        shop,
        tmp_path,
        report("<unknown@elsewhere.example>"),
        report("<unknown2@elsewhere.example>", envelope=forged),
        # Her message forwarded to Bob, who complained: his address, not hers.
        report(anna_mid, hidden="bob@example.net"),
    )
    assert "3 ignored" in output
    assert suppressions(shop) == {}
    assert statuses(shop)["anna@example.com"] == "confirmed"
