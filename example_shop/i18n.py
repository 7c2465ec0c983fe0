"""The shop's own pages in the language of its loyalty pages."""

from __future__ import annotations

from flask import has_request_context

from .extensions import loyalty


def page_language() -> str | None:
    """Flask-Babel's ``locale_selector``: what the loyalty pages would choose."""
    return loyalty.page_language() if has_request_context() else None
