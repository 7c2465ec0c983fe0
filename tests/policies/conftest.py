from __future__ import annotations

import re
import typing as t

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from flask_loyalty.models import PolicyPage
from flask_loyalty.models import PolicyVersion


@pytest.fixture
def shop(make_app: t.Callable[..., Flask], database_url: str) -> Flask:
    return make_app(database_url=database_url)


def as_owner(app: Flask) -> FlaskClient:
    app.extensions["loyalty"].extension.owner_check(lambda: True)
    return app.test_client()


def form_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def edit(client: FlaskClient, url: str, action: str = "save", **fields: str) -> t.Any:
    page = client.get(url).get_data(as_text=True)
    return client.post(
        url, data={"csrf_token": form_token(page), "action": action, **fields}
    )


def stored(app: Flask) -> tuple[list[tuple[str, str, str]], list[tuple[str, str]]]:
    """(slug, title, body) of every saved page, (title, body) of every version."""
    with app.app_context():
        session = app.extensions["loyalty"].session
        pages = [
            (p.slug, p.title, p.body)
            for p in session.scalars(sa.select(PolicyPage).order_by(PolicyPage.id))
        ]
        versions = [
            (v.title, v.body)
            for v in session.scalars(
                sa.select(PolicyVersion).order_by(PolicyVersion.id)
            )
        ]
        return pages, versions
