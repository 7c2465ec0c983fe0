"""The demo's policy pages say when they were last changed, in the reader's
language (issue 21): the starter texts are saved as the owner would save them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from babel.dates import format_date
from flask import Flask

from example_shop.cli import POLICIES_WRITTEN_DAYS_AGO
from example_shop.extensions import loyalty

from .test_no_english import speak

LANGUAGES = ("en", "et", "el", "hu", "tl")


@pytest.mark.parametrize("slug", ["returns", "shipping", "warranty", "privacy"])
def test_each_demo_policy_page_shows_its_date_in_each_language(
    shop_app: Flask, slug: str
) -> None:
    result = shop_app.test_cli_runner().invoke(args=["shop", "init-demo"])
    assert result.exit_code == 0, result.output
    with shop_app.app_context():
        written = loyalty.state.now() - timedelta(days=POLICIES_WRITTEN_DAYS_AGO)
    for language in LANGUAGES:
        client = speak(shop_app.test_client(), language)
        page = client.get(f"/loyalty/policies/{slug}").get_data(as_text=True)
        day = format_date(written.date(), "long", locale=language)
        assert f'<time datetime="{written.date().isoformat()}">' in page, language
        assert day in page, (language, day)
