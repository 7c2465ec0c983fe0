"""Checks of the shop's set-up that need the whole app: run once, at the first
request and when the worker starts, so a mistake is one clear error naming what
to change instead of a blank page or a driver's ``no such table``."""

from __future__ import annotations

import difflib
import typing as t

import sqlalchemy as sa
from flask import Flask
from jinja2 import TemplateNotFound
from jinja2 import nodes

from .db import Base

MAX_DEPTH = 10
"""Templates extending templates: deeper than this is not followed."""


def check_base_template(app: Flask, name: str) -> None:
    """:raises RuntimeError: ``LOYALTY_BASE_TEMPLATE`` is not a template of the
    app, or neither it nor a template it extends has a ``content`` block (the
    loyalty pages would render empty)."""
    env = app.jinja_env
    blocks: set[str] = set()
    current: str | None = name
    for _ in range(MAX_DEPTH):
        if current is None:
            break
        try:
            source, _file, _fresh = env.loader.get_source(env, current)  # type: ignore[union-attr]
        except TemplateNotFound:
            raise RuntimeError(
                f"LOYALTY_BASE_TEMPLATE: the template {current!r} is not found in this"
                " app's template folders. Name your layout, for example 'base.html'."
            ) from None
        tree = env.parse(source)
        blocks |= {block.name for block in tree.find_all(nodes.Block)}
        parent = tree.find(nodes.Extends)
        current = (
            parent.template.value
            if parent is not None and isinstance(parent.template, nodes.Const)
            else None
        )
    if "content" not in blocks:
        raise RuntimeError(
            f"LOYALTY_BASE_TEMPLATE {name!r} has no '{{% block content %}}': the"
            " loyalty pages fill that block, and would render empty. Add it where"
            " your pages' main content goes."
        )


def check_tables(engine: sa.Engine) -> None:
    """:raises RuntimeError: a table or a column of the extension is missing (the
    migrations were not run after installing or upgrading), naming the command
    that adds them."""
    inspector = sa.inspect(engine)
    have = set(inspector.get_table_names())
    tables = Base.metadata.sorted_tables
    present = [t for t in tables if t.name in have]
    # Columns first: a forgotten upgrade usually lacks both, and a column names
    # the older release the database is at more precisely than a new table.
    found = inspector.get_multi_columns(filter_names=[t.name for t in present])
    columns = {name: {c["name"] for c in cols} for (_, name), cols in found.items()}
    missing = [
        f"{t.name}.{c.name}"
        for t in present
        for c in t.columns
        if c.name not in columns.get(t.name, set())
    ] + [t.name for t in tables if t.name not in have]
    if missing:
        shown = ", ".join(missing[:4]) + (" ..." if len(missing) > 4 else "")
        raise RuntimeError(
            f"The loyalty tables are not up to date ({shown} missing): run"
            " 'flask --app yourshop loyalty db upgrade' after installing or"
            " upgrading flask-loyalty."
        )


def check_owner_login_view(app: Flask, login_view: str | None) -> None:
    """:raises RuntimeError: ``LOYALTY_OWNER_LOGIN_VIEW`` names an endpoint the
    app does not have (a signed-out owner would get a server error)."""
    if not login_view or "/" in login_view or login_view in app.view_functions:
        return
    close = difflib.get_close_matches(login_view, list(app.view_functions), n=3)
    hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
    raise RuntimeError(
        f"LOYALTY_OWNER_LOGIN_VIEW: the app has no endpoint {login_view!r}.{hint}"
        " Give your login view's endpoint (as for url_for, 'auth.login') or its"
        " path ('/login')."
    )


def check_setup(
    app: Flask, base_template: str, engine: t.Any, login_view: str | None = None
) -> None:
    """Every check above; :raises RuntimeError: at the first that fails."""
    check_base_template(app, base_template)
    check_owner_login_view(app, login_view)
    check_tables(engine)
