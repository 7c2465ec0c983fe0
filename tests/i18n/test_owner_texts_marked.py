"""An owner's text on a page in another language is marked with its own
``lang`` (issue 20): a screen reader reads "Thank you for your first order" as
English on a Hungarian page, and the rest of the sentence stays escaped text."""

from __future__ import annotations

from flask import Flask
from flask import render_template_string
from flask_babel import force_locale


def render(app: Flask, source: str, language: str, **context: object) -> str:
    with app.test_request_context("/loyalty/"), force_locale(language):
        return render_template_string(source, **context)


def test_a_default_language_text_is_marked_on_another_language_s_page(
    app: Flask,
) -> None:
    source = "{{ name|loyalty_in_its_language }}"
    assert (
        render(app, source, "hu", name="Thank you")
        == '<span lang="en">Thank you</span>'
    )
    assert render(app, source, "en", name="Thank you") == "Thank you"
    assert render(
        app, "{{ n|loyalty_in_its_language('el') }}", "hu", n="Ευχαριστώ"
    ) == ('<span lang="el">Ευχαριστώ</span>')


def test_a_marked_text_in_a_translated_sentence_keeps_both_escaped(app: Flask) -> None:
    source = (
        '{{ loyalty_gettext("Edit %(name)s", name=name|loyalty_in_its_language) }}'
        " {{ loyalty_gettext('Delete %(name)s', name=name) }}"
    )
    html = render(app, source, "hu", name="<b>20% off</b>")
    marked = '<span lang="en">&lt;b&gt;20% off&lt;/b&gt;</span>'
    assert html.count(marked) == 1, html
    assert "<b>" not in html
    assert "&lt;b&gt;20% off&lt;/b&gt;" in html.replace(marked, "")  # plain: escaped
