"""The shop's settings: environment variables and the shared secret key."""

from __future__ import annotations

from pathlib import Path

import pytest

from example_shop import create_app
from example_shop import db
from example_shop.cli import create_tables
from example_shop.config import from_environment
from example_shop.config import shared_secret_key


def test_settings_come_from_the_environment() -> None:
    held = from_environment({})
    assert held["LOYALTY_MAIL_DELIVERY"] == "file"
    assert held["LOYALTY_BASE_URL"] == "http://127.0.0.1:5000"
    assert held["MAIL_DEFAULT_SENDER"] == "shop@localhost"
    assert held["LOYALTY_BASE_TEMPLATE"] == "shop/base.html"
    assert "SQLALCHEMY_DATABASE_URI" not in held and "SECRET_KEY" not in held
    smtp = from_environment(
        {
            "MAIL_SERVER": "smtp.example.com",
            "MAIL_PORT": "2525",
            "REDIS_URL": "redis://cache:6379/0",
            "DATABASE_URL": "postgres://shop@db/shop",
        }
    )
    assert "LOYALTY_MAIL_DELIVERY" not in smtp
    assert smtp["MAIL_SERVER"] == "smtp.example.com" and smtp["MAIL_PORT"] == 2525
    assert smtp["LOYALTY_RATE_LIMIT_STORAGE_URL"] == "redis://cache:6379/0"
    assert smtp["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://shop@db/shop"


def test_secret_key_is_generated_once_and_shared(tmp_path: Path) -> None:
    first = shared_secret_key(str(tmp_path / "instance"))
    assert len(first) >= 32
    assert shared_secret_key(str(tmp_path / "instance")) == first
    key_file = tmp_path / "instance" / "secret_key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in key_file.parent.iterdir()] == ["secret_key"]


def test_session_cookies_are_lax_and_secure_over_https(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 17, finding 7: the shop sends its session cookie as production needs."""
    for name in ("REDIS_URL", "DATABASE_URL", "MAIL_SERVER", "SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    for base, secure in (("https://shop.example", True), ("http://127.0.0.1", False)):
        monkeypatch.setenv("SHOP_BASE_URL", base)
        app = create_app(
            {
                "SECRET_KEY": "test secret",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'shop.db'}",
            }
        )
        with app.app_context():
            create_tables()
        page = app.test_client().get("/auth/sign-in")  # the form starts a session
        cookie = page.headers["Set-Cookie"]
        assert "SameSite=Lax" in cookie, cookie
        assert ("Secure" in cookie) is secure, cookie
        with app.app_context():
            db.engine.dispose()
