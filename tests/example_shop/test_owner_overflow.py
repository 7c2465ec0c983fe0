"""No text overflows its box on any owner page (issue 21), in Chromium at 1280 and
390 px, in each of the five languages, and no owner page scrolls sideways on a
phone. The pages are every owner page the navigation leads to
(``tests/owner_pages.py``): a new page is checked without being listed here.

One browser, one page per language: each address is opened once at 1280 px, then
the same page is laid out again at 390 px.
"""

from __future__ import annotations

import typing as t

import pytest
from flask import Flask

from tests.owner_pages import owner_endpoints
from tests.owner_pages import owner_pages
from tests.owner_pages import sign_in_in_browser

from .test_safe_methods import fill_with_links
from .test_safe_methods import sign_in_to_shop

pytestmark = pytest.mark.browser

LANGUAGES = ("en", "et", "el", "hu", "tl")
WIDTHS = (1280, 390)
SLACK = 1  # px: sub-pixel rounding

OVERFLOWING = """(slack) => {
  // Text for screen readers only: clipped to nothing (.visually-hidden, a table
  // head hidden on a phone), so it cannot overflow where anyone sees it.
  const clipped = new Map();
  const forScreenReaders = (element) => {
    if (!element || element === document.body) return false;
    if (!clipped.has(element)) {
      const style = getComputedStyle(element);
      clipped.set(element, style.clip !== "auto" && style.position === "absolute"
        || forScreenReaders(element.parentElement));
    }
    return clipped.get(element);
  };
  const over = [];
  for (const element of document.body.querySelectorAll("*")) {
    if (!element.clientWidth || element.closest("script, style")) continue;
    if (forScreenReaders(element)) continue;
    const text = [...element.childNodes]
      .filter((node) => node.nodeType === Node.TEXT_NODE)
      .map((node) => node.textContent.trim())
      .join(" ")
      .trim();
    if (!text || element.scrollWidth <= element.clientWidth + slack) continue;
    const name = element.tagName.toLowerCase()
      + (element.className && typeof element.className === "string"
         ? "." + element.className.trim().split(/\\s+/).join(".") : "");
    const sizes = `${element.scrollWidth}>${element.clientWidth}`;
    over.push(`${name} "${text.slice(0, 50)}" ${sizes}`);
  }
  return over;
}"""
SIDEWAYS = "document.documentElement.scrollWidth"


def test_no_owner_page_overflows_in_any_language_on_a_desktop_or_a_phone(
    shop_app: Flask, live_server: t.Callable[[Flask], str], browser: t.Any
) -> None:
    fill_with_links(shop_app)
    owner = shop_app.test_client()
    sign_in_to_shop(owner, "owner@example.com", "demo-owner")
    pages = owner_pages(shop_app, owner)
    missed = sorted(set(owner_endpoints(shop_app)) - set(pages))
    assert not missed, f"no link in the owner area leads to {missed}"
    base_url = live_server(shop_app)

    found: list[str] = []
    for language in LANGUAGES:
        context = browser.new_context(
            viewport={"width": WIDTHS[0], "height": 900}, locale=language
        )
        try:
            page = context.new_page()
            sign_in_in_browser(page, base_url)
            for endpoint, path in pages.items():
                page.set_viewport_size({"width": WIDTHS[0], "height": 900})
                page.goto(f"{base_url}{path}")
                assert page.locator("html").get_attribute("lang") == language, path
                for width in WIDTHS:
                    if width != WIDTHS[0]:
                        page.set_viewport_size({"width": width, "height": 844})
                    where = f"{language} {width} {path} ({endpoint})"
                    found.extend(
                        f"{where}: {box}" for box in page.evaluate(OVERFLOWING, SLACK)
                    )
                    sideways = page.evaluate(SIDEWAYS)
                    if sideways > width:
                        found.append(f"{where}: the page is {sideways} px wide")
        finally:
            context.close()
    assert not found, f"{len(found)} overflows:\n" + "\n".join(found)
