"""Silver Fern Jewellery: a small handmade-jewellery shop that uses flask-loyalty.

Run it with ``flask --app example_shop shop init-demo`` then
``flask --app example_shop run`` (or ``gunicorn -w 3 'example_shop:create_app()'``).
"""

from __future__ import annotations

import os
import typing as t
from decimal import Decimal

from flask import Flask
from flask import has_request_context
from flask import render_template
from flask_babel import format_currency
from flask_login import current_user

from .config import default_database_url
from .config import from_environment
from .config import shared_secret_key
from .extensions import babel
from .extensions import csrf
from .extensions import db
from .extensions import login_manager
from .extensions import loyalty
from .i18n import page_language

__all__ = ["create_app", "db", "loyalty"]


def create_app(config: dict[str, t.Any] | None = None) -> Flask:
    """Build the shop: settings from the environment, then ``config`` on top."""
    app = Flask(__name__)
    app.config.update(from_environment(os.environ))
    app.config.update(config or {})
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = default_database_url(app.instance_path)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = shared_secret_key(app.instance_path)

    db.init_app(app)
    # The shop's own pages speak the language its loyalty pages choose (the
    # switch, her stored language, her browser), from its own catalog.
    babel.init_app(app, locale_selector=page_language)
    loyalty.init_app(app)
    login_manager.init_app(app)
    csrf.init_app(app)

    from . import history  # noqa: F401  (adds its command to shop_cli)
    from . import hooks  # noqa: F401  (sets the loyalty hooks)
    from .auth import bp as auth_bp
    from .cli import shop_cli
    from .views import bp as shop_bp

    app.register_blueprint(shop_bp)
    app.register_blueprint(auth_bp)
    app.cli.add_command(shop_cli)
    _template_helpers(app)
    return app


def _template_helpers(app: Flask) -> None:
    from .cart import current_cart
    from .catalog import CATEGORIES
    from .config import SHOP_NAME
    from .forms import SignOutForm

    @app.template_filter("euro")
    def euro(amount: Decimal) -> str:
        return format_currency(amount, "EUR")

    @app.context_processor
    def shop_context() -> dict[str, t.Any]:
        if not has_request_context():  # email rendered by the worker or the CLI
            return {"shop_name": SHOP_NAME, "shop_lang": "en"}
        signed_in = current_user.is_authenticated
        return {
            "shop_name": SHOP_NAME,
            "shop_lang": page_language() or "en",
            "categories": CATEGORIES,
            "cart_count": current_cart().count,
            "is_owner": bool(signed_in and current_user.is_owner),
            "sign_out_form": SignOutForm() if signed_in else None,
        }

    @app.errorhandler(403)
    @app.errorhandler(404)
    def error_page(error: t.Any) -> tuple[str, int]:
        return render_template("shop/error.html", error=error), error.code
