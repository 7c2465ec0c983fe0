"""The webhook endpoint and the owner's deliverability pages."""

from __future__ import annotations

import logging
import typing as t

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import flash
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from ..csrf import exempt_from_host_csrf
from ..i18n import _
from ..owner.access import owner_required
from ..owner.listing import page_number
from ..state import LoyaltyState
from ..state import get_state
from . import figures
from . import service
from . import webhooks
from .config import EXTENSION_KEY
from .config import MailConfig
from .forms import LiftForm
from .reports import apply_reports

log = logging.getLogger("flask_loyalty.mail")


def config_of(state: LoyaltyState) -> MailConfig:
    return t.cast(MailConfig, current_app.extensions[EXTENSION_KEY])


def register(bp: Blueprint, state: LoyaltyState) -> None:
    bp.record_once(exempt_from_host_csrf("mail_webhook"))

    @bp.route("/hooks/mail/<provider>", methods=["POST"])
    def mail_webhook(provider: str) -> t.Any:
        state = get_state()
        config = config_of(state)
        secret = config.webhook_secrets.get(provider)
        if not secret:
            abort(404)
        body = request.get_data(cache=False)
        try:
            nonce = webhooks.verify(
                provider, secret, body, request.headers, state.now()
            )
        except (webhooks.Forged, webhooks.Malformed) as error:
            log.warning("%s webhook refused: %s", provider, error)
            return jsonify(error=f"refused: {error}"), 403
        try:
            reports = webhooks.parse(provider, body)
        except webhooks.Malformed as error:
            log.warning("%s webhook: %s", provider, error)
            return jsonify(error=str(error)), 400
        if nonce is not None and not webhooks.take_nonce(
            state.session, state.now(), provider, nonce
        ):
            log.warning("%s webhook refused: its token was used before", provider)
            return jsonify(error="refused: the token was used (a replay?)"), 403
        outcomes: dict[str, int] = {}
        try:
            apply_reports(state, config, reports, outcomes)
        except Exception:
            state.session.rollback()
            if nonce is not None:
                webhooks.give_back_nonce(state.session, provider, nonce)
            raise
        return jsonify(outcomes)

    @bp.route("/owner/deliverability")
    @owner_required
    def owner_deliverability() -> t.Any:
        state = get_state()
        config = config_of(state)
        return render_template(
            "loyalty/owner/deliverability/overview.html",
            config=config,
            rate=figures.complaint_rate(
                state.session, state.now(), config.complaint_warning
            ),
            campaigns=figures.by_campaign(state.session),
            months=figures.by_month(state.session, state.now()),
        )

    @bp.route("/owner/deliverability/suppressed", methods=["GET", "POST"])
    @owner_required
    def owner_suppressed() -> t.Any:
        state = get_state()
        form = LiftForm()
        if request.method == "POST":
            if not form.validate_on_submit():
                abort(400)
            reason = service.lift(state.session, state.now(), form.email.data or "")
            state.session.commit()
            if reason is None:
                flash(_("That address is not on the list."), "error")
            else:
                flash(_("Mail can reach that address again."), "success")
            return redirect(url_for(".owner_suppressed"))
        query = "".join(
            ch for ch in request.args.get("q", "")[:254] if ch.isprintable()
        )
        query = query.strip()
        page = page_number()
        size = state.settings.owner_page_size
        entries = service.suppressed_addresses(
            state.session, offset=(page - 1) * size, limit=size + 1, email=query or None
        )
        return render_template(
            "loyalty/owner/deliverability/suppressed.html",
            entries=entries[:size],
            history=service.history(state.session, query) if query else [],
            query=query,
            page=page,
            has_next=len(entries) > size,
            form=form,
        )
