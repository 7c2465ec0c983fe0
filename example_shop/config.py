"""The shop's settings, read from environment variables.

| variable | default |
|---|---|
| ``DATABASE_URL`` | SQLite file ``instance/shop.db`` |
| ``SECRET_KEY`` | generated once into ``instance/secret_key`` (shared by workers) |
| ``MAIL_SERVER``, ``MAIL_PORT`` | unset: mail goes to ``instance/loyalty-mail`` |
| ``MAIL_USERNAME``, ``MAIL_PASSWORD``, ``MAIL_USE_TLS`` | unset |
| ``MAIL_DEFAULT_SENDER`` | ``shop@localhost`` |
| ``REDIS_URL`` | unset: rate limits count per process (set it for several workers) |
| ``SHOP_BASE_URL`` | ``http://127.0.0.1:5000`` (mail links; https: Secure cookies) |
"""

from __future__ import annotations

import os
import secrets
import typing as t
from pathlib import Path

SHOP_NAME = "Silver Fern Jewellery"


def from_environment(environ: t.Mapping[str, str]) -> dict[str, t.Any]:
    """Config values taken from ``environ``; missing ones are left out."""
    config: dict[str, t.Any] = {
        "LOYALTY_SHOP_NAME": SHOP_NAME,
        "LOYALTY_BASE_TEMPLATE": "shop/base.html",
        "LOYALTY_CURRENCY": "EUR",
        "LOYALTY_EMAIL_ACCENT": "#7f4229",  # the shop's clay, as on its pages
        "MAIL_DEFAULT_SENDER": environ.get("MAIL_DEFAULT_SENDER", "shop@localhost"),
        "LOYALTY_BASE_URL": environ.get("SHOP_BASE_URL", "http://127.0.0.1:5000"),
        "LOYALTY_WORKER_INTERVAL": 2.0,
        "LOYALTY_OWNER_LOGIN_VIEW": "auth.sign_in",
        "LOYALTY_LANGUAGES": ("en", "et", "el", "hu", "tl"),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    }
    # Production cookie flags: never sent cross-site on a POST, and HTTPS-only
    # wherever the shop is served over HTTPS (the local demo runs on plain HTTP).
    https = config["LOYALTY_BASE_URL"].startswith("https://")
    config["SESSION_COOKIE_SAMESITE"] = config["REMEMBER_COOKIE_SAMESITE"] = "Lax"
    config["SESSION_COOKIE_SECURE"] = config["REMEMBER_COOKIE_SECURE"] = https
    if environ.get("SECRET_KEY"):
        config["SECRET_KEY"] = environ["SECRET_KEY"]
    if environ.get("DATABASE_URL"):
        config["SQLALCHEMY_DATABASE_URI"] = _database_url(environ["DATABASE_URL"])
    if environ.get("MAIL_SERVER"):
        config["MAIL_SERVER"] = environ["MAIL_SERVER"]
        config["MAIL_PORT"] = int(environ.get("MAIL_PORT", "25"))
        config["MAIL_USE_TLS"] = environ.get("MAIL_USE_TLS", "") in ("1", "true")
        config["MAIL_USERNAME"] = environ.get("MAIL_USERNAME") or None
        config["MAIL_PASSWORD"] = environ.get("MAIL_PASSWORD") or None
    else:
        # No SMTP server: the worker writes .eml files and marks mail sent, so the
        # demo delivers for real and the owner reads every message in the outbox.
        config["LOYALTY_MAIL_DELIVERY"] = "file"
    if environ.get("REDIS_URL"):
        config["LOYALTY_RATE_LIMIT_STORAGE_URL"] = environ["REDIS_URL"]
    return config


def _database_url(url: str) -> str:
    """Accept the ``postgres://`` form some hosts hand out, and pick psycopg 3."""
    for old in ("postgres://", "postgresql://"):
        if url.startswith(old):
            return "postgresql+psycopg://" + url[len(old) :]
    return url


def default_database_url(instance_path: str) -> str:
    """A SQLite file in the instance folder."""
    Path(instance_path).mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{Path(instance_path) / 'shop.db'}"


def shared_secret_key(instance_path: str) -> str:
    """The key in ``instance/secret_key``, written once by whichever worker is first.

    The new key is written to a temporary file and hard-linked into place, which
    fails if another worker got there first; every worker then reads the same key.
    """
    folder = Path(instance_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "secret_key"
    if not path.exists():
        temporary = folder / f".secret_key.{os.getpid()}.{secrets.token_hex(4)}"
        temporary.write_text(secrets.token_urlsafe(48))
        temporary.chmod(0o600)
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    return path.read_text().strip()
