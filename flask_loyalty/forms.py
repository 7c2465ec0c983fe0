"""Forms shared by every domain."""

from __future__ import annotations

import typing as t

from flask_wtf import FlaskForm
from markupsafe import Markup
from markupsafe import escape
from wtforms.widgets import Input
from wtforms.widgets.core import clean_key

from .i18n import form_translations


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
