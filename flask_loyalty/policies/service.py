"""Policy pages: the four every shop needs, pages the owner adds, and each page's
earlier versions. The owner writes Markdown; readers get it through
:func:`flask_loyalty.content.to_html` (no raw HTML, cleaned by nh3)."""

from __future__ import annotations

import re
import typing as t
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import force_locale
from sqlalchemy.orm import Session

import flask_loyalty.content_versions as content_versions

from ..content import to_html
from ..db import MAX_ID
from ..errors import InvalidPolicy
from ..errors import NotFound
from ..i18n import _
from .models import PolicyPage
from .models import PolicyVersion

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
MAX_BODY = 50_000
RESERVED = {"new"}


@dataclass(frozen=True)
class Starter:
    """A built-in page: shown with this text until the owner saves her own."""

    slug: str
    title: str
    body: str
    position: int


def starters() -> list[Starter]:
    """The built-in pages, titles in the reader's language."""
    return [
        Starter(
            "returns",
            _("Returns"),
            _(
                "If a piece is not right for you, send it back and we will"
                " refund you. The summary above says how long you have and how"
                " the refund is made.\n\nStart a return with your order number"
                " and email address below."
            ),
            10,
        ),
        Starter(
            "shipping",
            _("Shipping"),
            _(
                "We pack every order by hand and send it within two working"
                " days. You get an email with the tracking number."
            ),
            20,
        ),
        Starter(
            "warranty",
            _("Warranty"),
            _(
                "We repair faults in our workmanship free of charge for two"
                " years. Write to us with your order number."
            ),
            30,
        ),
        Starter(
            "privacy",
            _("Privacy"),
            _(
                "We keep your name, address and orders only to send your"
                " orders and, if you asked for it, our newsletter. We never"
                " sell them."
            ),
            40,
        ),
    ]


def _starter(slug: str) -> Starter | None:
    return next((s for s in starters() if s.slug == slug), None)


def is_built_in(slug: str) -> bool:
    """Whether ``slug`` is one of the built-in pages (they cannot be deleted)."""
    return _starter(slug) is not None


def _unsaved(starter: Starter) -> PolicyPage:
    return PolicyPage(
        slug=starter.slug,
        title=starter.title,
        body=starter.body,
        position=starter.position,
        hidden=False,
    )


def list_pages(session: Session, *, with_hidden: bool = False) -> list[PolicyPage]:
    """Every page shoppers see, in footer order: saved pages, and built-ins not
    saved yet (these are unsaved :class:`PolicyPage` objects without ``id``).
    ``with_hidden=True`` adds the hidden pages (the owner's list)."""
    saved = {
        page.slug: page
        for page in session.scalars(sa.select(PolicyPage).order_by(PolicyPage.id))
    }
    pages = [saved.pop(s.slug, None) or _unsaved(s) for s in starters()]
    pages.extend(saved.values())
    return sorted(
        (page for page in pages if with_hidden or not page.hidden),
        key=lambda page: (page.position, page.id or 0),
    )


def get_page(session: Session, slug: str) -> PolicyPage:
    """The page at ``slug`` (a built-in one unsaved if the owner never saved it),
    hidden or not: shoppers' views check :attr:`PolicyPage.hidden`.

    :raises NotFound: no such page.
    """
    page = session.scalar(sa.select(PolicyPage).where(PolicyPage.slug == slug))
    if page is not None:
        return page
    starter = _starter(slug)
    if starter is None:
        raise NotFound(_("There is no policy page %(slug)s.", slug=repr(slug)))
    return _unsaved(starter)


def check_slug(slug: object) -> str:
    """:raises InvalidPolicy: unless ``slug`` is lower-case words joined by dashes."""
    if not isinstance(slug, str) or not SLUG.fullmatch(slug) or len(slug) > 64:
        raise InvalidPolicy(
            _("The address can use a-z, 0-9 and dashes, like gift-wrapping.")
        )
    if slug in RESERVED:
        raise InvalidPolicy(_("This address is taken. Choose another."))
    return slug


def _check_text(title: object, body: object) -> tuple[str, str]:
    if not isinstance(title, str) or not title.strip() or len(title) > 200:
        raise InvalidPolicy(_("Give the page a title of at most 200 characters."))
    if not isinstance(body, str) or len(body) > MAX_BODY:
        raise InvalidPolicy(_("The text can have at most 50,000 characters."))
    return title.strip(), body.replace("\r\n", "\n")


def save_page(
    session: Session,
    now: datetime,
    slug: str,
    *,
    title: object,
    body: object,
    actor: str | None = None,
    new: bool = False,
    language: object = None,
    languages: t.Sequence[str] = ("en",),
) -> PolicyPage:
    """Save the page's text; the text it replaces is kept as a version.

    ``new=True`` adds a page of the owner's own (refused if the address is used).
    ``language`` (one of ``languages``, the shop's languages, default first) saves
    the version in that language; ``None`` or the default saves the page's own
    text. A page of the owner's own starts in the default language.

    :raises InvalidPolicy: a bad address, title, text or language, an empty text
        in another language than the default, or a new page at an address already
        in use.
    :raises NotFound: saving a page that does not exist.
    """
    slug = check_slug(slug)
    title, body = _check_text(title, body)
    default = languages[0]
    code = (
        default
        if language is None
        else content_versions.check_language(language, languages, InvalidPolicy)
    )
    if code != default:
        if new:
            raise InvalidPolicy(_("Write a new page in the default language first."))
        if not body.strip():
            raise InvalidPolicy(_("Write the text of the page in this language."))
        return _save_translation(
            session, now, slug, code, languages, title, body, actor
        )
    page = session.scalar(sa.select(PolicyPage).where(PolicyPage.slug == slug))
    starter = _starter(slug)
    if new and (page is not None or starter is not None):
        raise InvalidPolicy(_("A page with this address exists. Choose another."))
    if page is None:
        if not new and starter is None:
            raise NotFound(_("There is no policy page %(slug)s.", slug=repr(slug)))
        page = _new_page(session, slug, starter)
    elif (page.title, page.body) == (title, body):
        return page  # nothing changed: no new version
    else:
        session.add(
            PolicyVersion(
                page=page,
                title=page.title,
                body=page.body,
                saved_at=page.updated_at,
                saved_by=page.updated_by,
            )
        )
    page.title = title
    page.body = body
    page.updated_at = now
    page.updated_by = actor
    session.flush()
    return page


def _new_page(session: Session, slug: str, starter: Starter | None) -> PolicyPage:
    highest = session.scalar(sa.select(sa.func.max(PolicyPage.position))) or 0
    page = PolicyPage(
        slug=slug,
        position=starter.position if starter else max(highest, 40) + 10,
        hidden=False,
    )
    session.add(page)
    return page


def _save_translation(
    session: Session,
    now: datetime,
    slug: str,
    code: str,
    languages: t.Sequence[str],
    title: str,
    body: str,
    actor: str | None,
) -> PolicyPage:
    """Save the version in ``code``; a built-in page not saved yet is first saved
    with its built-in text in the default language."""
    page = session.scalar(sa.select(PolicyPage).where(PolicyPage.slug == slug))
    if page is None:
        with force_locale(languages[0]):
            starter = _starter(slug)
        if starter is None:
            raise NotFound(_("There is no policy page %(slug)s.", slug=repr(slug)))
        page = _new_page(session, slug, starter)
        page.title, page.body = starter.title, starter.body
        page.updated_at, page.updated_by = now, actor
    before = content_versions.stored(page).get(code)
    if before is not None and (before.get("title"), before.get("body")) == (
        title,
        body,
    ):
        return page  # nothing changed: no new version
    content_versions.write(
        page, code, languages, {"title": title, "body": body}, now, actor
    )
    if before is not None:
        session.add(
            PolicyVersion(
                page=page,
                title=before.get("title", ""),
                body=before.get("body", ""),
                saved_at=datetime.fromisoformat(before["updated_at"]),
                saved_by=before.get("updated_by"),
                language=code,
            )
        )
    session.flush()
    return page


def set_hidden(
    session: Session,
    now: datetime,
    slug: str,
    hidden: bool,
    *,
    actor: str | None = None,
    languages: t.Sequence[str] = ("en",),
) -> PolicyPage:
    """Hide the page from shoppers (``hidden=True``) or publish it again.

    A built-in page never saved is saved first with the starter text readers
    see, in each of ``languages`` (the shop's, default first) that has it
    translated, so that publishing it again brings back the same page.

    :raises NotFound: no such page.
    """
    page = session.scalar(sa.select(PolicyPage).where(PolicyPage.slug == slug))
    if page is None:
        if _starter(slug) is None:
            raise NotFound(_("There is no policy page %(slug)s.", slug=repr(slug)))
        page = _save_starter(session, now, slug, languages, actor)
    page.hidden = hidden
    session.flush()
    return page


def _save_starter(
    session: Session,
    now: datetime,
    slug: str,
    languages: t.Sequence[str],
    actor: str | None,
) -> PolicyPage:
    """Store a built-in page with its starter text in each language."""
    with force_locale(languages[0]):
        starter = t.cast(Starter, _starter(slug))
    page = _new_page(session, slug, starter)
    page.title, page.body = starter.title, starter.body
    page.updated_at, page.updated_by = now, actor
    for code in languages[1:]:
        with force_locale(code):
            text = t.cast(Starter, _starter(slug))
        if (text.title, text.body) != (starter.title, starter.body):
            fields = {"title": text.title, "body": text.body}
            content_versions.write(page, code, languages, fields, now, actor)
    return page


def check_deletable(slug: str) -> None:
    """:raises InvalidPolicy: ``slug`` is a built-in page, which can only be
    hidden."""
    if is_built_in(slug):
        raise InvalidPolicy(
            _(
                "Built-in pages (returns, shipping, warranty, privacy) cannot be"
                " deleted. Hide the page instead."
            )
        )


def delete_page(session: Session, slug: str) -> None:
    """Delete a page the owner added, with its versions in every language.

    :raises InvalidPolicy: ``slug`` is a built-in page (hide it instead).
    :raises NotFound: no such page.
    """
    check_deletable(slug)
    page = session.scalar(sa.select(PolicyPage).where(PolicyPage.slug == slug))
    if page is None:
        raise NotFound(_("There is no policy page %(slug)s.", slug=repr(slug)))
    session.delete(page)  # its versions go with it (cascade)
    session.flush()


def read_page(
    page: PolicyPage, wanted: str, languages: t.Sequence[str]
) -> content_versions.Version:
    """The page's title and body in ``wanted``, else in the default language. A
    built-in page not saved yet is in every language (its text is translated)."""
    if page.id is None:
        return content_versions.Version(
            {"title": page.title, "body": page.body}, wanted, wanted
        )
    return content_versions.read(page, ("title", "body"), wanted, languages)


def get_version(session: Session, page: PolicyPage, version_id: int) -> PolicyVersion:
    """:raises NotFound: the page has no such version."""
    if not 0 < version_id <= MAX_ID:
        raise NotFound(_("This version does not exist."))
    version = session.get(PolicyVersion, version_id)
    if version is None or page.id is None or version.page_id != page.id:
        raise NotFound(_("This version does not exist."))
    return version


def render(page: PolicyPage | PolicyVersion) -> str:
    """The page's Markdown as clean HTML."""
    return to_html(page.body)
