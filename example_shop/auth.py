"""Shop accounts with Flask-Login: sign up, sign in, sign out."""

from __future__ import annotations

import typing as t
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Blueprint
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user
from flask_login import login_user
from flask_login import logout_user

from .extensions import db
from .extensions import login_manager
from .forms import SignInForm
from .forms import SignOutForm
from .forms import SignUpForm
from .models import User

bp = Blueprint("auth", __name__, url_prefix="/auth")

login_manager.login_view = "auth.sign_in"
login_manager.login_message = "Please sign in to see that page."


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
            flash(f"Welcome back, {user.name.split(' ')[0]}.")
            return redirect(_next_url())
        form.password.errors = ["That email and password do not match."]
    status = 400 if request.method == "POST" else 200
    return render_template("shop/sign_in.html", form=form), status


@bp.route("/sign-up", methods=["GET", "POST"])
def sign_up() -> t.Any:
    form = SignUpForm()
    if form.validate_on_submit():
        if find_user(form.email.data) is not None:
            form.email.errors = ["There is already an account with this address."]
        else:
            user = User(name=form.name.data.strip(), email=form.email.data.strip())
            user.set_password(form.password.data)
            db.session.add(user)
            db.session.commit()
            login_user(user)
            flash(f"Welcome, {user.name.split(' ')[0]}! Your account is ready.")
            return redirect(_next_url())
    status = 400 if request.method == "POST" else 200
    return render_template("shop/sign_up.html", form=form), status


@bp.post("/sign-out")
def sign_out() -> t.Any:
    if not SignOutForm().validate_on_submit():
        abort(400)
    if current_user.is_authenticated:
        logout_user()
        flash("You are signed out. See you soon!")
    return redirect(url_for("shop.catalog"))
