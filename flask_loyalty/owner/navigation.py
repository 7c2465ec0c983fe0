"""The owner area's side navigation: the links the domains register
(``state.owner_nav``), grouped by the owner's task, and which one is open now."""

from __future__ import annotations

import typing as t
from dataclasses import dataclass

from flask import request
from flask import url_for

from ..i18n import lazy_gettext
from ..locales import LANGUAGE_NAMES
from ..locales import current_language
from ..state import NavItem

if t.TYPE_CHECKING:
    from ..extension import LoyaltyState

GROUPS = (
    ("customers", lazy_gettext("Customers")),
    ("newsletter", lazy_gettext("Newsletter and journeys")),
    ("offers", lazy_gettext("Offers and segments")),
    ("returns", lazy_gettext("Returns and policies")),
    ("mail", lazy_gettext("Mail")),
)
"""The tasks, in the order the navigation shows them: a :class:`NavItem` names
one by its key; an item with an unknown key shows under "More"."""


@dataclass(frozen=True)
class MenuLink:
    url: str
    label: t.Any
    current: bool


@dataclass(frozen=True)
class OwnerMenu:
    """What the owner layout draws: links above the groups, the groups, the
    label of the page's section and the page's language named in itself."""

    top: list[MenuLink]
    groups: list[tuple[t.Any, list[MenuLink]]]
    current_label: t.Any
    language: str


def owner_menu(state: LoyaltyState) -> OwnerMenu:
    """The navigation of this request's owner page. The current section is the
    item whose address is the longest start of the page's address."""
    name = state.settings.blueprint_name
    urls = [url_for(f"{name}.{item.endpoint}") for item in state.owner_nav]
    current: NavItem | None = None
    longest = 0
    for item, url in zip(state.owner_nav, urls, strict=True):
        if request.path.startswith(url) and len(url) > longest:
            current, longest = item, len(url)
    links: dict[str, list[MenuLink]] = {}
    for item, url in zip(state.owner_nav, urls, strict=True):
        links.setdefault(item.group, []).append(
            MenuLink(url, item.label, item is current)
        )
    known = [key for key, _label in GROUPS]
    groups = [(label, links[key]) for key, label in GROUPS if key in links]
    others = [
        link
        for key, found in links.items()
        if key and key not in known
        for link in found
    ]
    if others:
        groups.append((lazy_gettext("More"), others))
    language = current_language()
    return OwnerMenu(
        top=links.get("", []),
        groups=groups,
        current_label=current.label if current else lazy_gettext("Menu"),
        language=LANGUAGE_NAMES.get(language, language),
    )
