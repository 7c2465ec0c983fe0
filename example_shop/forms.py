"""The shop's forms; every one carries a CSRF token (Flask-WTF)."""

from __future__ import annotations

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import EmailField
from wtforms import HiddenField
from wtforms import IntegerField
from wtforms import PasswordField
from wtforms import StringField
from wtforms.validators import DataRequired
from wtforms.validators import Email
from wtforms.validators import EqualTo
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import NumberRange

from .cart import MAX_QUANTITY

_l = lazy_gettext


class AddToCartForm(FlaskForm):
    sku = HiddenField(validators=[DataRequired()])
    quantity = IntegerField(
        _l("Quantity"),
        default=1,
        validators=[InputRequired(), NumberRange(min=1, max=MAX_QUANTITY)],
        render_kw={"min": 1, "max": MAX_QUANTITY, "inputmode": "numeric"},
    )


class UpdateQuantityForm(FlaskForm):
    sku = HiddenField(validators=[DataRequired()])
    quantity = IntegerField(
        _l("Quantity"),
        validators=[InputRequired(), NumberRange(min=0, max=MAX_QUANTITY)],
        render_kw={"min": 0, "max": MAX_QUANTITY, "inputmode": "numeric"},
    )


class RemoveForm(FlaskForm):
    sku = HiddenField(validators=[DataRequired()])


class CheckoutForm(FlaskForm):
    """Who the order is for. The address is checked by flask-loyalty at checkout."""

    name = StringField(
        _l("Your name"),
        validators=[DataRequired(), Length(max=200)],
        render_kw={"autocomplete": "name"},
    )
    email = EmailField(
        _l("Email"),
        validators=[DataRequired(), Length(max=254)],
        render_kw={"autocomplete": "email"},
    )
    code = StringField(
        _l("Discount code (optional)"),
        validators=[Length(max=40)],
        render_kw={"autocomplete": "off", "autocapitalize": "characters"},
    )


class SignInForm(FlaskForm):
    email = EmailField(
        _l("Email"), validators=[DataRequired()], render_kw={"autocomplete": "email"}
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired()],
        render_kw={"autocomplete": "current-password"},
    )


class SignUpForm(FlaskForm):
    name = StringField(
        _l("Your name"),
        validators=[DataRequired(), Length(max=200)],
        render_kw={"autocomplete": "name"},
    )
    email = EmailField(
        _l("Email"),
        validators=[DataRequired(), Email(), Length(max=254)],
        render_kw={"autocomplete": "email"},
    )
    password = PasswordField(
        _l("Password (at least 8 characters)"),
        validators=[DataRequired(), Length(min=8, max=200)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Password again"),
        validators=[DataRequired(), EqualTo("password", _l("The passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )


class SignOutForm(FlaskForm):
    """A sign-out button: CSRF only."""
