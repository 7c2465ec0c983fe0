"""The shop's look in email: its accent colour and logo are checked at init_app."""

from __future__ import annotations

import typing as t

import pytest
from flask import Flask

from flask_loyalty.outbox.brand import colour_links
from flask_loyalty.outbox.brand import render_mail


@pytest.mark.parametrize(
    ("value", "kept"),
    [("#7F4229", "#7f4229"), ("#a33", "#aa3333"), (" #123456 ", "#123456")],
)
def test_an_accent_colour_is_kept_as_six_hex_digits(
    make_app: t.Callable[..., Flask], value: str, kept: str
) -> None:
    app = make_app(LOYALTY_EMAIL_ACCENT=value)
    assert app.extensions["loyalty"].settings.email_accent == kept


@pytest.mark.parametrize("value", ["red", "rgb(1,2,3)", "#12345", "7f4229", None, 5])
def test_an_accent_that_is_not_a_hex_colour_fails_at_init(
    make_app: t.Callable[..., Flask], value: object
) -> None:
    with pytest.raises(RuntimeError, match="LOYALTY_EMAIL_ACCENT must be a hex"):
        make_app(LOYALTY_EMAIL_ACCENT=value)


def test_a_logo_path_is_built_on_the_base_url(
    make_app: t.Callable[..., Flask],
) -> None:
    app = make_app(
        LOYALTY_BASE_URL="https://shop.example/", LOYALTY_EMAIL_LOGO_URL="/logo.png"
    )
    settings = app.extensions["loyalty"].settings
    assert settings.email_logo_url == "https://shop.example/logo.png"
    app = make_app(LOYALTY_EMAIL_LOGO_URL="https://cdn.example/l.png")
    assert app.extensions["loyalty"].settings.email_logo_url == (
        "https://cdn.example/l.png"
    )


@pytest.mark.parametrize(
    ("value", "base", "message"),
    [
        ("http://shop.example/logo.png", "https://shop.example", "https://"),
        ("logo.png", "https://shop.example", "https://"),
        ("//cdn.example/logo.png", "https://shop.example", "https://"),
        ("/logo.png", None, "set LOYALTY_BASE_URL"),
    ],
)
def test_a_logo_email_cannot_load_fails_at_init(
    make_app: t.Callable[..., Flask], value: str, base: str | None, message: str
) -> None:
    with pytest.raises(RuntimeError, match=message):
        make_app(LOYALTY_BASE_URL=base, LOYALTY_EMAIL_LOGO_URL=value)


def test_links_without_a_style_take_the_accent() -> None:
    html = '<a href="/x">x</a> <a href="/y" style="color: #fff;">y</a> <abbr>z</abbr>'
    assert colour_links(html, "#123456") == (
        '<a href="/x" style="color: #123456;">x</a>'
        ' <a href="/y" style="color: #fff;">y</a> <abbr>z</abbr>'
    )
    assert colour_links("<a>", "#123456") == '<a style="color: #123456;">'


def test_the_logo_heads_the_email_with_the_shop_s_name_as_its_text(
    make_app: t.Callable[..., Flask],
) -> None:
    app = make_app(
        LOYALTY_SHOP_NAME='Fern & "Tide"',
        LOYALTY_BASE_URL="https://shop.example",
        LOYALTY_EMAIL_LOGO_URL="/static/logo.png",
        LOYALTY_EMAIL_ACCENT="#1a5e3a",
    )
    with app.test_request_context():
        text, html = render_mail(
            "sign_in_link",
            customer=None,
            shop_name="Fern",
            link="https://shop.example/in",
            minutes=15,
        )
    logo = '<img src="https://shop.example/static/logo.png"'
    assert f'{logo} alt="Fern &amp; &#34;Tide&#34;"' in html
    assert "border-top: 4px solid #1a5e3a" in html
    assert "background-color: #1a5e3a" in html  # the button
    assert "<img" not in text and "https://shop.example/in" in text
