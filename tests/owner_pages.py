"""Every owner page of an app, found the way an owner finds them: from the owner
area's pages without parameters (the navigation), following the links on each.

The overflow test (``tests/example_shop/test_owner_overflow.py``) and the
screenshots (``docs/screenshots/take.py``) both use it, so a page added to the
owner area is checked and photographed without a list to update; a page the
walk cannot reach fails the test until a link or the demo data leads to it.
"""

from __future__ import annotations

import re
import typing as t
from collections import deque
from urllib.parse import urlsplit

from flask import Flask
from flask.testing import FlaskClient

NOT_PAGES = {
    "owner_stylesheet": "the owner area's stylesheet",
    "owner_script": "the offer editor's script",
    "owner_customer_data": "a customer's data as a JSON download",
    "owner_subscriber_data": "a subscriber's data as a JSON download",
    "owner_subscribers_export": "the subscribers as a CSV download",
}
"""Owner endpoints answering GET that are not pages (by name after the blueprint's)."""

HREF = re.compile(r'href="([^"#]+)"')


def owner_endpoints(app: Flask) -> list[str]:
    """The owner area's page endpoints, in the order the app declares them."""
    prefix = app.extensions["loyalty"].settings.blueprint_name + "."
    found: list[str] = []
    for rule in app.url_map.iter_rules():
        name = rule.endpoint.removeprefix(prefix)
        if (
            rule.endpoint.startswith(prefix + "owner")
            and "GET" in (rule.methods or ())
            and name not in NOT_PAGES
            and rule.endpoint not in found
        ):
            found.append(rule.endpoint)
    return found


def owner_pages(
    app: Flask, client: FlaskClient, per_page: int = 6, limit: int = 400
) -> dict[str, str]:
    """``{endpoint: path}``: the first address of each owner page the signed-in
    ``client`` reaches, walking from the pages without parameters and opening at
    most ``per_page`` addresses of each (the fifth policy page may be the only
    one with a delete link)."""
    wanted = set(owner_endpoints(app))
    adapter = app.url_map.bind("localhost")
    starts = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint in wanted and not rule.arguments
    ]
    queue = deque(starts)
    seen: set[str] = set()
    pages: dict[str, str] = {}
    opened: dict[str, int] = {}
    while queue and len(seen) < limit and len(pages) < len(wanted):
        url = queue.popleft().replace("&amp;", "&")
        parts = urlsplit(url)
        if parts.netloc or url in seen:
            continue
        seen.add(url)
        try:
            endpoint, _ = adapter.match(parts.path, method="GET")
        except Exception:  # noqa: BLE001 - another app's page, a static file
            continue
        if endpoint not in wanted or opened.get(endpoint, 0) >= per_page:
            continue
        opened[endpoint] = opened.get(endpoint, 0) + 1
        response = client.get(url)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        pages.setdefault(endpoint, url)
        queue.extend(HREF.findall(response.get_data(as_text=True)))
    return {e: pages[e] for e in owner_endpoints(app) if e in pages}


def file_name(endpoint: str, language: str, width: int, full: bool = False) -> str:
    """A page's screenshot in ``docs/screenshots``: ``overview-en-1280.png`` for
    ``loyalty.owner_dashboard``, ``offer-hu-390.png`` for ``loyalty.owner_offer``."""
    name = endpoint.split(".", 1)[-1].removeprefix("owner_").replace("_", "-")
    if name == "dashboard":
        name = "overview"
    return f"{name}-{language}-{width}{'-full' if full else ''}.png"


def sign_in_in_browser(page: t.Any, base_url: str) -> None:
    """Sign the demo's owner in, in a Chromium ``page``, with the shop's form."""
    page.goto(f"{base_url}/auth/sign-in")
    page.locator("input[name=email]").fill("owner@example.com")
    page.locator("input[name=password]").fill("demo-owner")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state("load")
