"""Migration 0008 brings languages stored by earlier versions to the codes of
LOYALTY_LANGUAGES."""

from __future__ import annotations

import typing as t

import sqlalchemy as sa
from flask import Flask

from flask_loyalty import migrations


def test_stored_languages_become_plain_codes(
    make_app: t.Callable[..., Flask], database_url: str
) -> None:
    app = make_app(database_url=database_url, create_tables=False)
    with app.app_context():
        engine = app.extensions["loyalty"].db.engine
        migrations.upgrade(engine, "0007")
        stored = ["en", "et_EE", "EL-gr", "fil_PH", "fil", "", None, "hu"]
        with engine.begin() as connection:
            for n, locale in enumerate(stored):
                connection.execute(
                    sa.text(
                        "INSERT INTO loyalty_customers (email, locale, created_at)"
                        " VALUES (:email, :locale, :now)"
                    ),
                    {
                        "email": f"c{n}@example.com",
                        "locale": locale,
                        "now": "2026-01-01",
                    },
                )
        migrations.upgrade(engine)
        with engine.connect() as connection:
            codes = connection.execute(
                sa.text("SELECT locale FROM loyalty_customers ORDER BY id")
            ).scalars()
            assert list(codes) == ["en", "et_ee", "el_gr", "tl", "tl", None, None, "hu"]
        migrations.downgrade(engine, "0007")
        assert migrations.current_revision(engine) == "0007"
