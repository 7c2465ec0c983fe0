"""Who may open the owner pages (the decorator every owner view wears) and who
the owner is, for the records her actions leave."""

from __future__ import annotations

import functools
import typing as t
from urllib.parse import urlencode

from flask import abort
from flask import g
from flask import redirect
from flask import request
from flask import url_for

from ..state import get_state

F = t.TypeVar("F", bound=t.Callable[..., t.Any])


def owner_required(view: F) -> F:
    """Let only those the shop's ``owner_check`` approves see the page.

    A signed-out visitor (``customer_loader`` reports nobody) who opens an owner
    page is sent to ``LOYALTY_OWNER_LOGIN_VIEW`` with the page as ``?next=``, as
    Flask-Login's ``login_view`` does; everyone else, and every POST, gets 403.
    """

    @functools.wraps(view)
    def wrapped(*args: t.Any, **kwargs: t.Any) -> t.Any:
        state = get_state()
        if not state.extension.is_owner():
            login = state.settings.owner_login_view
            signed_out = state.extension.shop_customer() is None
            if login and signed_out and request.method in ("GET", "HEAD"):
                return redirect(owner_login_url(login))
            abort(403)
        return view(*args, **kwargs)

    return t.cast(F, wrapped)


def owner_login_url(login: str) -> str:
    """The shop's login page with this page (a path, never another site) as next."""
    url = login if "/" in login else url_for(login)
    back = request.full_path.rstrip("?")
    return f"{url}{'&' if '?' in url else '?'}{urlencode({'next': back})}"


def owner_identity() -> str:
    """Who the owner is, for the ledger: ``g.loyalty_owner`` if the shop set it,
    else the request's ``REMOTE_USER``, else ``"owner"``."""
    return str(g.get("loyalty_owner") or request.remote_user or "owner")[:200]
