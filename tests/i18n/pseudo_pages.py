"""How the pseudo-locale scenarios use the pages: a client that asks for the pseudo
language, the pages it was shown, and forms posted with their CSRF token.

``Pages.form`` renders a form and posts to it what it refuses, the pair nearly
every form is checked with; ``send`` posts a form that is meant to work, and
``moved`` follows where it went.
"""

from __future__ import annotations

import re
import typing as t

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from .pseudo import PSEUDO


def token(html: str) -> str:
    """The CSRF token of the form on the page ``html``."""
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def key(html: str, prefix: str) -> str:
    """The idempotency key of the form on the page ``html`` that starts with
    ``prefix`` (``redeem``, ``adjust``)."""
    match = re.search(rf'name="key" type="hidden" value="({prefix}:[^"]+)"', html)
    assert match, html
    return match.group(1)


def send(client: FlaskClient, url: str, form: str, **fields: t.Any) -> TestResponse:
    """Post ``fields`` to ``url`` with the CSRF token of the page ``form``; the
    answer is not kept as a page (it is mostly a redirect)."""
    return client.post(url, data={"csrf_token": token(form), **fields})


def moved(response: TestResponse) -> str:
    """Where a request that worked sends her next: it must answer 302."""
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


class Pages:
    """Renders pages with a client and keeps what each one showed."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.seen: dict[str, str] = {}
        self.endpoints: set[str] = set()

    def client(self) -> FlaskClient:
        client = self.app.test_client()
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = PSEUDO
        return client

    def keep(self, name: str, response: t.Any, status: int = 200) -> str:
        assert response.status_code == status, (name, response.status_code)
        html = response.get_data(as_text=True)
        assert f'<html lang="{PSEUDO}">' in html, name
        self.seen[name] = html
        adapter = self.app.url_map.bind("shop.test")
        endpoint, _values = adapter.match(
            response.request.path, response.request.method
        )
        self.endpoints.add(endpoint)
        return html

    def get(self, client: FlaskClient, name: str, url: str, status: int = 200) -> str:
        return self.keep(name, client.get(url), status)

    def post(
        self,
        client: FlaskClient,
        name: str,
        url: str,
        data: dict[str, t.Any],
        status: int = 200,
    ) -> str:
        return self.keep(name, client.post(url, data=data), status)

    def form(
        self,
        client: FlaskClient,
        name: str,
        url: str,
        refused: str,
        fields: dict[str, t.Any],
        action: str | None = None,
    ) -> str:
        """Render the form at ``url`` as ``name``, then post it ``fields`` it
        refuses (400, with its error messages), kept as ``refused``. The form posts
        to ``action``, or to its own address. Returns the form."""
        html = self.get(client, name, url)
        self.post(
            client, refused, action or url, {"csrf_token": token(html), **fields}, 400
        )
        return html
