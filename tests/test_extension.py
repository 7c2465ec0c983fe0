"""Setting the extension up: init_app, config, several apps, hooks, templates."""

from __future__ import annotations

import typing as t
from decimal import Decimal
from pathlib import Path

import pytest
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from flask_loyalty import Loyalty
from flask_loyalty.db import Base


def _bare_app(tmp_path: Path, name: str = "shop", **config: t.Any) -> Flask:
    app = Flask(name, instance_path=str(tmp_path / name))
    app.config.update(
        SECRET_KEY="s",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / name}.db",
        LOYALTY_BASE_URL="https://shop.test",
    )
    app.config.update(config)
    return app


def test_init_app_registers_state_and_defaults(tmp_path: Path) -> None:
    app = _bare_app(tmp_path)
    db = SQLAlchemy(app)
    loyalty = Loyalty()
    loyalty.init_app(app, db=db)
    state = app.extensions["loyalty"]
    assert state.extension is loyalty
    assert state.db is db
    assert app.config["LOYALTY_URL_PREFIX"] == "/loyalty"
    assert app.config["LOYALTY_CURRENCY"] == "EUR"
    assert state.settings.shop_name == "shop"
    assert "loyalty" in app.blueprints
    assert "babel" in app.extensions and "mail" in app.extensions


def test_init_app_twice_on_one_app_is_refused(tmp_path: Path) -> None:
    app = _bare_app(tmp_path)
    db = SQLAlchemy(app)
    Loyalty(app, db=db)
    with pytest.raises(RuntimeError, match="already registered"):
        Loyalty(app, db=db)


def test_db_defaults_to_the_apps_flask_sqlalchemy(tmp_path: Path) -> None:
    app = _bare_app(tmp_path)
    db = SQLAlchemy(app)
    Loyalty(app)
    assert app.extensions["loyalty"].db is db


def test_missing_flask_sqlalchemy_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="SQLAlchemy"):
        Loyalty(_bare_app(tmp_path))


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("LOYALTY_CURRENCY", "EURO", "ISO 4217"),
        ("LOYALTY_MAIL_DELIVERY", "pigeon", "LOYALTY_MAIL_DELIVERY"),
        ("LOYALTY_RATE_LIMIT", (0, 60), "LOYALTY_RATE_LIMIT"),
        ("LOYALTY_URL_PREFIX", "loyalty", "LOYALTY_URL_PREFIX"),
    ],
)
def test_bad_config_fails_at_init_app(
    tmp_path: Path, key: str, value: object, message: str
) -> None:
    app = _bare_app(tmp_path, **{key: value})
    with pytest.raises(RuntimeError, match=message):
        Loyalty(app, db=SQLAlchemy(app))


def test_using_an_app_that_was_not_set_up_says_init_app(tmp_path: Path) -> None:
    loyalty = Loyalty()
    app = _bare_app(tmp_path)
    with app.app_context(), pytest.raises(RuntimeError, match="init_app"):
        loyalty.record_order("1", email="a@example.com", total=Decimal("1.00"))


def test_one_extension_serves_two_apps_with_their_own_config(tmp_path: Path) -> None:
    loyalty = Loyalty()
    apps = []
    for name, prefix, currency in (("one", "/rewards", "EUR"), ("two", "/club", "HUF")):
        app = _bare_app(
            tmp_path, name, LOYALTY_URL_PREFIX=prefix, LOYALTY_CURRENCY=currency
        )
        db = SQLAlchemy(app)
        loyalty.init_app(app, db=db)
        with app.app_context():
            Base.metadata.create_all(db.engine)
        apps.append(app)
    one, two = apps
    assert not hasattr(loyalty, "app")
    with one.app_context():
        order = loyalty.record_order(
            "A-1", email="a@example.com", total=Decimal("5.50")
        )
        assert order.currency == "EUR"
    with two.app_context():
        order = loyalty.record_order(
            "A-1", email="b@example.com", total=Decimal("1200")
        )
        assert order.currency == "HUF"
    assert one.test_client().get("/rewards/").status_code == 200
    assert one.test_client().get("/club/").status_code == 404
    assert two.test_client().get("/club/").status_code == 200


def test_hooks_are_decorators_that_return_the_function(app: Flask) -> None:
    loyalty = app.extensions["loyalty"].extension

    def loader() -> None:
        return None

    assert loyalty.customer_loader(loader) is loader
    assert loyalty.owner_check(loader) is loader
    assert loyalty.catalog_loader(loader) is loader


def test_catalog_without_a_loader_says_what_to_write(app: Flask) -> None:
    loyalty = app.extensions["loyalty"].extension
    with app.app_context(), pytest.raises(RuntimeError, match="catalog_loader"):
        loyalty.catalog()


def test_pages_extend_the_configured_base_template(
    tmp_path: Path, make_app: t.Callable[..., Flask]
) -> None:
    app = make_app(LOYALTY_BASE_TEMPLATE="shop_base.html")
    folder = tmp_path / "host_templates"
    folder.mkdir()
    (folder / "shop_base.html").write_text(
        "<html><body><nav>HOST NAV</nav>{% block content %}{% endblock %}"
        "<title>{% block title %}{% endblock %}</title></body></html>"
    )
    app.template_folder = str(folder)
    html = app.test_client().get("/loyalty/").get_data(as_text=True)
    assert "HOST NAV" in html
    assert "Email me a sign-in link" in html


def test_host_template_overrides_a_loyalty_template(
    tmp_path: Path, make_app: t.Callable[..., Flask]
) -> None:
    app = make_app()
    override = tmp_path / "host_templates" / "loyalty" / "customers"
    override.mkdir(parents=True)
    (override / "sign_in.html").write_text("OUR OWN SIGN-IN PAGE")
    app.template_folder = str(tmp_path / "host_templates")
    html = app.test_client().get("/loyalty/").get_data(as_text=True)
    assert html == "OUR OWN SIGN-IN PAGE"


def test_loyalty_url_is_a_template_global_for_the_shop(
    make_app: t.Callable[..., Flask],
) -> None:
    app = make_app(LOYALTY_URL_PREFIX="/club", LOYALTY_BLUEPRINT_NAME="club")
    with app.test_request_context():
        rendered = app.jinja_env.from_string("{{ loyalty_url('account') }}").render()
    assert rendered == "/club/"
