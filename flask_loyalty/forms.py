"""Forms shared by every domain."""

from __future__ import annotations

import re
import typing as t
from decimal import Decimal

from babel import Locale
from babel.numbers import NumberFormatError
from babel.numbers import format_decimal
from babel.numbers import get_group_symbol
from babel.numbers import parse_decimal
from flask import current_app
from flask import g
from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from markupsafe import escape
from wtforms import DecimalField
from wtforms import HiddenField
from wtforms.widgets import Input
from wtforms.widgets.core import clean_key

from .i18n import _
from .i18n import form_translations
from .locales import get_locale


def html_params(**attributes: t.Any) -> Markup:
    """WTForms' ``html_params``, the same markup without a ``Markup.format`` per
    attribute (about a tenth of the time: the account page renders eight fields)."""
    params = []
    for key, value in sorted(attributes.items()):
        if value is True:
            params.append(clean_key(key))
        elif value is not False:
            text = escape(value)
            if '"' in text:  # markup given as the value keeps its tags, not its quotes
                text = text.replace(Markup('"'), Markup("&quot;"))
            params.append(f'{escape(clean_key(key))}="{text}"')
    return Markup(" ".join(params))


FAST_WIDGETS: dict[int, tuple[Input, Input]] = {}
"""Each WTForms widget given a fast copy, by id: ``(widget, copy)``."""


def fast_widget(widget: t.Any) -> Input | None:
    """A copy of WTForms' ``<input>`` widget ``widget`` that writes its attributes
    with :func:`html_params`; ``None`` for any other widget."""
    if not isinstance(widget, Input):
        return None
    kept = FAST_WIDGETS.get(id(widget))
    if kept is None or kept[0] is not widget:
        fast = t.cast(Input, object.__new__(_fast_class(type(widget))))
        fast.__dict__.update(widget.__dict__)
        kept = FAST_WIDGETS[id(widget)] = (widget, fast)
    return kept[1]


_FAST_CLASSES: dict[type, type] = {}


def _fast_class(widget_class: type) -> type:
    if widget_class not in _FAST_CLASSES:
        _FAST_CLASSES[widget_class] = type(
            widget_class.__name__,
            (widget_class,),
            {"html_params": staticmethod(html_params)},
        )
    return _FAST_CLASSES[widget_class]


class TranslatedMeta:
    """WTForms' own messages ("This field is required.") from the extension's
    catalog, in the page's language; for sub-forms too. Inputs render with
    :func:`html_params`."""

    def get_translations(self, form: t.Any) -> t.Any:
        return form_translations

    def bind_field(self, form: t.Any, unbound_field: t.Any, options: t.Any) -> t.Any:
        if (
            issubclass(unbound_field.field_class, HiddenField)
            and not unbound_field.args
            and "label" not in unbound_field.kwargs
        ):  # shows no label: none to make from its name and translate
            options = {**options, "label": ""}
        if "widget" not in unbound_field.kwargs:
            widget = fast_widget(getattr(unbound_field.field_class, "widget", None))
            if widget is not None:
                options = {**options, "widget": widget}
        return super().bind_field(form, unbound_field, options)  # type: ignore[misc]


class LoyaltyForm(FlaskForm):
    """The extension's forms: CSRF, and messages in the page's language."""

    class Meta(TranslatedMeta, FlaskForm.Meta):
        pass


class ActionForm(LoyaltyForm):
    """A button that changes something (sign out, retry a message): CSRF only."""


F = t.TypeVar("F", bound=FlaskForm)


def shown_form(form_class: type[F]) -> F:
    """An empty ``form_class`` form to show on a page (GET), without the CSRF
    field of its own: the template's ``csrf()`` macro writes the token with
    :func:`csrf_input`, and the view the form posts to validates a form built
    from the request, CSRF included. Building the field costs about as much as
    the form's other fields together."""
    return form_class(formdata=None, meta={"csrf": False})


def csrf_input() -> Markup:
    """The hidden CSRF input of a loyalty form: the token a :class:`LoyaltyForm`
    checks, written once a request (no ``id``: a page of several forms repeats
    none). Template global ``loyalty_csrf_input``; the ``csrf(form)`` macro and
    buttons that only post use it, and the view posted to validates a form built
    from the request (:class:`ActionForm` or its own)."""
    token = generate_csrf()  # Flask-WTF keeps it for the request
    kept = g.get("loyalty_csrf_input")
    if kept is None or kept[0] != token:  # written once a request
        name = escape(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
        markup = Markup(f'<input name="{name}" type="hidden" value="{escape(token)}">')
        kept = g.loyalty_csrf_input = (token, markup)
    return t.cast(Markup, kept[1])


def parse_amount(text: str, locale: Locale) -> Decimal:
    """An amount as the owner types it in her language ("1 234,50" in hu,
    "1.234,50" in el, "1,234.50" in en) as a Decimal; a point is taken as the
    decimal mark where the language does not group with it ("12.50" in hu).

    :raises ValueError: the text is not a number in that form.
    """
    text = text.strip()
    group = get_group_symbol(locale)
    if group in NO_BREAK_SPACES:  # typed with an ordinary space
        text = text.replace(" ", group)
    try:
        number = parse_decimal(text, locale=locale, strict=True)
    except NumberFormatError:
        if group == "." or not PLAIN_DECIMAL.fullmatch(text):
            raise ValueError(text) from None
        number = Decimal(text)
    if not number.is_finite():
        raise ValueError(text)
    return number


NO_BREAK_SPACES = ("\u00a0", "\u202f")
PLAIN_DECIMAL = re.compile(r"[0-9]+\.[0-9]+")


class MoneyField(DecimalField):
    """An amount of money shown and read in the page's language: "12,50" where
    the page writes amounts so, parsed back to a :class:`~decimal.Decimal`. A
    value that is not a number re-renders as typed, with the error."""

    def __init__(self, label: t.Any = None, validators: t.Any = None, **kw: t.Any):
        render_kw = {"inputmode": "decimal", **(kw.pop("render_kw", None) or {})}
        super().__init__(label, validators, render_kw=render_kw, **kw)

    def _locale(self) -> Locale:
        return get_locale() or Locale("en")

    def _format(self, amount: Decimal) -> str:
        places = max(-int(amount.as_tuple().exponent), 0)
        pattern = "#,##0." + "0" * places if places else "#,##0"
        return t.cast(
            str, format_decimal(amount, format=pattern, locale=self._locale())
        )

    def __call__(self, **kwargs: t.Any) -> t.Any:
        kwargs.setdefault("placeholder", self._format(Decimal("0.00")))
        return super().__call__(**kwargs)

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        if isinstance(self.data, Decimal):
            return self._format(self.data)
        return ""

    def process_formdata(self, valuelist: list[t.Any]) -> None:
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        try:
            self.data = parse_amount(str(valuelist[0]), self._locale())
        except ValueError:
            self.data = None
            raise ValueError(
                _(
                    "Enter an amount such as %(example)s.",
                    example=self._format(Decimal("12.50")),
                )
            ) from None
