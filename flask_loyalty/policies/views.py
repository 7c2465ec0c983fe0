"""Policy pages for readers (``/policies/<slug>``) and for the owner, who edits
them in Markdown with a preview, and the footer links the shop includes."""

from __future__ import annotations

import typing as t

from flask import Blueprint
from flask import abort
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import force_locale
from flask_babel import format_date

import flask_loyalty.content_versions as content_versions

from ..content import to_html
from ..errors import InvalidPolicy
from ..errors import NotFound
from ..forms import ActionForm
from ..i18n import _
from ..locales import choose_language
from ..locales import current_language
from ..locales import match_language
from ..owner.access import owner_identity
from ..owner.access import owner_required
from ..owner.language_versions import requested_language
from ..pages import loyalty_url
from ..returns.forms import LookupForm
from ..state import LoyaltyState
from ..state import get_state
from . import owner_actions
from . import rules
from . import service
from .forms import PageForm

RETURNS = "returns"
LANG_ARG = "lang"
"""The query argument of a policy page's address in one language (``?lang=hu``),
the address its ``hreflang`` links give."""


def footer_pages() -> list[tuple[str, str]]:
    """``(title, url)`` of every policy page, for the shop's footer (once per
    request)."""
    if "loyalty_policy_links" not in g:
        state = get_state()
        languages = state.settings.languages
        # the language the page around the footer is in (the shop's on its own)
        wanted = match_language(current_language(), languages) or languages[0]
        g.loyalty_policy_links = [
            (
                service.read_page(page, wanted, languages)["title"],
                loyalty_url("policy", slug=page.slug),
            )
            for page in service.list_pages(state.session)
        ]
    return t.cast(list[tuple[str, str]], g.loyalty_policy_links)


def policy_page(
    state: LoyaltyState, slug: str, lookup: LookupForm | None = None, status: int = 200
) -> t.Any:
    """Render the page at ``slug``; the returns page with its summary, JSON-LD and
    the form that starts a return."""
    offered = state.settings.languages
    asked = match_language(request.args.get(LANG_ARG), offered)
    if asked is not None:  # an hreflang link: this language, whatever else says
        with force_locale(asked):
            return _policy_page(state, slug, asked, lookup, status)
    return _policy_page(state, slug, choose_language(state)[0], lookup, status)


def alternates(slug: str, offered: t.Sequence[str]) -> list[tuple[str, str]]:
    """``(hreflang, absolute url)`` of the page in each offered language, and the
    ``x-default`` address that picks the reader's language itself."""
    links = [
        (
            code.replace("_", "-"),
            url_for(".policy", slug=slug, _external=True, **{LANG_ARG: code}),
        )
        for code in offered
    ]
    return [*links, ("x-default", url_for(".policy", slug=slug, _external=True))]


def _policy_page(
    state: LoyaltyState,
    slug: str,
    language: str,
    lookup: LookupForm | None,
    status: int,
) -> t.Any:
    try:
        page = service.get_page(state.session, slug)
    except NotFound:
        abort(404)
    if page.hidden and not state.extension.is_owner():
        abort(404)  # hidden: only the owner sees it
    version = service.read_page(page, language, state.settings.languages)
    context: dict[str, t.Any] = {
        "alternates": alternates(slug, state.settings.languages)
        if len(state.settings.languages) > 1 and not page.hidden
        else [],
        "page": page,
        "version": version,
        "html": to_html(version["body"]),
        "fallback_note": content_versions.fallback_note(version),
        "content_lang": version.language.replace("_", "-"),
    }
    if slug == RETURNS:
        policy = rules.load_rules(state.session)
        url = url_for(".policy", slug=slug, _external=True)
        context.update(
            summary=rules.summary(
                policy, state.settings.return_window_from == "delivery"
            ),
            json_ld=rules.json_ld(policy, url),
            lookup=lookup or LookupForm(),
            returns_open=policy.window_days > 0,
        )
    html = render_template("loyalty/policies/page.html", **context)
    if page.hidden:  # the owner's look at a hidden page: no cache, no index
        return html, status, {"Cache-Control": "private, no-store"}
    return html, status


def register(bp: Blueprint, state: LoyaltyState) -> None:
    bp.add_app_template_global(footer_pages, "loyalty_policy_pages")

    @bp.route("/policies/")
    def policies() -> t.Any:
        return render_template("loyalty/policies/index.html", links=footer_pages())

    @bp.route("/policies/<slug>")
    def policy(slug: str) -> t.Any:
        return policy_page(get_state(), slug)

    @bp.route("/owner/policies/")
    @owner_required
    def owner_policies() -> t.Any:
        pages = service.list_pages(get_state().session, with_hidden=True)
        return render_template("loyalty/policies/owner_pages.html", pages=pages)

    @bp.route("/owner/policies/new", methods=["GET", "POST"])
    @owner_required
    def owner_policy_new() -> t.Any:
        return _edit(get_state(), None)

    @bp.route("/owner/policies/<slug>", methods=["GET", "POST"])
    @owner_required
    def owner_policy(slug: str) -> t.Any:
        return _edit(get_state(), slug)

    owner_actions.register(bp)


def _edit(state: LoyaltyState, slug: str | None) -> t.Any:
    """The editor: GET shows the page in one language (``?lang=``, the default
    when absent) or an earlier version (``?version=``), POST with
    ``action=preview`` renders the text without saving, ``action=save`` stores it
    and keeps the text it replaces."""
    session = state.session
    languages = state.settings.languages
    page = None
    if slug is not None:
        try:
            page = service.get_page(session, slug)
        except NotFound:
            abort(404)
    language, error = languages[0], None
    if page is not None:  # a new page is written in the default language
        language, error = requested_language(languages, InvalidPolicy)
    form = PageForm() if request.method == "POST" else PageForm(formdata=None)
    if request.method != "POST" and page is not None:
        if page.id is None:  # a built-in page: its text in the language edited
            with force_locale(language):
                page = service.get_page(session, page.slug)
        version = service.read_page(page, language, languages)
        if version.language == language or page.id is None:
            form.title.data, form.body.data = version["title"], version["body"]
    form.language.data = language
    note = None
    version_id = request.args.get("version", type=int)
    if request.method != "POST" and page is not None and version_id:
        try:
            old = service.get_version(session, page, version_id)
        except NotFound:
            abort(404)
        form.title.data, form.body.data = old.title, old.body
        language = form.language.data = old.language or languages[0]
        note = _(
            "This is the text saved on %(date)s. Save to bring it back.",
            date=format_date(old.saved_at),
        )
    preview, status = None, 200
    if request.method == "POST":
        if error is not None or not form.validate_on_submit():
            status = 400
        elif request.form.get("action") == "preview":
            preview = to_html(form.body.data or "")
        else:
            try:
                saved = service.save_page(
                    session,
                    state.now(),
                    slug or (form.slug.data or "").strip(),
                    title=form.title.data,
                    body=form.body.data or "",
                    actor=owner_identity(),
                    new=slug is None,
                    language=language,
                    languages=languages,
                )
            except InvalidPolicy as exc:
                session.rollback()
                error, status = exc.message, 400
            else:
                session.commit()
                flash(_("The page is saved."), "success")
                return redirect(_editor_url(saved.slug, language, languages))
    return render_template(
        "loyalty/policies/owner_edit.html",
        page=page,
        form=form,
        preview=preview,
        error=error,
        note=note,
        language=language,
        default_language=languages[0],
        versions=[
            version
            for version in (page.versions if page is not None else [])
            if (version.language or languages[0]) == language
        ],
        languages=_picker(page, languages),
        content_lang=language.replace("_", "-"),
        action_form=ActionForm(formdata=None),
        built_in=service.is_built_in(page.slug) if page is not None else True,
    ), status


def _editor_url(slug: str, language: str, languages: t.Sequence[str]) -> str:
    if language == languages[0]:
        return url_for(".owner_policy", slug=slug)
    return url_for(".owner_policy", slug=slug, lang=language)


def _picker(
    page: service.PolicyPage | None, languages: t.Sequence[str]
) -> list[tuple[str, str, bool, str]]:
    """``(code, name, has a version, editor url)`` of each offered language."""
    if page is None or len(languages) < 2:
        return []
    have = set(
        content_versions.languages_with_text(page, languages, page.id is not None)
    )
    return [
        (
            code,
            content_versions.language_name(code),
            code in have,
            _editor_url(page.slug, code, languages),
        )
        for code in languages
    ]
