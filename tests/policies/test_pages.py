"""Policy pages: four built in, more added by the owner, edited in Markdown with
a preview; each save keeps the text it replaced; the page says when it changed."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask import render_template_string

from flask_loyalty import FrozenClock
from flask_loyalty import InvalidPolicy
from flask_loyalty.policies.service import check_slug

from .conftest import as_owner
from .conftest import edit
from .conftest import stored


@pytest.mark.parametrize(
    ("slug", "title"),
    [
        ("returns", "Returns"),
        ("shipping", "Shipping"),
        ("warranty", "Warranty"),
        ("privacy", "Privacy"),
    ],
)
def test_the_four_pages_exist_before_the_owner_writes_them(
    shop: Flask, slug: str, title: str
) -> None:
    response = shop.test_client().get(f"/loyalty/policies/{slug}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f"<h1>{title}</h1>" in page
    assert "Last updated" not in page  # starter text, never saved


def test_an_unknown_page_is_404(shop: Flask) -> None:
    assert shop.test_client().get("/loyalty/policies/nope").status_code == 404


def test_preview_shows_the_text_and_saves_nothing(shop: Flask) -> None:
    client = as_owner(shop)
    response = edit(
        client,
        "/loyalty/owner/policies/shipping",
        action="preview",
        title="Shipping",
        body="We ship **worldwide**.\n\n- Estonia: 2 days",
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Preview (not saved yet)" in page
    assert "<strong>worldwide</strong>" in page and "<li>Estonia: 2 days</li>" in page
    assert stored(shop) == ([], [])


def test_each_save_keeps_the_previous_version(shop: Flask, clock: FrozenClock) -> None:
    client = as_owner(shop)
    url = "/loyalty/owner/policies/shipping"
    first = edit(client, url, title="Shipping", body="Two days.")
    assert first.status_code == 302
    clock.advance(days=3)
    edit(client, url, title="Shipping and delivery", body="One day.")
    edit(client, url, title="Shipping and delivery", body="One day.")  # no change
    pages, versions = stored(shop)
    assert pages == [("shipping", "Shipping and delivery", "One day.")]
    assert versions == [("Shipping", "Two days.")]
    public = shop.test_client().get("/loyalty/policies/shipping").get_data(as_text=True)
    assert "<p>One day.</p>" in public
    assert "Last updated March 5, 2026</time>" in public
    editor = client.get(url).get_data(as_text=True)
    old = re.search(r'href="(/loyalty/owner/policies/shipping\?version=\d+)"', editor)
    assert old and "Earlier versions" in editor
    restored = client.get(old.group(1)).get_data(as_text=True)
    assert "Two days." in restored and "Save to bring it back" in restored


def test_the_owner_adds_a_page_that_joins_the_footer(shop: Flask) -> None:
    client = as_owner(shop)
    response = edit(
        client,
        "/loyalty/owner/policies/new",
        slug="gift-wrapping",
        title="Gift wrapping",
        body="Free, in recycled paper.",
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        "/loyalty/owner/policies/gift-wrapping"
    )
    page = shop.test_client().get("/loyalty/policies/gift-wrapping")
    assert "Free, in recycled paper." in page.get_data(as_text=True)
    with shop.test_request_context("/"):
        footer = render_template_string(
            '{% from "loyalty/policies/_footer.html" import policy_links %}'
            "{{ policy_links() }}"
        )
    titles = re.findall(r'<a href="/loyalty/policies/([\w-]+)">([^<]+)</a>', footer)
    assert titles == [
        ("returns", "Returns"),
        ("shipping", "Shipping"),
        ("warranty", "Warranty"),
        ("privacy", "Privacy"),
        ("gift-wrapping", "Gift wrapping"),
    ]


@pytest.mark.parametrize(
    ("slug", "title", "message"),
    [
        ("Gift Wrapping", "Gift", "The address can use a-z, 0-9 and dashes"),
        ("../etc", "Gift", "The address can use a-z, 0-9 and dashes"),
        ("returns", "Mine", "A page with this address exists"),
        ("new", "Mine", "This address is taken"),
        ("gift", "", "Give the page a title."),
    ],
)
def test_a_bad_new_page_is_refused_and_nothing_saved(
    shop: Flask, slug: str, title: str, message: str
) -> None:
    response = edit(
        as_owner(shop), "/loyalty/owner/policies/new", slug=slug, title=title, body="x"
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert stored(shop) == ([], [])


def test_a_form_without_csrf_changes_nothing(shop: Flask) -> None:
    response = as_owner(shop).post(
        "/loyalty/owner/policies/shipping",
        data={"action": "save", "title": "Hacked", "body": "x"},
    )
    assert response.status_code == 400
    assert stored(shop) == ([], [])


def test_owner_policy_pages_are_forbidden_to_others(shop: Flask) -> None:
    client = shop.test_client()
    for url in (
        "/loyalty/owner/policies/",
        "/loyalty/owner/policies/new",
        "/loyalty/owner/policies/returns",
    ):
        assert client.get(url).status_code == 403
        assert client.post(url, data={"title": "x"}).status_code in (403, 405)
    assert stored(shop) == ([], [])


def test_raw_html_in_the_markdown_is_shown_as_text(shop: Flask) -> None:
    edit(
        as_owner(shop),
        "/loyalty/owner/policies/privacy",
        title="Privacy",
        body="<script>alert(1)</script>\n\n[click](javascript:alert(1))",
    )
    page = shop.test_client().get("/loyalty/policies/privacy").get_data(as_text=True)
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'href="javascript:' not in page and "<a " not in page.split("policy-text")[1]


@pytest.mark.parametrize("slug", ["gift\n", "-gift", "gift--wrap", "x" * 65, "", None])
def test_check_slug_refuses_what_is_not_a_plain_address(slug: object) -> None:
    with pytest.raises(InvalidPolicy, match="The address can use a-z"):
        check_slug(slug)
