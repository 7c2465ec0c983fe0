"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

import typing as t

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from flask import Flask

from flask_loyalty import migrations
from flask_loyalty.db import Base


def loyalty_tables(engine: sa.Engine) -> set[str]:
    return {
        name
        for name in sa.inspect(engine).get_table_names()
        if name.startswith("loyalty_")
    }


def test_migrations_produce_exactly_the_models_schema(
    make_app: t.Callable[..., Flask], database_url: str
) -> None:
    app = make_app(database_url=database_url, create_tables=False)
    with app.app_context():
        engine = app.extensions["loyalty"].db.engine
        migrations.upgrade(engine)
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection,
                opts={
                    "compare_type": True,
                    "include_name": migrations.is_loyalty_table,
                    "version_table": migrations.VERSION_TABLE,
                },
            )
            diff = compare_metadata(context, Base.metadata)
        assert diff == []
        assert loyalty_tables(engine) == set(Base.metadata.tables) | {
            migrations.VERSION_TABLE
        }


def test_downgrade_to_base_removes_only_loyalty_tables(
    make_app: t.Callable[..., Flask], database_url: str
) -> None:
    app = make_app(database_url=database_url, create_tables=False)
    with app.app_context():
        engine = app.extensions["loyalty"].db.engine
        with engine.begin() as connection:
            connection.execute(sa.text("CREATE TABLE shop_products (id INTEGER)"))
        migrations.upgrade(engine)
        assert migrations.current_revision(engine) is not None
        migrations.downgrade(engine, "base")
        assert loyalty_tables(engine) == {migrations.VERSION_TABLE}
        assert migrations.current_revision(engine) is None
        assert "shop_products" in sa.inspect(engine).get_table_names()


def test_flask_loyalty_db_upgrade_command(make_app: t.Callable[..., Flask]) -> None:
    app = make_app(create_tables=False)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["loyalty", "db", "upgrade"])
    assert first.exit_code == 0, first.output
    assert "migrated from empty to" in first.output
    second = runner.invoke(args=["loyalty", "db", "upgrade"])
    assert "up to date" in second.output
    current = runner.invoke(args=["loyalty", "db", "current"])
    with app.app_context():
        revision = migrations.current_revision(app.extensions["loyalty"].db.engine)
    assert revision and revision in current.output
    down = runner.invoke(args=["loyalty", "db", "downgrade", "base"])
    assert down.exit_code == 0 and "base" in down.output


def test_the_shops_autogenerate_can_leave_loyalty_tables_out(
    make_app: t.Callable[..., Flask],
) -> None:
    app = make_app()
    with app.app_context():
        engine = app.extensions["loyalty"].db.engine
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"include_name": migrations.skip_loyalty_tables}
            )
            # The shop's metadata knows none of our tables: nothing to drop.
            assert compare_metadata(context, sa.MetaData()) == []
            unfiltered = MigrationContext.configure(connection)
            assert compare_metadata(unfiltered, sa.MetaData()) != []


def test_0011_moves_outbox_bodies_to_their_table_and_back(
    make_app: t.Callable[..., Flask], database_url: str
) -> None:
    """Mail queued before 0011 keeps its bodies and MIME across the upgrade, and a
    downgrade puts them back in the outbox row."""
    app = make_app(database_url=database_url, create_tables=False)
    columns = "text_body, html_body, raw"
    with app.app_context():
        engine = app.extensions["loyalty"].db.engine
        migrations.upgrade(engine, "0010")
        with engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO loyalty_outbox (kind, to_addr, to_domain, subject,"
                    f" {columns}, headers, message_id, status, attempts, created_at,"
                    " send_after) VALUES ('campaign', 'anna@example.com',"
                    " 'example.com', 'News', 'Plain', '<p>Rich</p>', :raw, '{}',"
                    " '<1@shop.example>', 'sent', 1, '2026-01-05', '2026-01-05')"
                ),
                {"raw": b"From: shop\r\n\r\nPlain"},
            )
        kept = [("Plain", "<p>Rich</p>", b"From: shop\r\n\r\nPlain")]

        migrations.upgrade(engine)
        with engine.connect() as connection:
            moved = connection.execute(
                sa.text(f"SELECT {columns} FROM loyalty_outbox_content")
            )
            assert [tuple(row) for row in moved] == kept
        assert "raw" not in {
            c["name"] for c in sa.inspect(engine).get_columns("loyalty_outbox")
        }

        migrations.downgrade(engine, "0010")
        with engine.connect() as connection:
            back = connection.execute(sa.text(f"SELECT {columns} FROM loyalty_outbox"))
            assert [tuple(row) for row in back] == kept
        assert "loyalty_outbox_content" not in loyalty_tables(engine)
        migrations.downgrade(engine, "base")
