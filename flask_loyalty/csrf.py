"""Views that others POST to without a CSRF token: a mail client's one-click
unsubscribe (RFC 8058), a mail provider's webhook. Each checks its request its
own way (a signed token, a signature); a shop that protects every view with
Flask-WTF's ``CSRFProtect`` must not refuse them."""

from __future__ import annotations

import typing as t

from flask import request
from flask.blueprints import BlueprintSetupState


def exempt_from_host_csrf(view: str) -> t.Callable[[BlueprintSetupState], None]:
    """A callback for ``bp.record_once``: if the shop uses ``CSRFProtect``, exempt
    the blueprint's view ``view`` from it, whichever of the two extensions was set
    up first (the check runs before each request, ahead of ``CSRFProtect``'s)."""

    def record(setup: BlueprintSetupState) -> None:
        app = setup.app
        endpoint = f"{setup.name}.{view}"

        def exempt() -> None:
            csrf = app.extensions.get("csrf")
            if csrf is not None and request.endpoint == endpoint:
                function = app.view_functions[endpoint]
                csrf.exempt(f"{function.__module__}.{function.__name__}")

        app.before_request_funcs.setdefault(None, []).insert(0, exempt)

    return record
