"""The owner hides a policy page, publishes it again, or deletes a page she added
(after a confirmation page). Every action is a POST form with CSRF."""

from __future__ import annotations

import typing as t

from flask import Blueprint
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from ..errors import InvalidPolicy
from ..errors import NotFound
from ..forms import ActionForm
from ..i18n import _
from ..owner.access import owner_identity
from ..owner.access import owner_required
from ..state import LoyaltyState
from ..state import get_state
from . import service


def register(bp: Blueprint) -> None:
    @bp.route("/owner/policies/<slug>/hide", methods=["POST"])
    @owner_required
    def owner_policy_hide(slug: str) -> t.Any:
        return _set_hidden(get_state(), slug, True)

    @bp.route("/owner/policies/<slug>/publish", methods=["POST"])
    @owner_required
    def owner_policy_publish(slug: str) -> t.Any:
        return _set_hidden(get_state(), slug, False)

    @bp.route("/owner/policies/<slug>/delete", methods=["GET", "POST"])
    @owner_required
    def owner_policy_delete(slug: str) -> t.Any:
        return _delete(get_state(), slug)


def _set_hidden(state: LoyaltyState, slug: str, hidden: bool) -> t.Any:
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        service.set_hidden(
            state.session,
            state.now(),
            slug,
            hidden,
            actor=owner_identity(),
            languages=state.settings.languages,
        )
    except NotFound:
        state.session.rollback()
        abort(404)
    state.session.commit()
    flash(
        _("The page is hidden: shoppers no longer see it.")
        if hidden
        else _("The page is published: shoppers see it again."),
        "success",
    )
    return redirect(url_for(".owner_policy", slug=slug))


def _delete(state: LoyaltyState, slug: str) -> t.Any:
    """GET asks to confirm; POST deletes the page with its versions, in one
    transaction. A built-in page is refused (400) with the reason."""
    session = state.session
    try:
        page = service.get_page(session, slug)
    except NotFound:
        abort(404)
    form = ActionForm() if request.method == "POST" else ActionForm(formdata=None)
    error, status = None, 200
    try:
        service.check_deletable(slug)
    except InvalidPolicy as exc:
        error, status = exc.message, 400
    else:
        if request.method == "POST" and not form.validate_on_submit():
            status = 400
        elif request.method == "POST":
            title = page.title
            try:
                service.delete_page(session, slug)
            except NotFound:  # deleted meanwhile
                session.rollback()
                abort(404)
            session.commit()
            flash(_("The page “%(title)s” is deleted.", title=title), "success")
            return redirect(url_for(".owner_policies"))
    return render_template(
        "loyalty/policies/owner_delete.html",
        page=page,
        form=form,
        error=error,
        versions=len(page.versions) if page.id is not None else 0,
    ), status
