"""In a real browser, the owner sets up a journey, switches it on, edits a step and
pauses it; a phone-sized window shows the timeline without sideways scrolling."""

from __future__ import annotations

import typing as t

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_loyalty.journeys import models as jm

from .conftest import journey_mail
from .conftest import run_due
from .conftest import subscribe_confirmed


@pytest.mark.browser
def test_the_owner_creates_and_edits_a_journey_in_a_browser(
    make_app: t.Callable[..., Flask], live_server: t.Any, page: t.Any
) -> None:
    app = make_app(SERVER_NAME=None, LOYALTY_BASE_URL="http://shop.test")
    app.extensions["loyalty"].extension.owner_check(lambda: True)
    base = live_server(app)

    page.goto(f"{base}/loyalty/owner/journeys/")
    page.get_by_role("link", name="Set up a new journey").click()
    page.fill("input[name=name]", "Welcome series")
    page.select_option("select[name=trigger]", "confirmed")
    page.fill("input[name='steps-0-subject']", "Welcome, {{ first_name or 'friend' }}")
    page.fill("textarea[name='steps-0-body']", "The story of the **workshop**.")
    page.fill("input[name='steps-1-delay_days']", "-2")  # a slip of the finger
    page.fill("input[name='steps-1-subject']", "How to care for silver")
    page.fill("textarea[name='steps-1-body']", "Keep it dry.")
    page.get_by_role("button", name="Save the journey").click()
    # The browser refuses it before sending (the server would too: test_owner.py).
    assert page.eval_on_selector(
        "input[name='steps-1-delay_days']", "el => el.validity.rangeUnderflow"
    )
    assert page.url.endswith("/loyalty/owner/journeys/new")
    with app.app_context():
        session = app.extensions["loyalty"].session
        assert session.scalar(sa.select(sa.func.count(jm.Journey.id))) == 0

    page.fill("input[name='steps-1-delay_days']", "7")
    page.fill("input[name='steps-1-at_time']", "09:30")
    page.get_by_role("button", name="Save the journey").click()
    page.wait_for_selector("text=The journey is saved.")
    assert "7 days after the previous step, at 9:30 AM" in " ".join(
        page.inner_text("ol.timeline").split()
    )
    page.get_by_role("button", name="Switch it on").click()
    page.wait_for_selector("text=This journey is on.")

    subscribe_confirmed(app, "anna@example.com", "Anna")
    run_due(app)
    assert [m.subject for m in journey_mail(app)] == ["Welcome, Anna"]
    page.reload()
    timeline = " ".join(page.inner_text("ol.timeline").split())
    assert "sent 1" in timeline

    page.set_viewport_size({"width": 375, "height": 740})  # on her phone
    page.get_by_role("link", name="Edit the journey").click()
    page.wait_for_url("**/edit")  # the new page, not the one being left
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.fill("input[name='steps-1-subject']", "Caring for your silver")
    page.get_by_role("button", name="Save the journey").click()
    page.wait_for_selector("text=Caring for your silver")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    page.get_by_role("button", name="Pause (everyone in it leaves)").click()
    page.wait_for_selector("text=1 people left it.")
    with app.app_context():
        journey = app.extensions["loyalty"].session.scalar(sa.select(jm.Journey))
        assert journey is not None and not journey.active
        assert [step.subject for step in journey.steps] == [
            "Welcome, {{ first_name or 'friend' }}",
            "Caring for your silver",
        ]
