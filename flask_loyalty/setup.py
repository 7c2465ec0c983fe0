"""Wiring the extension into one app: its settings, Babel and Mail if the shop has
none, the per-app state, the blueprint with every domain's views, the CLI."""

from __future__ import annotations

import typing as t

from flask import Flask
from flask_babel import Babel
from flask_mail import Mail
from flask_sqlalchemy import SQLAlchemy

from .blueprint import build_blueprint
from .cli import loyalty_cli
from .locales import install_locale_selector
from .ratelimit import make_limiter
from .settings import DEFAULTS
from .settings import read_settings
from .state import LoyaltyState

if t.TYPE_CHECKING:
    from .extension import Loyalty


def set_up(app: Flask, extension: Loyalty, db: SQLAlchemy | None) -> LoyaltyState:
    """What :meth:`~flask_loyalty.Loyalty.init_app` does; ``db`` by default the
    app's Flask-SQLAlchemy.

    :raises RuntimeError: if the app was set up before, has no Flask-SQLAlchemy,
        or has a config value that cannot work.
    """
    if "loyalty" in app.extensions:
        raise RuntimeError(
            "A 'Loyalty' instance is already registered on this Flask app."
            " Import and use that instance instead."
        )
    db = db or app.extensions.get("sqlalchemy")
    if db is None:
        raise RuntimeError(
            "flask-loyalty stores its data through Flask-SQLAlchemy: create"
            " 'db = SQLAlchemy(app)' first, then 'Loyalty(app, db=db)'."
        )
    settings = read_settings(app)
    if "babel" not in app.extensions:
        Babel(app)
    if "mail" not in app.extensions:
        Mail(app)
    state = LoyaltyState(
        extension=extension,
        db=db,
        settings=settings,
        limiter=make_limiter(settings),
    )
    state.config_read = {key: app.config[key] for key in DEFAULTS}
    app.extensions["loyalty"] = state

    app.register_blueprint(build_blueprint(state))
    app.cli.add_command(loyalty_cli)
    install_locale_selector(app, state)
    return state
