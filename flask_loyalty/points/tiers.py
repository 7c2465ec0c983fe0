"""The points program's tiers: each reached at a 12-month spend, with a points
multiplier and perks; the built-in ones (Basic, Gold, VIP) until the owner saves
her own; which tier a spend reaches and which one is next.

The tiers' names and perks in the shop's other languages are written by
:mod:`.tier_names`; the program they belong to, and the spend that decides a
customer's tier, are in :mod:`.program`.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass
from dataclasses import field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..content_versions import reading_language
from ..content_versions import shown
from ..errors import InvalidProgram
from ..i18n import _
from ..i18n import lazy_gettext
from .models import BASIS
from .models import Tier


@dataclass(frozen=True)
class TierRule:
    """A tier: reached at ``threshold_cents`` of 12-month spend.

    ``name`` and ``perks`` are in the shop's default language; ``translations``
    holds the owner's versions in its other languages
    (:mod:`flask_loyalty.content_versions`).
    """

    name: str
    threshold_cents: int
    multiplier_bp: int = BASIS
    perks: str = ""
    translations: dict[str, dict[str, str]] | None = field(
        default=None, compare=False, hash=False
    )

    @property
    def shown_name(self) -> str:
        """The name for a reader: the owner's version in her language, else a
        built-in tier's name in her language, else the default language's."""
        return shown(self.translations, "name") or str(
            _BUILT_IN.get(self.name, self.name)
        )

    @property
    def shown_perks(self) -> str:
        """The perks for a reader, chosen as :attr:`shown_name` is."""
        if not self.perks:
            return ""
        return shown(self.translations, "perks") or str(
            _BUILT_IN.get(self.perks, self.perks)
        )

    @property
    def name_language(self) -> str | None:
        """The language :attr:`shown_name` is in: the reader's, or ``None`` for
        the default language's words (to mark with ``loyalty_in_its_language``)."""
        return self._language_of("name", self.name)

    @property
    def perks_language(self) -> str | None:
        """The language :attr:`shown_perks` is in, as :attr:`name_language`."""
        return self._language_of("perks", self.perks)

    def _language_of(self, name: str, default: str) -> str | None:
        if shown(self.translations, name) or default in _BUILT_IN:
            return reading_language()
        return None

    def languages(self, offered: t.Sequence[str]) -> list[str]:
        """The offered languages in which the owner wrote this tier's name, the
        default first (built-in names are translated by the extension)."""
        return [
            code
            for index, code in enumerate(offered)
            if index == 0 or (self.translations or {}).get(code, {}).get("name")
        ]


DEFAULT_TIERS = (
    TierRule("Basic", 0, BASIS, ""),
    TierRule("Gold", 50_000, 15_000, "1.5x points on every order"),
    TierRule("VIP", 150_000, 20_000, "Double points and early access to sales"),
)

_BUILT_IN = {
    "Basic": lazy_gettext("Basic"),
    "Gold": lazy_gettext("Gold"),
    "VIP": lazy_gettext("VIP"),
    "1.5x points on every order": lazy_gettext("1.5x points on every order"),
    "Double points and early access to sales": lazy_gettext(
        "Double points and early access to sales"
    ),
}
"""The built-in tiers' words, shown in the reader's language while the owner
keeps them (what she writes herself is shown as written)."""


def check_tiers(tiers: t.Sequence[TierRule]) -> None:
    """:raises InvalidProgram: no tier, no tier from zero, a repeated threshold."""
    if not tiers:
        raise InvalidProgram(_("Keep at least one tier."))
    thresholds = [tier.threshold_cents for tier in tiers]
    if 0 not in thresholds:
        raise InvalidProgram(_("One tier must start at a spend of 0."))
    if len(set(thresholds)) != len(thresholds):
        raise InvalidProgram(_("Two tiers cannot start at the same spend."))
    for tier in tiers:
        if not tier.name.strip():
            raise InvalidProgram(_("Every tier needs a name."))
        if not 1 <= tier.multiplier_bp <= 10 * BASIS:
            raise InvalidProgram(_("A multiplier must be from 0.01x to 10x."))


def load_tiers(session: Session) -> list[TierRule]:
    """The tiers, lowest first: the saved ones, or the defaults."""
    rows = session.scalars(sa.select(Tier).order_by(Tier.threshold_cents)).all()
    if not rows:
        return list(DEFAULT_TIERS)
    return [
        TierRule(
            r.name, r.threshold_cents, r.multiplier_bp, r.perks or "", r.translations
        )
        for r in rows
    ]


def tier_for(tiers: t.Sequence[TierRule], spend_cents: int) -> TierRule:
    """The highest tier whose threshold the spend reaches."""
    reached = [tier for tier in tiers if tier.threshold_cents <= spend_cents]
    return max(reached, key=lambda tier: tier.threshold_cents, default=tiers[0])


def next_tier(tiers: t.Sequence[TierRule], spend_cents: int) -> TierRule | None:
    """The next tier up, or ``None`` at the top."""
    above = [tier for tier in tiers if tier.threshold_cents > spend_cents]
    return min(above, key=lambda tier: tier.threshold_cents, default=None)
