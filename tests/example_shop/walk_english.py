"""Walk the demo's pages (GET only, following links) in one language and report
the English on each: the helper of ``test_no_english.py``."""

from __future__ import annotations

import re
import typing as t
from collections import deque
from urllib.parse import urlsplit

from flask import Flask
from flask.testing import FlaskClient

from tests.english import english_on_page

HREF = re.compile(r'href="(/[^"#]*)"')
SKIP = ("/static/", "/loyalty/static/", "/logout", "/sign-out")


def walk(
    app: Flask,
    client: FlaskClient,
    seeds: list[str],
    language: str,
    reached: dict[str, int],
    names: t.Sequence[str] = (),
    known: t.Collection[str] = (),
    per_endpoint: int = 2,
    limit: int = 400,
) -> dict[str, list[str]]:
    adapter = app.url_map.bind("localhost")
    with client.session_transaction() as session:
        session["loyalty_language"] = language
    seen: set[str] = set()
    found: dict[str, list[str]] = {}
    queue = deque(seeds)
    while queue and len(seen) < limit:
        url = queue.popleft().replace("&amp;", "&")
        parts = urlsplit(url)
        if parts.netloc or any(s in parts.path for s in SKIP) or url in seen:
            continue
        seen.add(url)
        try:
            endpoint, _ = adapter.match(parts.path, method="GET")
        except Exception:
            continue
        if reached.get(endpoint, 0) >= per_endpoint:
            continue
        reached[endpoint] = reached.get(endpoint, 0) + 1
        response = client.get(url)
        if response.status_code in (301, 302, 303):
            queue.append(response.headers["Location"])
            continue
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        html = response.get_data(as_text=True)
        english = english_on_page(html, language, names=names, known=known)
        if english:
            found[url] = english
        queue.extend(HREF.findall(html))
    return found
