"""Absolute links for email, built from ``LOYALTY_BASE_URL`` only.

A link that leaves the site must not trust the request: a forged ``Host`` header
would otherwise put the attacker's host in a sign-in or unsubscribe link. Services
(newsletter, offers, points, returns, journeys, campaigns) import :func:`email_url`;
the request is never asked for its host.
"""

from __future__ import annotations

import typing as t
from urllib.parse import urlsplit

from flask import current_app

FALLBACK_BASE_URL = "http://localhost"
"""Links in mail that is held or written to files when ``LOYALTY_BASE_URL`` is unset
(the demo and tests); SMTP delivery refuses to start without the setting."""


def check_base_url(base_url: str | None, mail_delivery: str) -> None:
    """Refuse a configuration that would mail links without the shop's address.

    :raises RuntimeError: SMTP delivery without ``LOYALTY_BASE_URL``, or a value
        that is not an ``http(s)://host`` address.
    """
    if base_url is None:
        if mail_delivery == "smtp":
            raise RuntimeError(
                "LOYALTY_BASE_URL is not set: links in email (sign-in, newsletter,"
                " returns) are built from it, never from the request's Host header."
                " Set it to the shop's address, for example 'https://shop.example'."
            )
        return
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise RuntimeError(
            f"LOYALTY_BASE_URL {base_url!r} is not an address such as"
            " 'https://shop.example'."
        )


def email_url(endpoint: str, **values: t.Any) -> str:
    """The absolute URL of a loyalty page for a link in email.

    Built from ``LOYALTY_BASE_URL`` whether or not a request is being served.
    """
    state = current_app.extensions["loyalty"]
    return site_url(f"{state.settings.blueprint_name}.{endpoint}", **values)


def site_url(endpoint: str, **values: t.Any) -> str:
    """The absolute URL of any page of the shop (``"shop.product"``, ``"static"``),
    built from ``LOYALTY_BASE_URL`` like :func:`email_url`.

    For the product links a ``catalog_loader`` reports: those go into offer emails,
    so they must not come from ``url_for(..., _external=True)``, which takes the
    host from the request. Works outside a request too (the worker, the CLI).
    """
    state = current_app.extensions["loyalty"]
    base = urlsplit(state.settings.base_url or FALLBACK_BASE_URL)
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme
    )
    return adapter.build(endpoint, values, force_external=True)
