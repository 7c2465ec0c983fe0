"""The demo in Chromium, in each of et, el, hu and tl: no English on the pages a
guest, and then the owner, opens, and none in the emails the owner reads in the
outbox (issue 20). The text is what the browser shows (hidden elements left
out), each piece in the language of its closest ``lang``; ``tests/english.py``
says what counts as English."""

from __future__ import annotations

import typing as t

import pytest
import sqlalchemy as sa
from flask import Flask

from example_shop import db
from flask_loyalty.models import OutboxMessage
from flask_loyalty.testing import run_due
from tests.english import LANGUAGES
from tests.english import english_in

from .test_demo_browser import SHOP_WORDS
from .test_no_english import DEMO_DEFAULT_TEXTS
from .test_no_english import NAMES
from .test_no_english import report
from .test_safe_methods import fill_with_links

pytestmark = pytest.mark.browser

SHOWN_TEXT = """() => {
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const element = node.parentElement;
    const text = node.textContent.trim();
    if (!text || !element || element.closest("script, style, template, code, kbd")) {
      continue;
    }
    if (!element.checkVisibility({visibilityProperty: true})) continue;
    const marked = element.closest("[lang]");
    found.push([text, marked ? marked.getAttribute("lang") : ""]);
  }
  for (const field of document.querySelectorAll("[placeholder], [aria-label]")) {
    const marked = field.closest("[lang]");
    for (const name of ["placeholder", "aria-label"]) {
      const value = field.getAttribute(name);
      if (value) found.push([value, marked ? marked.getAttribute("lang") : ""]);
    }
  }
  return found;
}"""
OWNER_PAGES = [
    "/loyalty/owner/",
    "/loyalty/owner/customers",
    "/loyalty/owner/points",
    "/loyalty/owner/points/settings",
    "/loyalty/owner/offers/",
    "/loyalty/owner/offers/1",
    "/loyalty/owner/offers/1/report",
    "/loyalty/owner/journeys/",
    "/loyalty/owner/journeys/1",
    "/loyalty/owner/newsletter/",
    "/loyalty/owner/newsletter/topics",
    "/loyalty/owner/newsletter/subscribers",
    "/loyalty/owner/returns",
    "/loyalty/owner/returns/rules",
    "/loyalty/owner/policies/",
    "/loyalty/owner/outbox",
]


def english_shown(page: t.Any, language: str) -> list[str]:
    return english_in(
        ((text, lang or language) for text, lang in page.evaluate(SHOWN_TEXT)),
        language,
        NAMES,
    )


def choose(page: t.Any, base_url: str, language: str) -> None:
    page.goto(f"{base_url}/")
    page.get_by_role("button", name=SHOP_WORDS[language][0]).click()
    page.wait_for_load_state("load")
    assert page.locator("html").get_attribute("lang") == language


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_demo_in_a_browser_shows_no_english(
    shop_app: Flask,
    live_server: t.Callable[[Flask], str],
    browser: t.Any,
    language: str,
) -> None:
    fill_with_links(shop_app)
    base_url = live_server(shop_app)
    found: dict[str, list[str]] = {}

    def look(page: t.Any) -> None:
        page.wait_for_load_state("load")
        english = english_shown(page, language)
        text = page.locator("body").inner_text()
        english += [
            f"{d!r} (the demo's default)" for d in DEMO_DEFAULT_TEXTS if d in text
        ]
        if english:
            found[page.url.removeprefix(base_url)] = english

    guest = browser.new_context(viewport={"width": 390, "height": 844})
    page = guest.new_page()
    try:
        choose(page, base_url, language)
        look(page)
        page.goto(f"{base_url}/products/fern-leaf-ring")
        look(page)
        page.locator("main form button[type=submit]").first.click()
        look(page)  # the cart
        page.goto(f"{base_url}/checkout")
        look(page)
        page.locator("input[name=name]").fill("Zsófia Nagy")
        page.locator("input[name=email]").fill(f"zsofia.{language}@example.com")
        page.locator("main form button[type=submit]").click()
        page.wait_for_url("**/orders/*")
        look(page)  # the confirmation with her offer
        for path in ("/loyalty/", "/loyalty/policies/returns"):
            page.goto(f"{base_url}{path}")
            look(page)
    finally:
        guest.close()

    run_due(shop_app)  # the emails: her offer among them
    with shop_app.app_context():
        messages = db.session.scalars(sa.select(OutboxMessage.id)).all()
    owner = browser.new_context(viewport={"width": 1280, "height": 800})
    page = owner.new_page()
    try:
        page.goto(f"{base_url}/auth/sign-in")
        page.locator("input[name=email]").fill("owner@example.com")
        page.locator("input[name=password]").fill("demo-owner")
        page.locator("main form button[type=submit]").click()
        page.wait_for_load_state("load")
        choose(page, base_url, language)
        for path in OWNER_PAGES:
            page.goto(f"{base_url}{path}")
            assert page.locator("h1").count() >= 1, path
            look(page)
        for message_id in messages:
            page.goto(f"{base_url}/loyalty/owner/outbox/{message_id}")
            look(page)
    finally:
        owner.close()
    assert not found, f"English on {len(found)} pages in {language}:\n{report(found)}"
