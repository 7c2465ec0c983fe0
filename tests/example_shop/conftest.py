"""Fixtures for the example shop: the real ``create_app`` on a temporary SQLite file."""

from __future__ import annotations

import re
import typing as t
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from example_shop import create_app
from example_shop import db
from example_shop.cli import create_tables

ENVIRONMENT = (
    "DATABASE_URL",
    "SECRET_KEY",
    "MAIL_SERVER",
    "MAIL_PORT",
    "MAIL_DEFAULT_SENDER",
    "REDIS_URL",
    "SHOP_OWNER_PASSWORD",
)
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@pytest.fixture
def shop_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> t.Iterator[Flask]:
    """The shop with its tables and the loyalty tables created, mail held."""
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test secret",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'shop.db'}",
        }
    )
    with app.app_context():
        create_tables()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def shop_client(shop_app: Flask) -> FlaskClient:
    return shop_app.test_client()


def csrf_token(html: str) -> str:
    """The CSRF token of the first form in a rendered page."""
    match = CSRF.search(html)
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


def post_form(
    client: FlaskClient, page: str, action: str, data: dict[str, t.Any]
) -> t.Any:
    """Open ``page``, take its CSRF token and post ``data`` to ``action``."""
    html = client.get(page).get_data(as_text=True)
    return client.post(action, data={"csrf_token": csrf_token(html), **data})
