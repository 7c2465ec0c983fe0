"""The example shop is a five-language shop (issue 20, point 2): its own pages,
header and footer come from its own catalog in the language its loyalty pages
choose, and the language switch is on every page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient

from .conftest import post_form

CATALOGS = Path(__file__).resolve().parents[2] / "example_shop" / "translations"
HEADER = {
    "en": ("Shop", "Cart", "Your rewards"),
    "et": ("Pood", "Ostukorv", "Teie preemiad"),
    "el": ("Κατάστημα", "Καλάθι", "Οι ανταμοιβές σας"),
    "hu": ("Bolt", "Kosár", "Az Ön jutalmai"),
    "tl": ("Tindahan", "Cart", "Ang inyong mga reward"),
}


def lang(html: str) -> str:
    found = re.search(r'<html lang="([^"]+)"', html)
    assert found, html[:300]
    return found.group(1)


@pytest.mark.parametrize("code", sorted(HEADER))
def test_the_shop_s_pages_speak_the_visitor_s_language(
    shop_client: FlaskClient, code: str
) -> None:
    for page in ("/", "/cart", "/auth/sign-in"):
        html = shop_client.get(page, headers={"Accept-Language": code}).text
        assert lang(html) == code, page
        for word in HEADER[code]:
            assert f">{word}" in html, (page, word)
        assert 'action="/loyalty/language"' in html, page  # the switch, everywhere


def test_the_switch_on_a_shop_page_changes_the_shop_and_its_rewards(
    shop_app: Flask, shop_client: FlaskClient
) -> None:
    english = {"Accept-Language": "en"}
    response = post_form(
        shop_client, "/", "/loyalty/language", {"language": "et", "next": "/cart"}
    )
    assert response.status_code == 303 and response.location == "/cart"
    cart = shop_client.get("/cart", headers=english).text
    assert lang(cart) == "et" and "Teie ostukorv on tühi." in cart
    rewards = shop_client.get("/loyalty/", headers=english).text
    assert lang(rewards) == "et"
    added = post_form(
        shop_client,
        "/products/fern-leaf-ring",
        "/cart/add",
        {"sku": "RNG-FERN", "quantity": "1"},
    )
    assert added.status_code == 302
    assert "on Teie ostukorvis." in shop_client.get("/cart", headers=english).text


@pytest.mark.parametrize("code", ["et", "el", "hu", "tl"])
def test_the_shop_s_catalog_is_complete_and_compiled(code: str) -> None:
    folder = CATALOGS / code / "LC_MESSAGES"
    with (folder / "messages.po").open("rb") as file:
        catalog = read_po(file, locale=code)
    with (folder / "messages.mo").open("rb") as file:
        compiled = read_mo(file)
    empty = [m.id for m in catalog if m.id and not all(m.string or [""])]
    assert empty == []
    assert not [m.id for m in catalog if m.id and m.fuzzy]
    for message in catalog:
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        texts = (
            [message.string]
            if isinstance(message.string, str)
            else list(message.string)
        )
        wanted = set(re.findall(r"%\(\w+\)[sd]", " ".join(ids)))
        for text in texts:
            assert set(re.findall(r"%\(\w+\)[sd]", text)) == wanted, message.id
        assert compiled.get(message.id) is not None, message.id
        shipped = compiled[message.id].string
        assert ([shipped] if isinstance(shipped, str) else list(shipped)) == texts, (
            message.id
        )
