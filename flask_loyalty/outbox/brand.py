"""How the extension's email looks (the shop's logo or name, its accent colour)
and the one function that renders every email.

Every email extends one base template (``loyalty/email/_layout.html``): a centred
table at most 600 px wide, inline styles only (no ``<style>`` block, no external
CSS, which many clients drop), a sans-serif font stack and the shop's accent colour
for links and buttons. The owner's Markdown comes out of nh3 without ``style``
attributes, so :func:`colour_links` gives every link that has none the accent.
"""

from __future__ import annotations

import re
import typing as t
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app
from flask import render_template

from ..i18n import page_text
from ..locales import current_language

DEFAULT_ACCENT = "#5b3a29"
"""A dark warm brown: white button text on it passes WCAG AA."""

FONT_STACK = (
    "-apple-system, BlinkMacSystemFont, Segoe UI, Roboto, Helvetica Neue, Arial,"
    " Noto Sans, sans-serif"
)
"""System fonts first (each client's own readable sans-serif), Arial as the floor.
Unquoted names are valid CSS and need no escaping inside a ``style`` attribute."""

_HEX = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
_LINK = re.compile(r"<a(\s[^>]*)?>")


@dataclass(frozen=True)
class Brand:
    """What the email base template reads as ``email_brand``."""

    shop_name: str
    accent: str = DEFAULT_ACCENT
    logo_url: str | None = None
    font: str = FONT_STACK


def check_accent(value: object) -> str:
    """``LOYALTY_EMAIL_ACCENT`` as a lower-case ``#rrggbb``.

    :raises RuntimeError: anything but a hex colour (``#5b3a29`` or ``#a33``).
    """
    if not isinstance(value, str) or not _HEX.fullmatch(value.strip()):
        raise RuntimeError(
            f"LOYALTY_EMAIL_ACCENT must be a hex colour such as '#5b3a29' or '#a33',"
            f" not {value!r}: email clients ignore names and rgb() in many places."
        )
    value = value.strip().lower()
    if len(value) == 4:
        value = "#" + "".join(ch * 2 for ch in value[1:])
    return value


def check_logo_url(value: object, base_url: str | None) -> str | None:
    """``LOYALTY_EMAIL_LOGO_URL`` as the absolute address an email can load.

    An ``https://`` address is kept; a path (``/static/logo.png``) is joined to
    ``LOYALTY_BASE_URL``, as every other link in email is.

    :raises RuntimeError: an ``http://`` or relative address, or a path without
        ``LOYALTY_BASE_URL``.
    """
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise RuntimeError(f"LOYALTY_EMAIL_LOGO_URL must be text, not {value!r}.")
    parts = urlsplit(value)
    if parts.scheme == "https" and parts.netloc:
        return value
    if not parts.scheme and not parts.netloc and value.startswith("/"):
        if base_url is None:
            raise RuntimeError(
                f"LOYALTY_EMAIL_LOGO_URL {value!r} is a path: set LOYALTY_BASE_URL"
                " so email can load it from the shop's address, or give the whole"
                " https:// address."
            )
        return base_url.rstrip("/") + value
    raise RuntimeError(
        f"LOYALTY_EMAIL_LOGO_URL {value!r} must be an https:// address or a path"
        " such as '/static/logo.png' on LOYALTY_BASE_URL: mail clients block"
        " images from http:// addresses."
    )


def colour_links(html: str, accent: str) -> str:
    """``html`` with the accent as the colour of every link that has no style."""
    style = f' style="color: {accent};"'

    def add(link: re.Match[str]) -> str:
        attributes = link.group(1) or ""
        if " style=" in attributes:
            return link.group(0)
        return f"<a{attributes}{style}>"

    return _LINK.sub(add, html)


def brand_context(settings: t.Any) -> dict[str, t.Any]:
    """The base template's ``email_brand`` for the app's settings."""
    return {
        "email_brand": Brand(
            shop_name=settings.shop_name,
            accent=settings.email_accent,
            logo_url=settings.email_logo_url,
        )
    }


def render_mail(template: str, **context: t.Any) -> tuple[str, str]:
    """Render ``loyalty/email/<template>.txt`` and ``.html``; return (text, html).

    The HTML template extends the email base template, which reads the shop's
    look (``email_brand``); every link without a style of its own takes the
    shop's accent colour.
    """
    settings = current_app.extensions["loyalty"].settings
    words = page_text()  # the locale and catalogs resolved once per email
    context.setdefault("_", words.gettext)
    context.setdefault("ngettext", words.ngettext)
    context.setdefault("loyalty_lang", current_language())  # also in the worker
    context.update(brand_context(settings))
    text = render_template(f"loyalty/email/{template}.txt", **context)
    html = render_template(f"loyalty/email/{template}.html", **context)
    return text, colour_links(html, settings.email_accent)
