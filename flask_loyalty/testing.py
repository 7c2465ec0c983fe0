"""Helpers for the shop's own tests.

``sign_in(client, "anna@example.com")`` opens her loyalty account in a Flask test
client, as if she had followed an emailed sign-in link; ``FrozenClock`` (set as
``LOYALTY_CLOCK``) lets a test move time forward instead of sleeping.
"""

from __future__ import annotations

from flask.testing import FlaskClient

from .clock import FrozenClock
from .customers.models import Customer
from .customers.service import find_or_create_customer
from .customers.service import normalise_email
from .customers.views import SESSION_KEY

__all__ = ["FrozenClock", "sign_in"]


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
