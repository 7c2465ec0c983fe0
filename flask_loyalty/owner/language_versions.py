"""The owner's editor of one language version of a text (a campaign, an offer's
email): ``?lang=hu`` picks the language, GET shows that version in a form, POST
saves it (or previews it without saving) and comes back to the same language.
:func:`edit_other_language` is the same for words the default language keeps on
another page (the tiers' names, the return categories' names).

The text of each version is kept by :mod:`flask_loyalty.content_versions`; the
domain gives the row, the form, what saving means and the page to render.
"""

from __future__ import annotations

import typing as t

from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import force_locale
from wtforms import HiddenField

import flask_loyalty.content_versions as content_versions

from ..errors import InvalidContent
from ..errors import LoyaltyError
from ..forms import LoyaltyForm
from ..state import LoyaltyState

Loaded = t.TypeVar("Loaded")


class VersionForm(LoyaltyForm):
    """A text in one language: the language, and the fields a subclass adds and
    names in ``texts`` (the row's own columns for the default language)."""

    texts: t.ClassVar[tuple[str, ...]] = ()
    language = HiddenField()


def asks_for_language() -> bool:
    """Whether this request names the language to edit (``?lang=`` or the
    form's ``language``)."""
    return bool(request.values.get("language") or request.values.get("lang"))


def requested_language(
    languages: t.Sequence[str], error: type[LoyaltyError]
) -> tuple[str, str | None]:
    """The language this request edits: the form's ``language``, else ``?lang=``,
    else the default (the first of ``languages``), and ``None``; for a language
    the shop does not offer, the default and ``error``'s message.

    Aborts with 404 for such a language in a GET.
    """
    wanted = request.values.get("language") or request.values.get("lang")
    try:
        code = content_versions.check_language(wanted or languages[0], languages, error)
    except error as exc:
        if request.method != "POST":
            abort(404)
        return languages[0], exc.message
    return code, None


def other_language(
    languages: t.Sequence[str], error: type[LoyaltyError], default_page: str
) -> tuple[str, str | None] | t.Any:
    """For an editor of the other languages only (the default is written on
    ``default_page``, an endpoint): :func:`requested_language`, the first other
    language when none is asked for, or a redirect to ``default_page`` when the
    default is asked for or there is no other language."""
    language, problem = requested_language(languages, error)
    if language == languages[0] and problem is None:
        if asks_for_language() or len(languages) < 2:
            return redirect(url_for(default_page))
        language = languages[1]
    return language, problem


def version_picker(
    row: content_versions.HasTranslations,
    languages: t.Sequence[str],
    url: t.Callable[[str], str],
) -> list[tuple[str, str, bool, str]]:
    """The language picker's items for ``row``'s versions: each offered language
    with its name, whether it has a version (the default always has) and
    ``url(code)``; none for a shop of one language."""
    if len(languages) < 2:
        return []
    have = content_versions.languages_with_text(row, languages)
    return [
        (code, content_versions.language_name(code), code in have, url(code))
        for code in languages
    ]


def edit_version(
    state: LoyaltyState,
    row: content_versions.HasTranslations,
    form_class: type[VersionForm],
    save: t.Callable[..., object],
    *,
    error: type[LoyaltyError],
    saved: str,
    template: str,
    context: t.Callable[[], dict[str, t.Any]],
    preview: t.Callable[[str], t.Any] | None = None,
    default_url: str | None = None,
) -> t.Any:
    """Show or save ``row``'s version in the requested language.

    GET fills ``form_class`` with the stored version. A valid POST calls
    ``save(row, now, language, languages, **texts)``, commits, flashes ``saved``
    and redirects to this page in that language; with ``action=preview`` (and a
    ``preview``) it renders ``preview(language)`` in that language instead and
    rolls back. ``error`` (or :class:`InvalidContent`) from either is shown on
    the page with a 400, nothing saved. ``default_url`` is where the default
    language is edited, if not here. The page is ``template`` with ``context()``
    and ``form``, ``language``, ``content_lang``, ``error`` (and ``preview``).
    """
    languages = state.settings.languages
    language, message = requested_language(languages, error)
    status = 200 if message is None else 400
    if default_url is not None and language == languages[0] and message is None:
        return redirect(default_url)
    if request.method == "POST":
        form = form_class()
    else:
        form = form_class(formdata=None)
        version = content_versions.read(row, form.texts, language, languages)
        if version.language == language:
            for name in form.texts:
                getattr(form, name).data = version[name]
    form.language.data = language
    shown = None
    if request.method == "POST" and message is None:
        if not form.validate_on_submit():
            status = 400
        else:
            try:
                texts = {name: getattr(form, name).data or "" for name in form.texts}
                save(row, state.now(), language, languages, **texts)
                if preview is not None and request.form.get("action") == "preview":
                    with force_locale(language):
                        shown = preview(language)
                    state.session.rollback()
                else:
                    return _saved(state, saved, language)
            except (error, InvalidContent) as exc:
                state.session.rollback()
                message, status = exc.message, 400
    extra = {"preview": shown} if preview is not None else {}
    return _page(template, context() | extra, form, language, message), status


def edit_other_language(
    state: LoyaltyState,
    form_class: type[LoyaltyForm],
    *,
    error: type[LoyaltyError],
    default_page: str,
    load: t.Callable[[], Loaded],
    stored: t.Callable[[Loaded, str], dict[str, t.Any]],
    save: t.Callable[[Loaded, t.Any, str], object],
    saved: str,
    template: str,
    context: t.Callable[[Loaded, t.Any, str], dict[str, t.Any]],
) -> t.Any:
    """Show or save words in one of the shop's other languages (the default
    language's are written on ``default_page``, an endpoint, where
    :func:`other_language` sends a request for it).

    ``load()`` reads what the words belong to. GET fills ``form_class`` (it has a
    ``language`` field) with ``stored(loaded, language)``. A valid POST calls
    ``save(loaded, form, language)``, commits, flashes ``saved`` and redirects to
    this page in that language; ``error`` from it rolls back and is shown on the
    page with a 400. The page is ``template`` with ``context(loaded, form,
    language)`` and ``form``, ``language``, ``content_lang`` and ``error``.
    """
    chosen = other_language(state.settings.languages, error, default_page)
    if not isinstance(chosen, tuple):
        return chosen  # the default language is written on that page
    language, message = chosen
    loaded = load()
    status = 200 if message is None else 400
    if request.method == "POST":
        form = form_class()
        if message is None and not form.validate_on_submit():
            status = 400
        elif message is None:
            try:
                save(loaded, form, language)
            except error as exc:
                state.session.rollback()
                message, status = exc.message, 400
            else:
                return _saved(state, saved, language)
    else:
        form = form_class(formdata=None, data=stored(loaded, language))
    form.language.data = language
    values = context(loaded, form, language)
    return _page(template, values, form, language, message), status


def other_language_picker(
    languages: t.Sequence[str], written: t.Callable[[str], bool], endpoint: str
) -> list[tuple[str, str, bool, str]]:
    """The language picker's items for an editor of the other languages only
    (:func:`edit_other_language` at ``endpoint``): each language but the default,
    with its name, whether ``written(code)``, and the editor's URL in it."""
    return [
        (
            code,
            content_versions.language_name(code),
            written(code),
            url_for(endpoint, lang=code),
        )
        for code in languages[1:]
    ]


def _saved(state: LoyaltyState, saved: str, language: str) -> t.Any:
    """Commit, flash ``saved`` and come back to this page in ``language``."""
    state.session.commit()
    flash(saved, "success")
    return redirect(url_for(request.endpoint, **request.view_args, lang=language))


def _page(
    template: str,
    context: dict[str, t.Any],
    form: LoyaltyForm,
    language: str,
    message: str | None,
) -> str:
    """An editor's page: ``context`` with the form, the language it edits (also
    as an HTML ``lang``) and the error, if any."""
    return render_template(
        template,
        **context,
        form=form,
        language=language,
        content_lang=language.replace("_", "-"),
        error=message,
    )
