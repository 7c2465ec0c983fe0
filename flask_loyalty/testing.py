"""Helpers for the shop's own tests.

``sign_in(client, "anna@example.com")`` opens her loyalty account in a Flask test
client, as if she had followed an emailed sign-in link; ``FrozenClock`` (set as
``LOYALTY_CLOCK``) lets a test move time forward instead of sleeping.
"""

from __future__ import annotations

import re
import typing as t

from flask import Flask
from flask.testing import FlaskClient

from .clock import FrozenClock
from .customers.models import Customer
from .customers.service import find_or_create_customer
from .customers.service import normalise_email
from .customers.views import SESSION_KEY

__all__ = ["FrozenClock", "follow_sign_in_link", "run_due", "sign_in"]


def sign_in(client: FlaskClient, email: str, *, name: str | None = None) -> Customer:
    """Sign the customer with ``email`` in to the loyalty pages of ``client``'s app,
    creating her if she is new; return her."""
    app = client.application
    with app.app_context():
        state = app.extensions["loyalty"]
        customer = find_or_create_customer(
            state.session, state.now(), email=normalise_email(email), name=name
        )
        state.session.commit()
        customer_id = customer.id
    with client.session_transaction() as session:
        session[SESSION_KEY] = customer_id
    return customer


def follow_sign_in_link(client: FlaskClient, url: str) -> t.Any:
    """Open an emailed sign-in link in ``client`` and press its button, as she
    does (opening it alone signs no one in); return the answer to the press."""
    page = client.get(url)
    found = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True)
    )
    if page.status_code != 200 or found is None:
        return page
    return client.post(url, data={"csrf_token": found.group(1)})


def run_due(app: Flask) -> None:
    """Do, once, the work ``flask loyalty worker`` does by the clock before it
    delivers: mail the sign-in links asked for, build due campaigns, expire
    points... Call it after a request whose mail your test reads."""
    with app.app_context():
        state = app.extensions["loyalty"]
        for task in state.due_tasks:
            task.run(state, None)
