"""DKIM: what the SMTP server receives verifies with dkimpy against the shop's key."""

from __future__ import annotations

import logging
import re
import typing as t

import dkim
import pytest
import sqlalchemy as sa

from flask_loyalty.models import OutboxMessage
from flask_loyalty.outbox import dkim as signing
from flask_loyalty.outbox import mime

from .conftest import KEY
from .conftest import OTHER_KEY
from .conftest import MakeApp
from .conftest import RawSMTPServer
from .conftest import add_subscribers
from .conftest import queue_one
from .conftest import run_worker
from .conftest import send_campaign
from .conftest import smtp_app

DKIM = {
    "LOYALTY_DKIM_SELECTOR": "fern2026",
    "LOYALTY_DKIM_DOMAIN": "fern.test",
    "LOYALTY_DKIM_PRIVATE_KEY": str(KEY),
}


def public_record(key: t.Any = KEY) -> bytes:
    signer = signing.load_signer("fern2026", "fern.test", str(key))
    assert signer is not None
    return signer.public_record().encode()


def dns(record: bytes) -> t.Callable[..., bytes | None]:
    """A DNS that publishes ``record`` at fern2026._domainkey.fern.test."""

    def lookup(name: bytes, timeout: int = 5) -> bytes | None:
        return record if name == b"fern2026._domainkey.fern.test." else None

    return lookup


def test_campaign_mail_verifies_and_signs_both_unsubscribe_headers(
    make_app: MakeApp, smtp: RawSMTPServer
) -> None:
    app = smtp_app(make_app, smtp, **DKIM)
    topic = add_subscribers(app, ["anna@example.com"])
    send_campaign(app, topic)

    run_worker(app)

    smtp.wait_for(1)
    [raw] = smtp.raw
    assert dkim.verify(raw, dnsfunc=dns(public_record()))
    names = signing.signed_header_names(raw)
    for header in ("from", "to", "subject", "date", "message-id"):
        assert header in names
    assert "list-unsubscribe" in names
    assert "list-unsubscribe-post" in names
    [received] = smtp.messages
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "d=fern.test" in received["DKIM-Signature"]
    assert "s=fern2026" in received["DKIM-Signature"]
    # Changing a signed header on the way breaks the signature.
    tampered = raw.replace(b"List-Unsubscribe-Post:", b"List-Unsubscribe-Post: x", 1)
    assert not dkim.verify(tampered, dnsfunc=dns(public_record()))
    # And another key's record does not verify it.
    assert not dkim.verify(raw, dnsfunc=dns(public_record(OTHER_KEY)))


@pytest.mark.parametrize("as_text", [True, False])
def test_a_pkcs8_key_works_as_pem_text_or_file(
    make_app: MakeApp, smtp: RawSMTPServer, as_text: bool
) -> None:
    key = OTHER_KEY.read_text() if as_text else str(OTHER_KEY)
    app = smtp_app(make_app, smtp, **{**DKIM, "LOYALTY_DKIM_PRIVATE_KEY": key})
    queue_one(app, "Your sign-in link")

    run_worker(app)

    smtp.wait_for(1)
    assert dkim.verify(smtp.raw[0], dnsfunc=dns(public_record(OTHER_KEY)))


def test_dkim_is_off_by_default(make_app: MakeApp, smtp: RawSMTPServer) -> None:
    app = smtp_app(make_app, smtp)
    queue_one(app, "Hello")

    run_worker(app)

    [received] = smtp.wait_for(1)
    assert received["DKIM-Signature"] is None


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("not a key at all", "cannot read the key file"),
        (
            "-----BEGIN RSA PRIVATE KEY-----\nbm90IGEga2V5\n"
            "-----END RSA PRIVATE KEY-----",
            "cannot be read as an RSA private key",
        ),
        ("-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----", "not a PEM"),
    ],
)
def test_an_unusable_key_is_logged_and_mail_goes_out_unsigned(
    make_app: MakeApp,
    smtp: RawSMTPServer,
    caplog: pytest.LogCaptureFixture,
    key: str,
    expected: str,
) -> None:
    with caplog.at_level(logging.ERROR, logger="flask_loyalty.mail"):
        app = smtp_app(make_app, smtp, **{**DKIM, "LOYALTY_DKIM_PRIVATE_KEY": key})
    assert any(expected in record.getMessage() for record in caplog.records)
    queue_one(app, "Receipt")

    run_worker(app)

    [received] = smtp.wait_for(1)
    assert received["DKIM-Signature"] is None
    result = app.test_cli_runner().invoke(args=["loyalty", "mail", "check"])
    assert result.exit_code == 1
    assert expected in result.output


def test_a_key_without_a_selector_is_explained(make_app: MakeApp) -> None:
    app = make_app(LOYALTY_DKIM_PRIVATE_KEY=str(KEY))
    result = app.test_cli_runner().invoke(args=["loyalty", "mail", "check"])
    assert result.exit_code == 1
    assert "LOYALTY_DKIM_SELECTOR" in result.output


def test_mail_check_prints_the_records_and_checks_a_sample(make_app: MakeApp) -> None:
    app = make_app(**DKIM, LOYALTY_MAIL_RETURN_PATH="bounces@mail.fern.test")
    runner = app.test_cli_runner()

    result = runner.invoke(args=["loyalty", "mail", "check", "--no-dns"])

    assert result.exit_code == 0, result.output
    record = public_record().decode()
    assert f'fern2026._domainkey.fern.test.  TXT  "{record}"' in result.output
    assert 'mail.fern.test.  TXT  "v=spf1' in result.output
    assert '_dmarc.fern.test.  TXT  "v=DMARC1; p=none' in result.output
    assert "verifies" in result.output
    assert "list-unsubscribe:list-unsubscribe-post" in result.output

    published = runner.invoke(args=["loyalty", "mail", "check", "--published", record])
    assert published.exit_code == 0, published.output
    assert "matches the key" in published.output

    stale = public_record(OTHER_KEY).decode()
    wrong = runner.invoke(args=["loyalty", "mail", "check", "--published", stale])
    assert wrong.exit_code == 1
    assert "does not match the private key" in wrong.output


def test_mail_check_without_dkim_says_how_to_turn_it_on(make_app: MakeApp) -> None:
    result = make_app().test_cli_runner().invoke(args=["loyalty", "mail", "check"])
    assert result.exit_code == 1
    assert "v=spf1" in result.output  # SPF and DMARC are printed all the same
    assert "DKIM is off" in result.output


def test_long_headers_are_folded_and_still_verify(
    make_app: MakeApp, smtp: RawSMTPServer
) -> None:
    """``List-Unsubscribe`` was one 214-character line (RFC 5322 asks for 78)."""
    app = smtp_app(make_app, smtp, **DKIM)
    topic = add_subscribers(app, ["anna@example.com"])
    send_campaign(app, topic)
    run_worker(app)
    smtp.wait_for(1)
    [raw] = smtp.raw
    assert dkim.verify(raw, dnsfunc=dns(public_record()))
    head = raw.split(b"\r\n\r\n", 1)[0].decode()
    folded = re.search(r"^List-Unsubscribe: .*?(?=\r\n\S)", head, re.M | re.S)
    assert folded and "\r\n " in folded.group(0)
    for line in folded.group(0).removeprefix("List-Unsubscribe: ").split("\r\n"):
        assert len(line) <= 78 or " " not in line.strip(), line  # one long address
    [received] = smtp.messages
    with app.app_context():
        [queued] = (
            app.extensions["loyalty"]
            .session.scalars(
                sa.select(OutboxMessage).where(OutboxMessage.kind == "campaign")
            )
            .all()
        )
    assert received["List-Unsubscribe"] == queued.headers["List-Unsubscribe"]


def test_fold_gives_the_value_back_when_unfolded() -> None:
    for value in [
        "A short subject",
        "A subject that goes on and on about new rings, pendants and earrings"
        " for the autumn",
        "<https://x.example/" + "u" * 120 + ">, <mailto:u@x.example?subject=u>",
        "no-spaces-" + "x" * 100,
    ]:
        folded = mime.fold("Subject", value)
        assert folded.replace("\n", "") == value
        lines = ("Subject: " + folded).split("\n")
        assert all(
            len(line) <= 78 or " " not in line.strip().removeprefix("Subject: ")
            for line in lines
        )


@pytest.mark.parametrize(
    ("base_url", "warned"), [("http://shop.test", True), ("https://shop.test", False)]
)
def test_mail_check_warns_about_an_http_base_url(
    make_app: MakeApp, base_url: str, warned: bool
) -> None:
    app = make_app(**DKIM, LOYALTY_BASE_URL=base_url)
    result = app.test_cli_runner().invoke(args=["loyalty", "mail", "check", "--no-dns"])
    assert result.exit_code == 0, result.output
    assert (
        "one-click unsubscribe (RFC 8058) needs an https://" in result.output
    ) is warned
