"""Every email looks like the shop (issue 21): its name or logo, its accent colour
for links and buttons, a sans-serif font, a table no wider than 600 px with inline
styles only, and a plain-text part without HTML. Checked on the demo's own mail."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from example_shop import db
from flask_loyalty.journeys.mail import wrap_step
from flask_loyalty.models import OutboxMessage
from flask_loyalty.outbox.brand import render_mail
from flask_loyalty.state import get_state
from flask_loyalty.testing import run_due

from .test_safe_methods import fill_with_links
from .test_shop import add_to_cart
from .test_shop import checkout

ACCENT = "#7f4229"  # the demo's LOYALTY_EMAIL_ACCENT
EMAIL_TEMPLATES = Path(__file__).parents[2] / "templates" / "loyalty" / "email"
NAME = "<b>Zsófia</b>"  # a visitor's name with HTML in it
TAG = re.compile(r"</?[a-zA-Z][^>]*>")


class Styles(HTMLParser):
    """Each element's tag and style, and the text inside <style> (none expected)."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def check_look(html: str, text: str, where: str) -> None:
    parsed = Styles()
    parsed.feed(html)
    tags = [tag for tag, _ in parsed.elements]
    assert "style" not in tags and "link" not in tags, where
    assert "max-width: 600px" in html, where
    assert ACCENT in html, where
    assert "Silver Fern Jewellery" in "".join(parsed.text[:8]), where
    body = next(attrs for tag, attrs in parsed.elements if tag == "body")
    assert "sans-serif" in (body["style"] or ""), where
    assert "serif;" not in (body["style"] or "").replace("sans-serif;", ""), where
    for tag, attrs in parsed.elements:
        if tag == "a":
            style = attrs.get("style") or ""
            assert f"color: {ACCENT}" in style or (
                f"background-color: {ACCENT}" in style and "color: #ffffff" in style
            ), f"{where}: a link that is not the accent: {attrs}"
    assert not TAG.search(text), f"{where}: HTML in the plain text"
    assert "&lt;" not in text and "&amp;" not in text, where


def test_every_email_template_extends_the_one_base() -> None:
    templates = sorted(EMAIL_TEMPLATES.glob("[!_]*.html"))
    assert len(templates) >= 10
    for path in templates:
        first = path.read_text().splitlines()[0]
        assert first == '{% extends "loyalty/email/_layout.html" %}', path.name


def test_the_demo_s_emails_look_like_the_shop(shop_app: Flask) -> None:
    fill_with_links(shop_app)
    guest = shop_app.test_client()
    add_to_cart(guest, "RNG-FERN")
    placed = checkout(guest, f"{NAME} & Co", "new.buyer@example.com")
    assert placed.status_code == 302, placed.get_data(as_text=True)
    run_due(shop_app)
    with shop_app.app_context():
        messages = db.session.scalars(sa.select(OutboxMessage)).all()
        kinds = {m.kind for m in messages}
        assert kinds >= {
            "campaign",
            "newsletter_confirm",
            "sign_in_link",
            "personal_data_link",
            "return_requested",
            "offer",
        }, kinds
        for message in messages:
            assert message.html_body, message.kind
            typed = message.text_body.replace(NAME, "Zsófia")  # as she typed it
            check_look(message.html_body, typed, message.kind)
        offer = next(m for m in messages if m.to_addr == "new.buyer@example.com")
        assert NAME not in offer.html_body
        assert "&lt;b&gt;Zsófia&lt;/b&gt;" in offer.html_body
        assert NAME in offer.text_body

        with shop_app.test_request_context():
            state = get_state()
            text, html = wrap_step(state, "Hello", "<p>Hello</p>", "en")
            check_look(html, text, "journey step")
            text, html = render_mail(
                "points_expiring",
                customer=type("C", (), {"first_name": NAME})(),
                points=120,
                shop_name="Silver Fern Jewellery",
                when=messages[0].created_at,
                value_cents=120,
                currency="EUR",
                link="http://127.0.0.1:5000/loyalty/",
            )
            check_look(html, text.replace(NAME, "Zsófia"), "points expiring")
            assert "&lt;b&gt;Zsófia&lt;/b&gt;" in html
