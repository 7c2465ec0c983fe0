"""Her data and her account's deletion in Debian's Chromium, at phone width and
without JavaScript: asked for on her account page, the link delivered by SMTP,
the button pressed (issue 19, point 2)."""

from __future__ import annotations

import json
import re
import typing as t
from decimal import Decimal
from pathlib import Path

import pytest
from flask import Flask

from tests.outbox.helpers import MakeApp
from tests.outbox.helpers import run_worker
from tests.outbox.helpers import smtp_app
from tests.plugins.services import SMTPServer

from .test_account import ask_for_link

PHONE = {"width": 390, "height": 844}


def link_in(received: t.Any, path: str) -> str:
    html = received.get_body(preferencelist=("html",))
    assert html is not None
    [link] = re.findall(rf'href="([^"]+{path}[^"]+)"', html.get_content())
    return str(link)


def fits(page: t.Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide"


@pytest.mark.browser
def test_she_downloads_her_data_then_deletes_her_account_on_a_phone(
    make_app: MakeApp,
    smtp_server: SMTPServer,
    live_server: t.Callable[[Flask], str],
    browser: t.Any,
    tmp_path: Path,
) -> None:
    app = smtp_app(make_app, smtp_server.host, smtp_server.port, SERVER_NAME=None)
    with app.app_context():
        app.extensions["loyalty"].extension.record_order(
            "A-3003", email="bea@example.com", name="Bea Kask", total=Decimal("18.50")
        )
    base_url = live_server(app)
    context = browser.new_context(
        viewport=PHONE, java_script_enabled=False, accept_downloads=True
    )
    page = context.new_page()
    try:
        # Signed in by a link the test client asked for, opened in the browser.
        assert ask_for_link(app.test_client(), "bea@example.com").status_code == 302
        run_worker(app)
        [sign_in] = smtp_server.wait_for(1)
        page.goto(link_in(sign_in, "/loyalty/sign-in/"))
        page.get_by_role("button", name="Sign in", exact=True).click()
        page.get_by_role("heading", name="Your data").wait_for()
        fits(page)

        page.get_by_role("link", name="Download my data").click()
        page.get_by_role("heading", name="Your data").wait_for()
        fits(page)
        page.get_by_role("button", name="Email me the download link").click()
        page.get_by_role("heading", name="Check your inbox").wait_for()
        fits(page)
        run_worker(app)
        export = smtp_server.wait_for(2)[-1]
        assert "confirm the download" in export["Subject"]
        page.goto(link_in(export, "/loyalty/my-data/export/"))
        fits(page)
        with page.expect_download() as download:
            page.get_by_role("button", name="Download my data").click()
        saved = tmp_path / "my-data.json"
        download.value.save_as(saved)
        data = json.loads(saved.read_text(encoding="utf-8"))
        assert [o["reference"] for o in data["orders"]] == ["A-3003"]

        page.goto(f"{base_url}/loyalty/")
        page.get_by_role("link", name="Delete my account").click()
        page.get_by_role("heading", name="Delete your account").wait_for()
        fits(page)
        page.get_by_role(
            "button", name="Email me the link to delete my account"
        ).click()
        page.get_by_role("heading", name="Check your inbox").wait_for()
        run_worker(app)
        erase = smtp_server.wait_for(3)[-1]
        page.goto(link_in(erase, "/loyalty/my-data/erase/"))
        fits(page)
        page.get_by_role("button", name="Delete my account").click()
        page.get_by_role("heading", name="Your account is deleted").wait_for()
        fits(page)
        page.goto(f"{base_url}/loyalty/")
        page.get_by_role("button", name="Email me a sign-in link").wait_for()
    finally:
        context.close()
    # Asked for again now, no sign-in link goes out: the address is unknown.
    client = app.test_client()
    assert ask_for_link(client, "bea@example.com").status_code == 302
    run_worker(app)
    assert len(smtp_server.messages) == 3
