"""The extension's forms write their inputs' attributes with a faster
``html_params``: the markup must be WTForms' own, byte for byte."""

from __future__ import annotations

import typing as t

import pytest
from markupsafe import Markup
from wtforms.widgets.core import html_params as wtforms_html_params

from flask_loyalty.forms import FAST_WIDGETS
from flask_loyalty.forms import ActionForm
from flask_loyalty.forms import html_params
from flask_loyalty.points.forms import BirthdayForm
from flask_loyalty.points.forms import RedeemForm


@pytest.mark.parametrize(
    "attributes",
    (
        {"id": "csrf_token", "name": "csrf_token", "type": "hidden", "value": "a.b-c"},
        {"value": "\"<&>'", "class_": "wide", "for_": "points"},
        {"value": Markup('<b class="x">'), "data_item_id": 3, "aria_describedby": "e"},
        {"required": True, "disabled": False, "min": 0, "value": None},
        {},
    ),
)
def test_the_attributes_are_written_as_wtforms_writes_them(
    attributes: dict[str, t.Any],
) -> None:
    ours, theirs = html_params(**attributes), wtforms_html_params(**attributes)
    assert ours == theirs
    assert type(ours) is type(theirs) is Markup


def test_a_form_renders_as_with_wtforms_widgets(app: t.Any) -> None:
    with app.test_request_context("/"):
        for form in (ActionForm(), RedeemForm(formdata=None), BirthdayForm()):
            for field in form:
                fast = str(field())
                field.widget = next(
                    original
                    for original, copy in FAST_WIDGETS.values()
                    if copy is field.widget
                )
                assert fast == str(field())
