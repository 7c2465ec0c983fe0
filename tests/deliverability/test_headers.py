"""Well-formed mail: Message-ID on the shop's domain, List-Id on campaigns, and an
envelope sender the shop controls (one per message with VERP)."""

from __future__ import annotations

from flask_loyalty.deliverability.bounces import parse_verp
from flask_loyalty.deliverability.bounces import verp_address

from .conftest import KEY
from .conftest import MakeApp
from .conftest import RawSMTPServer
from .conftest import add_subscribers
from .conftest import messages
from .conftest import queue_one
from .conftest import run_worker
from .conftest import send_campaign
from .conftest import smtp_app


def test_campaign_mail_is_well_formed(make_app: MakeApp, smtp: RawSMTPServer) -> None:
    app = smtp_app(make_app, smtp)
    topic = add_subscribers(app, ["anna@example.com"])
    send_campaign(app, topic)

    run_worker(app)

    [received] = smtp.wait_for(1)
    assert received["Message-ID"].endswith("@fern.test>")
    assert received["List-Id"] == "shop <newsletter.fern.test>"
    assert received.get_body(preferencelist=("plain",)) is not None
    assert received.get_body(preferencelist=("html",)) is not None
    html = received.get_body(preferencelist=("html",)).get_content()
    assert "<img" not in html  # no tracking pixel
    assert smtp.envelopes[0].mail_from == "hello@fern.test"


def test_message_id_domain_follows_config_then_dkim(
    make_app: MakeApp, smtp: RawSMTPServer
) -> None:
    app = smtp_app(
        make_app,
        smtp,
        LOYALTY_DKIM_SELECTOR="s1",
        LOYALTY_DKIM_DOMAIN="mail.fern.test",
        LOYALTY_DKIM_PRIVATE_KEY=str(KEY),
    )
    queue_one(app, "Receipt")
    [message] = messages(app)
    assert message.message_id.endswith("@mail.fern.test>")

    other = make_app(LOYALTY_MAIL_MESSAGE_ID_DOMAIN="ids.fern.test")
    queue_one(other, "Receipt")
    assert messages(other)[-1].message_id.endswith("@ids.fern.test>")


def test_return_path_and_verp(make_app: MakeApp, smtp: RawSMTPServer) -> None:
    plain = smtp_app(make_app, smtp, LOYALTY_MAIL_RETURN_PATH="bounces@fern.test")
    queue_one(plain, "One")
    run_worker(plain)
    smtp.wait_for(1)
    assert smtp.envelopes[0].mail_from == "bounces@fern.test"

    verp = smtp_app(
        make_app,
        smtp,
        LOYALTY_MAIL_RETURN_PATH="bounces@fern.test",
        LOYALTY_MAIL_VERP=True,
    )
    queue_one(verp, "Two")
    queue_one(verp, "Three")
    run_worker(verp)
    smtp.wait_for(3)
    ids = [m.id for m in messages(verp)]
    senders = [e.mail_from for e in smtp.envelopes[1:]]
    assert len(set(senders)) == 2
    for outbox_id, sender in zip(ids[-2:], senders, strict=True):
        assert sender.startswith(f"bounces+m{outbox_id}-")
        assert sender.endswith("@fern.test")
        assert parse_verp(sender, "bounces@fern.test", b"test secret") == outbox_id
    # The From header stays the shop's.
    assert smtp.messages[-1]["From"] == "Silver Fern <hello@fern.test>"


def test_a_forged_verp_address_names_no_message() -> None:
    real = verp_address("bounces@fern.test", 42, b"secret")
    assert parse_verp(real, "bounces@fern.test", b"secret") == 42
    assert (
        parse_verp(real.replace("m42", "m43"), "bounces@fern.test", b"secret") is None
    )
    assert parse_verp(real, "bounces@fern.test", b"other secret") is None
    assert parse_verp("anna@example.com", "bounces@fern.test", b"secret") is None
