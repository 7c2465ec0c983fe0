"""Policy pages name their address in each offered language in the head
(``hreflang`` alternates, and ``x-default``), and each of those addresses shows
the page in its language."""

from __future__ import annotations

import re
import typing as t

import pytest
from flask import Flask

BASE = "http://shop.test/loyalty/policies/shipping"
LANGUAGES = ("en", "et", "el", "hu", "tl")


def alternates(html: str) -> dict[str, str]:
    head = html.split("</head>", 1)[0]
    return dict(
        re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', head)
    )


@pytest.fixture
def shop(make_app: t.Callable[..., Flask]) -> Flask:
    return make_app(LOYALTY_LANGUAGES=LANGUAGES)


def test_a_policy_page_links_its_address_in_every_language(shop: Flask) -> None:
    html = shop.test_client().get("/loyalty/policies/shipping").get_data(as_text=True)
    assert alternates(html) == {
        "en": f"{BASE}?lang=en",
        "et": f"{BASE}?lang=et",
        "el": f"{BASE}?lang=el",
        "hu": f"{BASE}?lang=hu",
        "tl": f"{BASE}?lang=tl",
        "x-default": BASE,
    }


def test_each_alternate_shows_the_page_in_its_language(shop: Flask) -> None:
    client = shop.test_client()
    titles = {"en": "Shipping", "et": "Saatmine", "el": "Αποστολή", "hu": "Szállítás"}
    for code, title in titles.items():
        # her browser asks for Greek; the address's language wins
        response = client.get(
            f"/loyalty/policies/shipping?lang={code}",
            headers={"Accept-Language": "el"},
        )
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert f'<html lang="{code}">' in html
        assert f"<h1>{title}</h1>" in html
        assert alternates(html)["x-default"] == BASE
    returns = client.get("/loyalty/policies/returns?lang=hu").get_data(as_text=True)
    assert "A visszaküldés röviden" in returns  # the page's own strings too
    assert len(alternates(returns)) == len(LANGUAGES) + 1


def test_an_unknown_language_in_the_address_falls_back_quietly(shop: Flask) -> None:
    response = shop.test_client().get(
        "/loyalty/policies/shipping?lang=xx", headers={"Accept-Language": "et"}
    )
    assert response.status_code == 200
    assert '<html lang="et">' in response.get_data(as_text=True)


def test_the_switch_on_an_alternate_address_leaves_the_address_s_language(
    shop: Flask,
) -> None:
    client = shop.test_client()
    html = client.get("/loyalty/policies/shipping?lang=hu").get_data(as_text=True)
    pressed = re.findall(r'value="(\w+)" lang="[\w-]+" [^>]*aria-pressed="true"', html)
    assert pressed == ["hu"]  # the switch shows the language the page is in
    back = re.search(r'name="next" value="([^"]+)"', html)
    assert back and back.group(1) == "/loyalty/policies/shipping"
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert token
    switched = client.post(
        "/loyalty/language",
        data={"csrf_token": token.group(1), "language": "el", "next": back.group(1)},
    )
    assert switched.status_code == 303
    page = client.get(switched.headers["Location"]).get_data(as_text=True)
    assert '<html lang="el">' in page


def test_a_shop_with_one_language_has_no_alternates(
    make_app: t.Callable[..., Flask],
) -> None:
    app = make_app(LOYALTY_LANGUAGES=("en",))
    html = app.test_client().get("/loyalty/policies/shipping").get_data(as_text=True)
    assert alternates(html) == {}
    assert "hreflang" not in html
