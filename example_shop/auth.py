"""Shop accounts with Flask-Login: sign up, sign in, sign out."""

from __future__ import annotations

import hashlib
import secrets
import typing as t
from datetime import UTC
from datetime import timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Blueprint
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext
from flask_login import current_user
from flask_login import login_user
from flask_login import logout_user

from flask_loyalty.links import site_url

from .config import SHOP_NAME
from .extensions import db
from .extensions import login_manager
from .extensions import loyalty
from .forms import SignInForm
from .forms import SignOutForm
from .forms import SignUpForm
from .i18n import page_language
from .models import User
from .models import utcnow

bp = Blueprint("auth", __name__, url_prefix="/auth")

login_manager.login_view = "auth.sign_in"
login_manager.login_message = "Please sign in to see that page."
VERIFY_FOR = timedelta(days=1)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The signed-in user from the session's id."""
    try:
        return db.session.get(User, int(user_id))
    except ValueError:
        return None


def find_user(email: str) -> User | None:
    """The user with this address (case does not matter)."""
    return db.session.scalar(
        sa.select(User).where(sa.func.lower(User.email) == email.strip().lower())
    )


def _next_url() -> str:
    """Where to go after signing in: a path on this site, else the catalog.

    Browsers read ``/\\evil.example`` and ``/<tab>/evil.example`` as another site,
    so a backslash, a space or a control character anywhere refuses the target.
    """
    target = request.args.get("next", "")
    parts = urlsplit(target)
    if (
        target.startswith("/")
        and not target.startswith("//")
        and not parts.netloc
        and not any(ch == "\\" or ord(ch) <= 32 or ord(ch) == 127 for ch in target)
    ):
        return target
    return url_for("shop.catalog")


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> t.Any:
    form = SignInForm()
    if form.validate_on_submit():
        user = find_user(form.email.data)
        if user is not None and user.check_password(form.password.data):
            login_user(user)
            flash(gettext("Welcome back, %(name)s.", name=user.name.split(" ")[0]))
            return redirect(_next_url())
        form.password.errors = ["That email and password do not match."]
    status = 400 if request.method == "POST" else 200
    return render_template("shop/sign_in.html", form=form), status


@bp.route("/sign-up", methods=["GET", "POST"])
def sign_up() -> t.Any:
    """Create an account whose address is proved by a link: the page says the same
    whether or not the address has an account (no one learns who shops here), and
    nobody is signed in until the link is opened."""
    form = SignUpForm()
    if form.validate_on_submit():
        email = form.email.data.strip()
        user = find_user(email)
        if user is None:
            user = User(name=form.name.data.strip(), email=email)
            user.set_password(form.password.data)
            db.session.add(user)
            _send_verification(user)
        else:  # tell her, not the visitor; her password stays as it was
            _send_already_registered(user)
        db.session.commit()
        return render_template("shop/check_inbox.html", email=email)
    status = 400 if request.method == "POST" else 200
    return render_template("shop/sign_up.html", form=form), status


@bp.route("/verify/<token>", methods=["GET", "POST"])
def verify(token: str) -> t.Any:
    """GET shows one button (mail scanners open links); its POST proves the
    address, signs her in and spends the link."""
    user = _user_for_token(token)
    if user is None:
        return render_template("shop/verify.html", form=None), 400
    form = SignOutForm()  # a button with a CSRF token
    if request.method != "POST" or not form.validate_on_submit():
        return render_template("shop/verify.html", form=form, user=user)
    user.email_verified_at = utcnow()
    user.verify_token_hash = None
    db.session.commit()
    login_user(user)
    flash(
        gettext(
            "Welcome, %(name)s! Your account is ready.", name=user.name.split(" ")[0]
        )
    )
    return redirect(url_for("shop.catalog"))


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _user_for_token(token: str) -> User | None:
    """The user whose unused, unexpired link this is; ``None`` for any other."""
    if len(token) > 100:
        return None
    user = db.session.scalar(
        sa.select(User).where(User.verify_token_hash == _hash(token))
    )
    if user is None or user.verify_sent_at is None:
        return None
    sent = user.verify_sent_at.replace(tzinfo=user.verify_sent_at.tzinfo or UTC)
    return user if utcnow() - sent < VERIFY_FOR else None


def _send_verification(user: User) -> None:
    token = secrets.token_urlsafe(32)
    user.verify_token_hash, user.verify_sent_at = _hash(token), utcnow()
    link = site_url("auth.verify", token=token)
    loyalty.send_mail(
        user.email,
        gettext("Confirm your address for %(shop)s", shop=SHOP_NAME),
        gettext(
            "Hello %(name)s,\n\nopen this link within a day to finish creating your"
            " account:\n\n%(link)s\n\nIf you did not sign up, ignore this email.",
            name=user.name,
            link=link,
        ),
        kind="shop_verify",
        commit=False,
        language=page_language(),
    )


def _send_already_registered(user: User) -> None:
    loyalty.send_mail(
        user.email,
        gettext("Your account at %(shop)s", shop=SHOP_NAME),
        gettext(
            "Hello %(name)s,\n\nsomeone asked to create an account with this"
            " address, which has one already. Sign in here:\n\n%(link)s\n\nIf it"
            " was not you, nothing has changed.",
            name=user.name,
            link=site_url("auth.sign_in"),
        ),
        kind="shop_verify",
        commit=False,
        language=page_language(),
    )


@bp.post("/sign-out")
def sign_out() -> t.Any:
    if not SignOutForm().validate_on_submit():
        abort(400)
    if current_user.is_authenticated:
        logout_user()
        flash(gettext("You are signed out. See you soon!"))
    return redirect(url_for("shop.catalog"))
