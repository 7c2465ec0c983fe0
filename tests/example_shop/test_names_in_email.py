"""A name a visitor typed is text in every email, never Markdown, HTML or template
code, whatever filters the owner writes (issue 18, point 2)."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import Flask

from example_shop import db
from flask_loyalty.content import markdown_text
from flask_loyalty.content import personalise
from flask_loyalty.content import to_html
from flask_loyalty.models import OutboxMessage
from flask_loyalty.newsletter import campaigns
from flask_loyalty.newsletter import preferences
from flask_loyalty.newsletter import service as newsletter
from flask_loyalty.newsletter.mail import build_due_campaigns
from flask_loyalty.testing import run_due

from .test_shop import RING
from .test_shop import add_to_cart
from .test_shop import checkout

PHISH = (
    "[Confirm_your_payment_details_here](https://evil.example/phish)"
    "![](https://evil.example/pixel.png) x"
)
HOSTILE = ["<b>Bold</b> {{ shop_name }}", "**Anna** <img src=x>", "1. List", PHISH]


def no_injection(html: str) -> None:
    assert 'evil.example/phish"' not in html and 'href="https://evil' not in html
    assert "<img" not in html and "<b>" not in html and "<strong>Anna" not in html


def test_a_guest_s_name_in_the_offer_email_is_text(shop_app: Flask) -> None:
    result = shop_app.test_cli_runner().invoke(args=["shop", "init-demo"])
    assert result.exit_code == 0, result.output
    guest = shop_app.test_client()
    add_to_cart(guest, RING.sku)
    assert checkout(guest, PHISH, "victim@example.com").status_code == 302
    run_due(shop_app)  # the worker writes the offer's email
    with shop_app.app_context():
        [mail] = db.session.scalars(
            sa.select(OutboxMessage).where(
                OutboxMessage.kind == "offer",
                OutboxMessage.to_addr == "victim@example.com",
            )
        ).all()
    no_injection(mail.html_body)
    assert "[Confirm_your_payment_details_here](https://evil.example/phish)" in (
        re.sub(r"\\(.)", r"\1", mail.text_body)
    )
    shown = re.sub(r"<[^>]+>", "", mail.html_body).replace("&amp;", "&")
    assert "[Confirm_your_payment_details_here](https://evil.example/phish)" in shown


def test_owner_filters_keep_a_name_text(shop_app: Flask) -> None:
    """``{{ first_name|upper }}`` used to send each reader through Markdown."""
    with shop_app.app_context():
        state = shop_app.extensions["loyalty"]
        topic = preferences.add_topic(state.session, state.now(), "News").id
        for number, name in enumerate(HOSTILE):
            subscriber, _send = newsletter.subscribe(
                state.session,
                state.now(),
                email=f"reader{number}@example.com",
                first_name=name,
                topic_ids=[topic],
                consent=newsletter.Consent(text="yes", version="1", source="test"),
            )
            newsletter.confirm(state.session, state.now(), subscriber)
        campaign = campaigns.save_campaign(
            state.session,
            state.now(),
            None,
            subject="For {{ first_name|upper }}",
            body="Dear **{{ first_name|upper }}**, and {{ first_name|title }}.",
            topic_ids=[topic],
        )
        campaigns.schedule(state.session, state.now(), campaign, state.now())
        state.session.commit()
        assert build_due_campaigns(state) == 1
        letters = db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.kind == "campaign")
        ).all()
    assert len(letters) == len(HOSTILE)
    for letter in letters:
        no_injection(letter.html_body)
    [phish] = [
        m for m in letters if m.to_addr == f"reader{len(HOSTILE) - 1}@example.com"
    ]
    assert "<strong>[CONFIRM_YOUR_PAYMENT_DETAILS_HERE](HTTPS://EVIL.EXAMPLE" in (
        phish.html_body
    )


def test_the_escaping_reads_back_as_the_name_itself() -> None:
    for name in [*HOSTILE, "Mary-Jane O'Brien", "Zsófia", "- dash", "12) twelve"]:
        html = to_html(personalise("{{ first_name }}", markdown=True, first_name=name))
        assert re.sub(r"</?p>", "", html).strip() == (
            name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        )
    assert markdown_text("Anna") == "Anna"
    assert personalise("Hi {{ first_name }}", first_name="[x](y)") == "Hi [x](y)"


def test_the_plain_text_part_reads_as_text() -> None:
    """The text part kept Markdown marks (``**Tide**``); links read ``text (url)``."""
    from flask_loyalty.content import to_text

    text = to_text(
        "# New **Tide** rings\n\nSee [the rings](https://shop.example/r), *Anna*.\n\n"
        "- one\n- two\n\n1. first\n2. second\n\nA name: \\[x\\](y)"
    )
    assert text == (
        "New Tide rings\n\nSee the rings (https://shop.example/r), Anna.\n\n"
        "- one\n- two\n\n1. first\n2. second\n\nA name: [x](y)\n"
    )
    assert to_text("") == ""
