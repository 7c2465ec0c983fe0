"""The points card of the customer's account page (balance, tier, codes, points
that expire soon) and her points page: the card again, the redeem form, her
history, the invitation link and the birthday field."""

from __future__ import annotations

import time
import typing as t

from flask import Blueprint
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import session
from flask import url_for
from sqlalchemy.exc import IntegrityError
from sqlalchemy.exc import OperationalError

from ..customers.models import Customer
from ..customers.views import account_reads
from ..customers.views import current_customer
from ..errors import InvalidBirthday
from ..errors import InvalidPoints
from ..errors import InvalidToken
from ..errors import NotEnoughPoints
from ..forms import shown_form
from ..i18n import _
from ..links import email_url
from ..owner.listing import page_number
from ..state import AccountSection
from ..state import LoyaltyState
from ..state import get_state
from . import bonuses
from . import service
from .forms import BirthdayForm
from .forms import RedeemForm
from .forms import new_key
from .program import load_program

LOCK_RETRIES = 5


def points_section(state: LoyaltyState, customer: Customer) -> dict[str, t.Any]:
    """What the points card of the account page shows: her balance, tier and
    codes, and points that expire soon; the rest is on her points page."""
    reads = account_reads(state, customer)
    rules = reads.rules
    expiring, when = reads.expiring
    return {
        "standing": service.standing_from(
            rules.program, rules.tiers, rules.spend_cents, rules.balance
        ),
        "currency": state.settings.currency,
        "expiring": expiring,
        "expiring_when": when,
        "codes": reads.codes.points_codes,
    }


def points_details(
    state: LoyaltyState, customer: Customer, page: int = 1
) -> dict[str, t.Any]:
    """What her points page shows: the card, the redeem form, ``page`` of her
    history, the invitation link and the birthday field."""
    reads = account_reads(state, customer, points_page=page)
    history = reads.history  # first: it answers the card's expiry too
    section = points_section(state, customer)
    program = section["standing"].program
    forms = g.get("loyalty_points_forms", {})
    redeem = forms.get("redeem") or shown_form(RedeemForm)
    redeem.key.data = new_key("redeem")
    birthday = forms.get("birthday") or shown_form(BirthdayForm)
    if "birthday" not in forms:
        known = reads.rules.birthday
        birthday.birthday.data = known.isoformat() if known else ""
    invite = None
    if program.referrer_bonus or program.referred_bonus:
        invite = email_url("points_invite", token=bonuses.referral_token(customer.id))
    return {
        **section,
        "invite": invite,
        "entries": history.entries,
        "orders": history.orders,
        "page": reads.points_page,
        "has_next": history.has_next,
        "redeem_form": redeem,
        "birthday_form": birthday,
    }


def points_page(
    state: LoyaltyState, customer: Customer, status: int = 200, page: int = 1
) -> t.Any:
    """Her points page, with the forms a POST left in ``g`` (their errors)."""
    section = points_details(state, customer, page)
    return render_template("loyalty/points/page.html", section=section), status


def _with_lock_retry(state: LoyaltyState, work: t.Callable[[], t.Any]) -> t.Any:
    """Run ``work`` and commit; on SQLite's "database is locked", roll back and
    try again a few times before giving up."""
    for attempt in range(LOCK_RETRIES):
        try:
            result = work()
            state.session.commit()
            return result
        except OperationalError as error:
            state.session.rollback()
            if "locked" not in str(error) or attempt == LOCK_RETRIES - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
        except Exception:
            state.session.rollback()
            raise
    raise AssertionError("unreachable")  # pragma: no cover


def register(bp: Blueprint, state: LoyaltyState) -> None:
    state.account_sections.append(
        AccountSection("loyalty/points/_account.html", points_section, position=20)
    )

    @bp.route("/points", methods=["GET"])
    def points() -> t.Any:
        state = get_state()
        page = page_number()  # of her history (a number beyond any is a 404)
        customer = current_customer(state)
        if customer is None:  # the account page asks her to sign in
            return redirect(url_for(".account"))
        return points_page(state, customer, page=page)

    @bp.route("/points/redeem", methods=["POST"])
    def points_redeem() -> t.Any:
        state = get_state()
        customer = current_customer(state)
        if customer is None:
            return redirect(url_for(".account"))
        form = RedeemForm()
        g.loyalty_points_forms = {"redeem": form}
        if not form.validate_on_submit():
            return points_page(state, customer, 400)
        key = form.key.data if (form.key.data or "").startswith("redeem:") else None
        try:
            code = _with_lock_retry(
                state,
                lambda: service.redeem_points(
                    state.session,
                    state.now(),
                    customer_id=customer.id,
                    points=form.points.data,
                    currency=state.settings.currency,
                    key=key,
                ),
            )
        except (InvalidPoints, NotEnoughPoints) as error:
            form.points.errors = [error.message]
            return points_page(state, customer, 400)
        except OperationalError:
            form.points.errors = [_("The shop is busy. Please try again.")]
            return points_page(state, customer, 503)
        except IntegrityError:  # the same form sent twice at once: the first won
            return redirect(url_for(".points"))
        flash(
            _(
                "Your discount code is %(code)s. Use it at checkout.",
                code=code.display,
            ),
            "success",
        )
        return redirect(url_for(".points"))

    @bp.route("/points/invite/<token>")
    def points_invite(token: str) -> t.Any:
        state = get_state()
        try:
            referrer_id = bonuses.referrer_from_token(token)
        except InvalidToken:
            return render_template(
                "loyalty/points/invite.html",
                error=_("This invitation link is not valid."),
            ), 400
        referrer = state.session.get(Customer, referrer_id)
        if referrer is None:
            return render_template(
                "loyalty/points/invite.html",
                error=_("This invitation link is not valid."),
            ), 400
        me = current_customer(state)
        own = me is not None and me.id == referrer.id
        if not own:
            session[bonuses.REFERRER_SESSION_KEY] = referrer.id
        return render_template(
            "loyalty/points/invite.html",
            referrer=referrer,
            own=own,
            points=load_program(state.session).referred_bonus,
        )

    @bp.route("/points/birthday", methods=["POST"])
    def points_birthday() -> t.Any:
        state = get_state()
        customer = current_customer(state)
        if customer is None:
            return redirect(url_for(".account"))
        form = BirthdayForm()
        g.loyalty_points_forms = {"birthday": form}
        if not form.validate_on_submit():
            return points_page(state, customer, 400)
        try:
            birthday = bonuses.parse_birthday(form.birthday.data, state.now().date())
        except InvalidBirthday as error:
            form.birthday.errors = [error.message]
            return points_page(state, customer, 400)
        _with_lock_retry(
            state, lambda: bonuses.set_birthday(state.session, customer.id, birthday)
        )
        flash(_("Thank you! We saved your birthday."), "success")
        return redirect(url_for(".points"))
