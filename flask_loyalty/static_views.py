"""The loyalty pages' stylesheet, served as a file the browser keeps.

Every page links ``<prefix>/assets/loyalty.css?v=<hash of the file>``
(``loyalty_stylesheet_url()`` in a template) instead of carrying the rules inline:
with the version in the address the answer may be kept for a year, and a new
release of the file gets a new address. An address with another version (an old
page still open after an upgrade) gets the current file, revalidated on each use.
"""

from __future__ import annotations

import hashlib
from importlib.resources import files

from flask import Blueprint
from flask import request
from flask import url_for
from flask.wrappers import Response

from .state import LoyaltyState

STYLESHEET = files("flask_loyalty").joinpath("static", "loyalty.css").read_bytes()
VERSION = hashlib.sha256(STYLESHEET).hexdigest()[:16]
OWNER_STYLESHEET = (
    files("flask_loyalty").joinpath("static", "loyalty-owner.css").read_bytes()
)
"""The owner area's layout (side navigation, cards), linked by owner pages only."""
OWNER_VERSION = hashlib.sha256(OWNER_STYLESHEET).hexdigest()[:16]
OWNER_SCRIPT = (
    files("flask_loyalty").joinpath("static", "loyalty-editor.js").read_bytes()
)
"""The offer editor's progressive script (insert a personal field, refresh the
preview): an external file, so a Content-Security-Policy without
``'unsafe-inline'`` allows it."""
OWNER_SCRIPT_VERSION = hashlib.sha256(OWNER_SCRIPT).hexdigest()[:16]
YEAR = 365 * 24 * 3600


def serve_css(content: bytes, version: str, mimetype: str = "text/css") -> Response:
    """A stylesheet (or script), cached for a year when the address names
    ``version``; ``If-None-Match`` with its ETag gets 304."""
    response = Response(content, mimetype=mimetype)
    response.set_etag(version)
    if request.args.get("v") == version:
        response.cache_control.public = True
        response.cache_control.max_age = YEAR
        response.cache_control.immutable = True
    else:
        response.cache_control.no_cache = True
    return response.make_conditional(request)


def stylesheet() -> Response:
    """``GET /assets/loyalty.css``: the stylesheet of every loyalty page."""
    return serve_css(STYLESHEET, VERSION)


def owner_stylesheet() -> Response:
    """``GET /assets/loyalty-owner.css``: the owner area's own rules."""
    return serve_css(OWNER_STYLESHEET, OWNER_VERSION)


def owner_script() -> Response:
    """``GET /assets/loyalty-editor.js``: the owner editor's script."""
    return serve_css(OWNER_SCRIPT, OWNER_SCRIPT_VERSION, "text/javascript")


def register(bp: Blueprint, state: LoyaltyState) -> None:
    name = state.settings.blueprint_name
    bp.add_url_rule("/assets/loyalty.css", "stylesheet", stylesheet)
    bp.add_url_rule("/assets/loyalty-owner.css", "owner_stylesheet", owner_stylesheet)
    bp.add_url_rule("/assets/loyalty-editor.js", "owner_script", owner_script)

    def stylesheet_url() -> str:
        """The stylesheet's versioned address, for ``<link rel="stylesheet">``."""
        return url_for(f"{name}.stylesheet", v=VERSION)

    bp.add_app_template_global(stylesheet_url, "loyalty_stylesheet_url")

    def owner_stylesheet_url() -> str:
        """The owner stylesheet's versioned address."""
        return url_for(f"{name}.owner_stylesheet", v=OWNER_VERSION)

    bp.add_app_template_global(owner_stylesheet_url, "loyalty_owner_stylesheet_url")

    def owner_script_url() -> str:
        """The owner editor script's versioned address."""
        return url_for(f"{name}.owner_script", v=OWNER_SCRIPT_VERSION)

    bp.add_app_template_global(owner_script_url, "loyalty_owner_script_url")
