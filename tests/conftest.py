"""Fixtures shared by the whole suite.

``app`` is a fresh shop app on a temporary SQLite file; ``make_app`` builds more
(another database, other config); ``database_url`` runs a test on SQLite and on
PostgreSQL. With ``CI=true`` a missing PostgreSQL, Redis, SMTP or browser fails the
test; elsewhere it is skipped with the reason printed.
"""

from __future__ import annotations

import os
import typing as t
import uuid
from datetime import UTC
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_sqlalchemy import SQLAlchemy

from flask_loyalty import FrozenClock
from flask_loyalty import Loyalty
from flask_loyalty.db import Base

pytest_plugins = ["tests.plugins.ci", "tests.plugins.services"]

POSTGRES_URL = os.environ.get(
    "LOYALTY_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require(available: bool, reason: str) -> None:
    """Skip the test when a real service is missing; in CI, fail it loudly."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"CI=true but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def clock() -> FrozenClock:
    """The app's clock, standing at 2026-03-02 10:00 UTC until moved."""
    return FrozenClock(datetime(2026, 3, 2, 10, 0, tzinfo=UTC))


@pytest.fixture(scope="session")
def postgres_available() -> bool:
    try:
        engine = sa.create_engine(POSTGRES_URL)
        with engine.connect():
            pass
        engine.dispose()
    except Exception:  # noqa: BLE001 - any failure means "not here"
        return False
    return True


@pytest.fixture
def postgres_url(postgres_available: bool) -> t.Iterator[str]:
    """A PostgreSQL URL whose tables live in a schema of their own for this test."""
    require(postgres_available, f"no PostgreSQL at {POSTGRES_URL}")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = sa.make_url(POSTGRES_URL).update_query_dict(
        {"options": f"-csearch_path={schema}"}
    )
    yield url.render_as_string(hide_password=False)
    with admin.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'shop.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """Run the test once on SQLite and once on PostgreSQL."""
    return t.cast(str, request.getfixturevalue(f"{request.param}_url"))


@pytest.fixture
def make_app(
    tmp_path: Path, sqlite_url: str, clock: FrozenClock
) -> t.Iterator[t.Callable[..., Flask]]:
    """Build a shop app with the extension; ``make_app(database_url=..., **config)``.

    The loyalty tables are created unless ``create_tables=False``. The
    :class:`Loyalty` object is ``app.extensions["loyalty"].extension`` (the
    ``loyalty`` fixture).
    """
    engines: list[sa.Engine] = []

    def factory(
        database_url: str | None = None, *, create_tables: bool = True, **config: t.Any
    ) -> Flask:
        app = Flask("shop", instance_path=str(tmp_path / "instance"))
        app.config.update(
            TESTING=True,
            SECRET_KEY="test secret",
            SQLALCHEMY_DATABASE_URI=database_url or sqlite_url,
            LOYALTY_CLOCK=clock,
            LOYALTY_MAIL_DELIVERY="hold",
            MAIL_DEFAULT_SENDER="shop@example.com",
            SERVER_NAME="shop.test",
            LOYALTY_BASE_URL="http://shop.test",
            LOYALTY_LANGUAGES=("en", "et", "el", "hu", "tl"),
        )
        app.config.update(config)
        db = SQLAlchemy(app)
        Loyalty(app, db=db)
        with app.app_context():
            if create_tables:
                Base.metadata.create_all(db.engine)
            engines.append(db.engine)
        return app

    yield factory
    for engine in engines:
        engine.dispose()


@pytest.fixture
def app(make_app: t.Callable[..., Flask]) -> Flask:
    return make_app()


@pytest.fixture
def loyalty(app: Flask) -> Loyalty:
    return t.cast(Loyalty, app.extensions["loyalty"].extension)


@pytest.fixture
def app_ctx(app: Flask) -> t.Iterator[None]:
    with app.app_context():
        yield


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
