"""The quickstart's "Add it to your shop" example (docs/quickstart.md, which the
README links to) runs as written, with nothing but the package's declared
dependencies, on SQLite and on PostgreSQL (issue 19, point 8; moved from the
README to the docs in issue 22).

The code blocks marked ``<!-- readme-example: NAME -->`` are run as a shop module
would run them: the set-up, ``flask loyalty db upgrade``, a signed-in customer's
account page, the checkout function, and the refunds.
"""

from __future__ import annotations

import ast
import configparser
import importlib.metadata
import re
import sys
import typing as t
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from flask import g

from flask_loyalty.models import PointsEntry
from flask_loyalty.orders.service import get_order

ROOT = Path(__file__).resolve().parent.parent
QUICKSTART = (ROOT / "docs" / "quickstart.md").read_text(encoding="utf-8")
BLOCK = re.compile(r"<!-- readme-example: (\w+) -->\n```python\n(.*?)```", re.S)
BASE = """<!doctype html><html lang="{{ loyalty_lang|default('en') }}">
<head><title>{% block title %}{% endblock %}</title>
{% block head %}{% endblock %}</head>
<body>{% block content %}{% endblock %}</body></html>"""


def blocks() -> dict[str, str]:
    found = dict(BLOCK.findall(QUICKSTART))
    assert set(found) == {"setup", "checkout", "refund"}, sorted(found)
    return found


def declared() -> set[str]:
    """The import names of the package's install_requires, and its own."""
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    names = set()
    for line in config["options"]["install_requires"].split():
        dist = re.split(r"[<>=!~\[]", line, maxsplit=1)[0]
        files = importlib.metadata.files(dist) or []
        names |= {
            f.parts[0].removesuffix(".py")
            for f in files
            if f.parts and f.parts[0].isidentifier() or str(f).endswith(".py")
        }
    return names | {"flask_loyalty"}


def test_the_example_imports_only_declared_dependencies() -> None:
    allowed = declared()
    for name, code in blocks().items():
        for node in ast.walk(ast.parse(code)):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                modules = [node.module or ""]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                assert top in sys.stdlib_module_names or top in allowed, (
                    f"the quickstart's {name} block imports {module}, which is not a"
                    " declared dependency of flask-loyalty"
                )


SHOP = "https://silverfern.example"

RUN_SHOP = f"""
import json
from decimal import Decimal
from types import SimpleNamespace

from flask import g

import yourshop

app = yourshop.create_app()
app.add_url_rule("/login", "login", lambda: "the shop's login page")
with app.app_context():
    yourshop.db.create_all()
with app.test_request_context(base_url="{SHOP}"):
    g.user = None
    order = SimpleNamespace(number="SF-1")
    yourshop.record_paid_order(order, "anna@example.com", "Anna")
page = app.test_client().get("/loyalty/policies/returns", base_url="{SHOP}")
with app.app_context():
    order = yourshop.loyalty.state.session.execute(
        yourshop.db.text("select total_cents from loyalty_orders")
    ).scalar_one()
print(json.dumps({{"status": page.status_code, "order": order,
                   "html": page.get_data(as_text=True)}}))
"""
"""Run in a folder :func:`write_shop` filled: the example's shop, a checkout and
a page, as the quickstart's reader would, with nothing but what is installed."""


def write_shop(folder: Path) -> list[list[str]]:
    """Write the quickstart's shop as ``yourshop.py`` (set-up and checkout blocks) with
    a layout in ``templates/base.html``; return the quickstart's commands to run in
    ``folder`` (``flask --app yourshop loyalty db upgrade``)."""
    code = blocks()
    (folder / "yourshop.py").write_text(
        code["setup"] + "\n\n" + code["checkout"], encoding="utf-8"
    )
    (folder / "templates").mkdir()
    (folder / "templates" / "base.html").write_text(BASE, encoding="utf-8")
    upgrade = re.search(r"flask --app yourshop (loyalty db upgrade)", QUICKSTART)
    assert upgrade, "the quickstart no longer says how to create the tables"
    return [["flask", "--app", "yourshop", *upgrade[1].split()]]


def dispose(app: t.Any, shop: ModuleType) -> None:
    """Close the example's connections (an open PostgreSQL one left for the
    garbage collector fails the run with a ResourceWarning)."""
    with app.app_context():
        shop.db.session.remove()
        shop.db.engine.dispose()
        app.extensions["loyalty"].db.engine.dispose()


def shop_module(database_url: str) -> ModuleType:
    """The quickstart's set-up as the module ``yourshop``, on ``database_url``."""
    code = blocks()["setup"].replace("sqlite:///shop.db", database_url)
    module = ModuleType("yourshop")
    module.__file__ = str(Path.cwd() / "yourshop.py")
    exec(compile(code, "quickstart.md (setup)", "exec"), module.__dict__)  # noqa: S102
    return module


@pytest.mark.parametrize(
    "database", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_the_example_runs_as_written(
    database: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "base.html").write_text(BASE, encoding="utf-8")
    url = (
        f"sqlite:///{tmp_path / 'shop.db'}"
        if database == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    shop = shop_module(url)
    app = shop.create_app()
    app.config["TESTING"] = True
    request.addfinalizer(lambda: dispose(app, shop))
    upgraded = app.test_cli_runner().invoke(args=["loyalty", "db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output
    with app.app_context():
        shop.db.create_all()  # the shop's own table (Product)
        shop.db.session.add(
            shop.Product(
                sku="RING-1",
                name="Silver fern ring",
                price=Decimal("38.00"),
                category="rings",
            )
        )
        shop.db.session.commit()

    anna = SimpleNamespace(
        id=7,
        email="anna@example.com",
        name="Anna Tamm",
        email_confirmed=True,
        is_owner=False,
    )
    signed_in: dict[str, t.Any] = {"user": None}

    @app.before_request
    def load_user() -> None:  # what the shop's login does
        g.user = signed_in["user"]

    app.add_url_rule("/login", "login", lambda: "the shop's login page")

    namespace = dict(shop.__dict__)
    exec(  # noqa: S102 - the quickstart's own code
        compile(blocks()["checkout"], "quickstart.md (checkout)", "exec"), namespace
    )
    order = SimpleNamespace(number="SF-1001")
    with app.test_request_context(base_url="https://silverfern.example"):
        g.user = anna
        namespace["record_paid_order"](order, "anna@example.com", "Anna Tamm")
        namespace["record_paid_order"](order, "anna@example.com", "Anna Tamm")
        loyalty = shop.loyalty
        assert [p.sku for p in loyalty.catalog()] == ["RING-1"]

    signed_in["user"] = anna
    client = app.test_client()
    page = client.get("/loyalty/", base_url="https://silverfern.example")
    assert page.status_code == 200, page.get_data(as_text=True)[:500]
    html = page.get_data(as_text=True)
    assert "SF-1001" in html and "Hello, Anna" in html
    forged = client.get("/loyalty/", base_url="https://evil.example")
    assert forged.status_code == 400  # TRUSTED_HOSTS

    with app.app_context():
        exec(  # noqa: S102 - the quickstart's own code
            compile(blocks()["refund"], "quickstart.md (refund)", "exec"),
            {**namespace, "order": order, "refund": SimpleNamespace(id=76)},
        )
        recorded = get_order(loyalty.state.session, "SF-1001")
        assert recorded.total == Decimal("67.90")
        assert [r.reference for r in recorded.refunds] == ["76", "R-77", "R-78"]
        assert recorded.refunded == Decimal("12.50") + Decimal("4.90") + Decimal(10)
        entries = dict(
            loyalty.state.session.execute(
                sa.select(PointsEntry.key, PointsEntry.points).where(
                    PointsEntry.kind.in_(("earn", "reversal"))
                )
            ).all()
        )
    earned = entries.pop("order:SF-1001")
    # Goods given back take back their share; the shipping-only refund takes none.
    assert sorted(entries.values()) == sorted(
        [-(earned * 1250 // 6300), -(earned * 1000 // 6300)]
    ), entries
