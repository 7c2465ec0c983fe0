"""Apps that deliver to a test SMTP server, and queued mail, for the outbox tests."""

from __future__ import annotations

import typing as t

from flask import Flask

from flask_loyalty.outbox.service import queue_mail

MakeApp = t.Callable[..., Flask]


def smtp_app(make_app: MakeApp, host: str, port: int, **config: t.Any) -> Flask:
    """An app that delivers its outbox to the SMTP server at host:port."""
    return make_app(
        LOYALTY_MAIL_DELIVERY="smtp",
        MAIL_SERVER=host,
        MAIL_PORT=port,
        MAIL_SUPPRESS_SEND=False,
        MAIL_USE_TLS=False,
        MAIL_USE_SSL=False,
        **config,
    )


def queue_to_many(app: Flask, count: int, **fields: t.Any) -> None:
    """Queue one campaign message each to p0@example.com ... and commit."""
    with app.app_context():
        state = app.extensions["loyalty"]
        for n in range(count):
            values: dict[str, t.Any] = {"text": "Plain", **fields}
            queue_mail(
                state.session,
                state.now(),
                kind="campaign",
                to=f"p{n}@example.com",
                subject=f"Message {n}",
                **values,
            )
        state.session.commit()
        state.session.remove()
