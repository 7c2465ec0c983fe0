from __future__ import annotations

import re
import typing as t

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from flask_loyalty.models import OutboxMessage
from flask_loyalty.models import Topic
from flask_loyalty.newsletter import preferences
from flask_loyalty.testing import run_due


@pytest.fixture
def topics(app: Flask) -> dict[str, int]:
    """The shop's topics: new pieces, sales, workshops (retired)."""
    with app.app_context():
        state = app.extensions["loyalty"]
        made = {
            name: preferences.add_topic(state.session, state.now(), name).id
            for name in ("New pieces", "Sales", "Workshops")
        }
        state.session.get(Topic, made["Workshops"]).retired_at = state.now()
        state.session.commit()
    return made


def form_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def outbox(app: Flask, kind: str | None = None) -> list[OutboxMessage]:
    run_due(app)  # the worker mails the links asked for
    with app.app_context():
        query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
        if kind:
            query = query.where(OutboxMessage.kind == kind)
        return list(app.extensions["loyalty"].session.scalars(query))


def link(message: OutboxMessage, path: str) -> str:
    match = re.search(
        rf"http://shop\.test(/loyalty/newsletter/{path}/[^\s\"<>]+)", message.text_body
    )
    assert match, message.text_body
    return match.group(1)


def subscribe(client: FlaskClient, **data: t.Any) -> t.Any:
    token = form_token(client.get("/loyalty/newsletter").get_data(as_text=True))
    data.setdefault("consent", "y")
    return client.post("/loyalty/newsletter", data={"csrf_token": token, **data})


def confirm(client: FlaskClient, url: str, **kwargs: t.Any) -> t.Any:
    """Open a confirmation link and press its button, as she does."""
    page = client.get(url)
    assert page.status_code == 200, page.get_data(as_text=True)
    token = form_token(page.get_data(as_text=True))
    return client.post(url, data={"csrf_token": token}, **kwargs)
