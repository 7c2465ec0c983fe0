"""Provider webhooks: each shape is read, and a forged call is refused and changes
nothing."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import typing as t

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_loyalty import FrozenClock
from flask_loyalty import signals
from flask_loyalty.deliverability.models import MailEvent
from flask_loyalty.models import OutboxMessage
from flask_loyalty.newsletter.models import Subscriber
from flask_loyalty.newsletter.models import Suppression

from .conftest import MakeApp
from .conftest import add_subscribers
from .test_bounces import queue_for
from .test_bounces import suppressions

SECRETS = {
    "mailgun": "mg-signing-key",
    "postmark": "hooks:pm-password",
    "sendgrid": "hooks:sg-password",
    "ses": "hooks:ses-password",
    "loyalty": "our-shared-secret",
}


@pytest.fixture
def shop(make_app: MakeApp) -> Flask:
    app = make_app(LOYALTY_MAIL_WEBHOOK_SECRETS=SECRETS)
    add_subscribers(app, ["bob@example.net", "fay@example.com"])
    queue_for(app, "bob@example.net", "fay@example.com")
    return app


def basic(secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(secret.encode()).decode()}


def mailgun(
    event: dict[str, t.Any],
    now: float,
    key: str = SECRETS["mailgun"],
    stamp: str | None = None,
) -> t.Any:
    """A Mailgun webhook body, signed as Mailgun signs it (a new token each)."""
    stamp, token = stamp or str(int(now)), secrets.token_hex(25)
    signature = hmac.new(key.encode(), (stamp + token).encode(), hashlib.sha256)
    return {
        "signature": {
            "timestamp": stamp,
            "token": token,
            "signature": signature.hexdigest(),
        },
        "event-data": event,
    }


def loyalty_headers(body: bytes, now: float, secret: str = SECRETS["loyalty"]) -> dict:
    stamp = str(int(now))
    digest = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256)
    return {
        "X-Loyalty-Timestamp": stamp,
        "X-Loyalty-Signature": "sha256=" + digest.hexdigest(),
        "Content-Type": "application/json",
    }


def post(
    app: Flask, provider: str, payload: t.Any, headers: dict | None = None
) -> t.Any:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return app.test_client().post(
        f"/loyalty/hooks/mail/{provider}",
        data=body,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def message_id(app: Flask, email: str) -> str:
    """The Message-ID of the shop's last message to ``email``, as Mailgun gives it
    (without angle brackets)."""
    with app.app_context():
        s = app.extensions["loyalty"].session
        found = s.scalar(
            sa.select(OutboxMessage.message_id)
            .where(OutboxMessage.to_addr == email)
            .order_by(OutboxMessage.id.desc())
        )
    return str(found).strip("<>")


def failed_event(app: Flask, email: str, event_id: str = "mg-1") -> dict[str, t.Any]:
    return {
        "id": event_id,
        "event": "failed",
        "severity": "permanent",
        "recipient": email,
        "message": {"headers": {"message-id": message_id(app, email)}},
        "delivery-status": {"code": 550, "message": "5.1.1 mailbox unknown"},
    }


def complained_event(app: Flask, email: str, event_id: str = "mg-2") -> t.Any:
    return {
        "id": event_id,
        "event": "complained",
        "recipient": email,
        "message": {"headers": {"message-id": message_id(app, email)}},
    }


def hard_mailgun(app: Flask, now: float) -> t.Any:
    return mailgun(failed_event(app, "bob@example.net"), now)


def test_mailgun_bounce_and_complaint(shop: Flask, clock: FrozenClock) -> None:
    now = clock().timestamp()
    assert post(shop, "mailgun", hard_mailgun(shop, now)).get_json() == {
        "suppressed": 1
    }
    complaint = mailgun(complained_event(shop, "fay@example.com"), now)
    heard: list[tuple[str, object]] = []

    def receiver(sender: Flask, subscriber: Subscriber, campaign_id: object) -> None:
        heard.append((subscriber.email, campaign_id))

    with signals.unsubscribed.connected_to(receiver, sender=shop):
        assert post(shop, "mailgun", complaint).get_json() == {"unsubscribed": 1}
    assert heard == [("fay@example.com", None)]
    assert suppressions(shop) == {
        "bob@example.net": "bounce",
        "fay@example.com": "complaint",
    }
    with shop.app_context():
        s = shop.extensions["loyalty"].session
        fay = s.scalar(sa.select(Subscriber).where(Subscriber.email.like("fay%")))
        assert fay.status == "unsubscribed"


@pytest.mark.parametrize(
    ("provider", "payload"),
    [
        (
            "postmark",
            {
                "RecordType": "Bounce",
                "ID": 4323372036854775807,
                "Type": "HardBounce",
                "TypeCode": 1,
                "Email": "bob@example.net",
                "Description": "The server was unable to deliver your message",
                "Details": "smtp;550 5.1.1 The email account does not exist.",
            },
        ),
        (
            "sendgrid",
            [
                {"email": "fay@example.com", "event": "delivered", "sg_event_id": "d1"},
                {
                    "email": "bob@example.net",
                    "event": "bounce",
                    "type": "bounce",
                    "status": "5.1.1",
                    "reason": "550 5.1.1 User unknown",
                    "sg_event_id": "sg-1",
                    "smtp-id": "<x@fern.test>",
                },
            ],
        ),
        (
            "ses",
            {
                "Type": "Notification",
                "MessageId": "sns-1",
                "Message": json.dumps(
                    {
                        "notificationType": "Bounce",
                        "bounce": {
                            "bounceType": "Permanent",
                            "bouncedRecipients": [
                                {
                                    "emailAddress": "bob@example.net",
                                    "status": "5.1.1",
                                    "diagnosticCode": "smtp; 550 5.1.1 unknown",
                                }
                            ],
                        },
                        "mail": {"commonHeaders": {"messageId": "<x@fern.test>"}},
                    }
                ),
            },
        ),
    ],
)
def test_basic_auth_providers(shop: Flask, provider: str, payload: t.Any) -> None:
    forged = post(shop, provider, payload, basic("hooks:guessed"))
    assert forged.status_code == 403
    assert post(shop, provider, payload).status_code == 403  # no credentials
    assert suppressions(shop) == {}

    response = post(shop, provider, payload, basic(SECRETS[provider]))

    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json() == {"suppressed": 1}
    assert suppressions(shop) == {"bob@example.net": "bounce"}


def test_our_own_shape_with_hmac(shop: Flask, clock: FrozenClock) -> None:
    now = clock().timestamp()
    body = json.dumps(
        {
            "events": [
                {"id": "e1", "type": "hard_bounce", "email": "bob@example.net"},
                {"id": "e2", "type": "complaint", "email": "fay@example.com"},
                {"id": "e3", "type": "hard_bounce", "email": "never@mailed.example"},
            ]
        }
    ).encode()
    assert (
        post(shop, "loyalty", body, loyalty_headers(body, now - 3600)).status_code
        == 403
    )
    tampered = body.replace(b"bob@", b"fay@")
    assert (
        post(shop, "loyalty", tampered, loyalty_headers(body, now)).status_code == 403
    )
    assert suppressions(shop) == {}

    response = post(shop, "loyalty", body, loyalty_headers(body, now))

    assert response.get_json() == {"suppressed": 1, "unsubscribed": 1, "ignored": 1}
    # The provider retries: the same events count once.
    again = post(shop, "loyalty", body, loyalty_headers(body, now))
    assert again.get_json() == {"duplicate": 2, "ignored": 1}
    with shop.app_context():
        s = shop.extensions["loyalty"].session
        assert s.scalar(sa.select(sa.func.count(MailEvent.id))) == 2


def test_forged_and_malformed_calls_change_nothing(
    shop: Flask, clock: FrozenClock
) -> None:
    now = clock().timestamp()
    wrong_key = mailgun(failed_event(shop, "bob@example.net"), now, key="guessed")
    assert post(shop, "mailgun", wrong_key).status_code == 403
    replayed = hard_mailgun(shop, now - 3600)
    assert post(shop, "mailgun", replayed).status_code == 403
    assert post(shop, "mailgun", b"not json").status_code == 403
    assert post(shop, "mailgun", {"event-data": {}}).status_code == 403
    # Signed but not the documented shape: refused with a reason, nothing stored.
    body = b'{"events": [{"type": "hard_bounce"}]}'
    bad = post(shop, "loyalty", body, loyalty_headers(body, now))
    assert bad.status_code == 400
    assert "unexpected loyalty payload" in bad.get_json()["error"]
    with shop.app_context():
        s = shop.extensions["loyalty"].session
        assert s.scalar(sa.select(sa.func.count(Suppression.id))) == 0
        assert s.scalar(sa.select(sa.func.count(MailEvent.id))) == 0


def test_a_provider_without_a_secret_is_not_there(make_app: MakeApp) -> None:
    app = make_app(LOYALTY_MAIL_WEBHOOK_SECRETS={"postmark": "a:b"})
    assert post(app, "mailgun", {}).status_code == 404
    assert post(app, "nosuch", {}).status_code == 404
    assert app.test_client().get("/loyalty/hooks/mail/postmark").status_code == 405


def test_unknown_providers_in_config_fail_at_setup(make_app: MakeApp) -> None:
    with pytest.raises(RuntimeError, match="unknown providers"):
        make_app(LOYALTY_MAIL_WEBHOOK_SECRETS={"mailchimp": "x"})
