"""Setting the extension up: init_app, config, several apps, hooks, templates."""

from __future__ import annotations

import typing as t
from datetime import UTC
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from flask_loyalty import FrozenClock
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


def test_a_setting_changed_after_init_app_fails_the_first_request_by_name(
    make_app: t.Callable[..., Flask],
) -> None:
    app = make_app()
    app.config["LOYALTY_CLOCK"] = FrozenClock(datetime(2030, 1, 1, tzinfo=UTC))
    with pytest.raises(RuntimeError, match="LOYALTY_CLOCK changed after init_app"):
        app.test_client().get("/loyalty/")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["loyalty", "worker", "--once"])
    assert "LOYALTY_CLOCK changed after init_app" in str(result.exception)


def test_the_settings_set_before_init_app_pass_the_check(
    make_app: t.Callable[..., Flask],
) -> None:
    app = make_app(LOYALTY_LANGUAGES=["en", "et"])  # a list equal to itself passes
    assert app.test_client().get("/loyalty/").status_code == 200


def test_no_secret_key_fails_at_init_app_by_name() -> None:
    app = Flask("shop")
    app.config.update(SQLALCHEMY_DATABASE_URI="sqlite://", LOYALTY_MAIL_DELIVERY="hold")
    db = SQLAlchemy(app)
    with pytest.raises(RuntimeError, match="SECRET_KEY is not set"):
        Loyalty(app, db=db)


@pytest.mark.parametrize(
    ("config", "languages"),
    [
        ({}, ("en",)),
        ({"BABEL_DEFAULT_LOCALE": "et"}, ("et",)),
        ({"BABEL_DEFAULT_LOCALE": "de"}, ("en",)),  # no catalog: not half German
        ({"LOYALTY_LANGUAGES": ("hu", "en")}, ("hu", "en")),
    ],
)
def test_an_english_only_shop_offers_english_alone_unless_it_says_more(
    make_app: t.Callable[..., Flask],
    config: dict[str, t.Any],
    languages: tuple[str, ...],
) -> None:
    """A browser that prefers Estonian gets English pages and mail in a shop that
    never listed Estonian (issue 19, point 5: it got mixed-language mail)."""
    app = make_app(**{"LOYALTY_LANGUAGES": None, **config})
    assert app.extensions["loyalty"].settings.languages == languages


def test_a_language_without_a_catalog_fails_at_init_app(
    make_app: t.Callable[..., Flask], tmp_path: Path
) -> None:
    with pytest.raises(RuntimeError, match="no translation into 'de'"):
        make_app(LOYALTY_LANGUAGES=("en", "de"))
    catalog = Catalog(locale="de", domain="flask_loyalty")
    catalog.add("Your points", "Ihre Punkte")
    folder = tmp_path / "translations" / "de" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with open(folder / "flask_loyalty.mo", "wb") as mo:
        write_mo(mo, catalog)
    app = make_app(
        LOYALTY_LANGUAGES=("en", "de"),
        LOYALTY_TRANSLATION_DIRECTORIES=[str(tmp_path / "translations")],
    )
    assert app.extensions["loyalty"].settings.languages == ("en", "de")


@pytest.mark.parametrize(
    ("files", "error"),
    [
        ({}, "the template 'shop_base.html' is not found"),
        (
            {"shop_base.html": "<main>{% block main %}{% endblock %}</main>"},
            "no '{% block",
        ),
        (
            {
                "shop_base.html": '{% extends "layout.html" %}'
                "{% block title %}{% endblock %}",
                "layout.html": "<main>{% block content %}{% endblock %}</main>",
            },
            None,
        ),
    ],
)
def test_a_base_template_that_cannot_hold_the_pages_fails_the_first_request(
    tmp_path: Path,
    make_app: t.Callable[..., Flask],
    files: dict[str, str],
    error: str | None,
) -> None:
    """Blank pages with status 200, or an error deep in Jinja, before (issue 19)."""
    app = make_app(LOYALTY_BASE_TEMPLATE="shop_base.html")
    folder = tmp_path / "host_templates"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text)
    app.template_folder = str(folder)
    if error is None:
        assert app.test_client().get("/loyalty/").status_code == 200
        return
    with pytest.raises(RuntimeError, match="LOYALTY_BASE_TEMPLATE") as refused:
        app.test_client().get("/loyalty/")
    assert error in str(refused.value)


def test_missing_tables_fail_the_first_request_and_the_worker_by_name(
    make_app: t.Callable[..., Flask],
) -> None:
    """A forgotten ``flask loyalty db upgrade`` was a raw ``no such table``."""
    app = make_app(create_tables=False)
    app.add_url_rule("/shop", "shop", lambda: "the shop's own page")
    assert app.test_client().get("/shop").status_code == 200  # not the shop's pages
    with pytest.raises(RuntimeError, match="loyalty db upgrade"):
        app.test_client().get("/loyalty/")
    result = app.test_cli_runner().invoke(args=["loyalty", "worker", "--once"])
    assert "loyalty db upgrade" in str(result.exception)
    assert (
        app.test_cli_runner().invoke(args=["loyalty", "db", "upgrade"]).exit_code == 0
    )
    assert app.test_client().get("/loyalty/").status_code == 200


@pytest.mark.parametrize(
    "database", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_a_missing_column_fails_by_name_after_an_upgrade_without_migrating(
    make_app: t.Callable[..., Flask],
    database: str,
    request: pytest.FixtureRequest,
) -> None:
    """The package was upgraded, ``flask loyalty db upgrade`` forgotten: the tables
    are there, a new column is not. It was a raw ``no such column`` at some page."""
    url = request.getfixturevalue("postgres_url") if database == "postgres" else None
    app = make_app(url, create_tables=False)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["loyalty", "db", "upgrade", "0019"]).exit_code == 0
    with pytest.raises(RuntimeError) as refused:
        app.test_client().get("/loyalty/")
    assert "loyalty_customers.erased_at" in str(refused.value)
    assert "loyalty db upgrade" in str(refused.value)
    result = runner.invoke(args=["loyalty", "worker", "--once"])
    assert "loyalty_customers.erased_at" in str(result.exception)
    assert runner.invoke(args=["loyalty", "db", "upgrade"]).exit_code == 0
    assert app.test_client().get("/loyalty/").status_code == 200
