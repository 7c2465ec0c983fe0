"""The tiers' names and perks in the shop's other languages, as the owner writes
them (:func:`save_tier_versions`); a reader gets hers through
:attr:`.tiers.TierRule.shown_name`."""

from __future__ import annotations

import typing as t
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..content_versions import check_language
from ..content_versions import stored
from ..errors import InvalidProgram
from ..i18n import _
from .models import Tier

if t.TYPE_CHECKING:
    from .tiers import TierRule


def save_tier_versions(
    session: Session,
    now: datetime,
    language: object,
    languages: t.Sequence[str],
    tiers: t.Sequence[TierRule],
    texts: t.Sequence[tuple[str, str]],
) -> str:
    """Store the tiers' names and perks in ``language`` (one of the shop's
    ``languages``, not the default, whose words are the program's own).

    ``tiers`` are those the owner's form was filled from
    (:func:`.tiers.load_tiers`: the built-in ones if she never saved the
    program, stored now), and ``texts`` has a ``(name, perks)`` for each. An
    empty name removes that tier's version (readers get the default language's
    words). Returns the language (not committed).

    :raises InvalidProgram: an unknown or the default language, tiers changed
        since the form was filled, perks without a name, or text too long or
        not plain.
    """
    code = check_language(language, languages, InvalidProgram)
    if code == languages[0]:
        raise InvalidProgram(
            _("The default language's names are written on the program's page.")
        )
    rows = list(session.scalars(sa.select(Tier).order_by(Tier.threshold_cents)))
    steps = [tier.threshold_cents for tier in tiers]
    if len(texts) != len(tiers) or (
        rows and [row.threshold_cents for row in rows] != steps
    ):
        raise InvalidProgram(_("The tiers changed meanwhile; please try again."))
    cleaned = [(" ".join(n.split()), p.strip()) for n, p in texts]
    for name, perks in cleaned:
        if perks and not name:
            raise InvalidProgram(_("Give each tier with perks a name, too."))
        if len(name) > 50 or len(perks) > 500:
            raise InvalidProgram(
                _("A tier name has at most 50 characters, its perks at most 500.")
            )
        if not name.isprintable() or not perks.replace("\n", " ").isprintable():
            raise InvalidProgram(_("Write the names and perks as plain text."))
    if not rows:
        rows = [
            Tier(
                name=d.name,
                threshold_cents=d.threshold_cents,
                multiplier_bp=d.multiplier_bp,
                perks=d.perks,
            )
            for d in tiers
        ]
        session.add_all(rows)
    for row, (name, perks) in zip(rows, cleaned, strict=True):
        versions = stored(row)
        if name:
            versions[code] = {
                "name": name,
                "perks": perks,
                "updated_at": now.isoformat(),
            }
        else:
            versions.pop(code, None)
        row.translations = versions or None
    session.flush()
    return code


def carried_versions(
    old: Tier | None, new: TierRule
) -> dict[str, dict[str, str]] | None:
    """The versions in other languages a saved tier keeps: those of the tier of
    the same name, each field only while its default-language text is unchanged
    (a new name or new perks need a new translation, and until then readers get
    the default language's words)."""
    if old is None or not old.translations:
        return None
    carried: dict[str, dict[str, str]] = {}
    for code, version in old.translations.items():
        fields_ = {
            k: v for k, v in version.items() if k != "perks" or old.perks == new.perks
        }
        if fields_.get("name") or fields_.get("perks"):
            carried[code] = fields_
    return carried or None
