"""The owner hides a policy page (shoppers get 404, the footer and the hreflang
links leave it out) and publishes it again; she deletes a page she added, after a
confirmation, with its versions and translations; built-in pages can only be
hidden."""

from __future__ import annotations

import re
import typing as t

import pytest
import sqlalchemy as sa
from flask import Flask
from flask import render_template_string
from flask import request
from flask.testing import FlaskClient

from flask_loyalty import InvalidPolicy
from flask_loyalty.models import PolicyPage
from flask_loyalty.models import PolicyVersion
from flask_loyalty.policies import service

from .conftest import edit
from .conftest import form_token
from .conftest import stored

EDITOR = "/loyalty/owner/policies/"
HIDDEN_NOTE = "This page is hidden: only you see it."

ROW = r'<tr>\s*<th scope="row" class="name"><a href="[^"]+/%s">.*?</tr>'
"""A row of the owner's list of policy pages, by the page's address."""


@pytest.fixture
def shop(make_app: t.Callable[..., Flask], database_url: str) -> Flask:
    app = make_app(database_url=database_url, LOYALTY_LANGUAGES=("en", "hu"))
    # the owner is whoever sends this header; every other client is a shopper
    app.extensions["loyalty"].extension.owner_check(
        lambda: request.headers.get("X-Test-Owner") == "yes"
    )
    return app


@pytest.fixture
def owner(shop: Flask) -> FlaskClient:
    client = shop.test_client()
    client.environ_base["HTTP_X_TEST_OWNER"] = "yes"
    return client


def footer(shop: Flask) -> list[str]:
    """The slugs the footer macro links, in order."""
    with shop.test_request_context("/"):
        html = render_template_string(
            '{% from "loyalty/policies/_footer.html" import policy_links %}'
            "{{ policy_links() }}"
        )
    return re.findall(r'<a href="/loyalty/policies/([\w-]+)">', html)


def alternates(html: str) -> list[str]:
    head = html.split("</head>", 1)[0]
    return re.findall(r'<link rel="alternate" hreflang="([^"]+)"', head)


def post_action(client: FlaskClient, slug: str, action: str) -> t.Any:
    """Press the editor's Hide, Publish or (confirmed) Delete button."""
    page_url = f"{EDITOR}{slug}/delete" if action == "delete" else f"{EDITOR}{slug}"
    token = form_token(client.get(page_url).get_data(as_text=True))
    return client.post(f"{EDITOR}{slug}/{action}", data={"csrf_token": token})


def hidden_flags(shop: Flask) -> dict[str, bool]:
    with shop.app_context():
        session = shop.extensions["loyalty"].session
        return {
            page.slug: page.hidden for page in session.scalars(sa.select(PolicyPage))
        }


def add_gift_wrapping(owner: FlaskClient) -> None:
    url = EDITOR + "new"
    response = edit(owner, url, slug="gift-wrapping", title="Gift wrapping", body="A")
    assert response.status_code == 302
    url = EDITOR + "gift-wrapping"
    assert edit(owner, url, title="Gift wrapping", body="B").status_code == 302
    hungarian = edit(
        owner, url + "?lang=hu", title="Ajándék", body="Papír.", language="hu"
    )
    assert hungarian.status_code == 302


def test_a_hidden_page_is_404_for_shoppers_and_left_out_of_listings(
    shop: Flask, owner: FlaskClient
) -> None:
    shopper = shop.test_client()
    assert "shipping" in footer(shop)
    response = post_action(owner, "shipping", "hide")
    assert response.status_code == 302
    assert response.location.endswith("/loyalty/owner/policies/shipping")
    assert hidden_flags(shop) == {"shipping": True}
    assert shopper.get("/loyalty/policies/shipping").status_code == 404
    assert shopper.get("/loyalty/policies/shipping?lang=hu").status_code == 404
    assert footer(shop) == ["returns", "warranty", "privacy"]
    listing = shopper.get("/loyalty/policies/").get_data(as_text=True)
    assert "/loyalty/policies/returns" in listing
    assert "/loyalty/policies/shipping" not in listing


def test_the_owner_still_sees_edits_and_lists_a_hidden_page(
    shop: Flask, owner: FlaskClient
) -> None:
    post_action(owner, "shipping", "hide")
    mine = owner.get("/loyalty/policies/shipping")
    html = mine.get_data(as_text=True)
    assert mine.status_code == 200
    assert HIDDEN_NOTE in html and "<h1>Shipping</h1>" in html
    assert '<meta name="robots" content="noindex">' in html
    assert alternates(html) == []  # hidden: no hreflang links
    assert "no-store" in mine.headers["Cache-Control"]
    rows = owner.get(EDITOR).get_data(as_text=True)
    row = re.search(ROW % "shipping", rows, re.S)
    assert row and '<span class="status">hidden</span>' in row.group(0)
    returns = re.search(ROW % "returns", rows, re.S)
    assert returns and "hidden" not in returns.group(0)
    editor = owner.get(EDITOR + "shipping").get_data(as_text=True)
    assert "Publish the page" in editor and "Hide the page" not in editor
    saved = edit(owner, EDITOR + "shipping", title="Shipping", body="Soon.")
    assert saved.status_code == 302
    assert hidden_flags(shop) == {"shipping": True}  # saving keeps it hidden
    assert shop.test_client().get("/loyalty/policies/shipping").status_code == 404


def test_publishing_again_brings_the_page_back_in_every_language(
    shop: Flask, owner: FlaskClient
) -> None:
    post_action(owner, "shipping", "hide")
    response = post_action(owner, "shipping", "publish")
    assert response.status_code == 302
    assert hidden_flags(shop) == {"shipping": False}
    assert "published" in owner.get(response.location).get_data(as_text=True)
    assert footer(shop) == ["returns", "shipping", "warranty", "privacy"]
    shopper = shop.test_client()
    english = shopper.get("/loyalty/policies/shipping")
    assert english.status_code == 200
    html = english.get_data(as_text=True)
    assert HIDDEN_NOTE not in html and "noindex" not in html
    assert alternates(html) == ["en", "hu", "x-default"]
    # the built-in page keeps its translated starter text: no English fallback
    hungarian = shopper.get("/loyalty/policies/shipping?lang=hu").get_data(True)
    assert "<h1>Szállítás</h1>" in hungarian
    assert "is not available in" not in hungarian


def test_the_owner_deletes_her_own_page_with_its_versions(
    shop: Flask, owner: FlaskClient
) -> None:
    add_gift_wrapping(owner)
    pages, versions = stored(shop)
    assert [p[0] for p in pages] == ["gift-wrapping"] and versions
    editor = owner.get(EDITOR + "gift-wrapping").get_data(as_text=True)
    assert 'href="/loyalty/owner/policies/gift-wrapping/delete"' in editor
    confirm = owner.get(EDITOR + "gift-wrapping/delete")
    assert confirm.status_code == 200
    html = confirm.get_data(as_text=True)
    assert "Delete Gift wrapping" in html and "1 earlier version goes with it." in html
    assert 'action="/loyalty/owner/policies/gift-wrapping/delete"' in html
    assert stored(shop)[0]  # asking to confirm deletes nothing
    response = post_action(owner, "gift-wrapping", "delete")
    assert response.status_code == 302
    assert response.location.endswith("/loyalty/owner/policies/")
    assert "The page “Gift wrapping” is deleted." in owner.get(EDITOR).get_data(True)
    assert stored(shop) == ([], [])
    with shop.app_context():
        session = shop.extensions["loyalty"].session
        assert session.scalar(sa.select(sa.func.count(PolicyVersion.id))) == 0
    shopper = shop.test_client()
    assert shopper.get("/loyalty/policies/gift-wrapping").status_code == 404
    assert shopper.get("/loyalty/policies/gift-wrapping?lang=hu").status_code == 404
    assert "gift-wrapping" not in footer(shop)
    assert owner.get(EDITOR + "gift-wrapping").status_code == 404
    # the address is free again
    again = edit(owner, EDITOR + "new", slug="gift-wrapping", title="Wrap", body="C")
    assert again.status_code == 302
    assert stored(shop) == ([("gift-wrapping", "Wrap", "C")], [])


@pytest.mark.parametrize("slug", ["returns", "shipping", "warranty", "privacy"])
def test_a_built_in_page_cannot_be_deleted(
    shop: Flask, owner: FlaskClient, slug: str
) -> None:
    assert edit(owner, EDITOR + slug, title="Mine", body="Text.").status_code == 302
    editor = owner.get(EDITOR + slug).get_data(as_text=True)
    assert "/delete" not in editor
    assert "A built-in page can be hidden but not deleted." in editor
    asked = owner.get(f"{EDITOR}{slug}/delete")
    assert asked.status_code == 400
    assert "cannot be deleted. Hide the page instead." in asked.get_data(True)
    assert 'method="post"' not in asked.get_data(True).split("</nav>", 1)[1]
    token = form_token(editor)
    response = owner.post(f"{EDITOR}{slug}/delete", data={"csrf_token": token})
    assert response.status_code == 400
    assert "cannot be deleted. Hide the page instead." in response.get_data(True)
    assert stored(shop)[0] == [(slug, "Mine", "Text.")]
    assert shop.test_client().get(f"/loyalty/policies/{slug}").status_code == 200
    with shop.app_context():
        session = shop.extensions["loyalty"].session
        with pytest.raises(InvalidPolicy, match="cannot be deleted"):
            service.delete_page(session, slug)


def test_an_unknown_page_cannot_be_hidden_or_deleted(owner: FlaskClient) -> None:
    token = form_token(owner.get(EDITOR + "shipping").get_data(as_text=True))
    for action in ("hide", "publish", "delete"):
        url = f"{EDITOR}nope/{action}"
        assert owner.post(url, data={"csrf_token": token}).status_code == 404
    assert owner.get(EDITOR + "nope/delete").status_code == 404


def test_hiding_and_deleting_are_forbidden_to_others(
    shop: Flask, owner: FlaskClient
) -> None:
    add_gift_wrapping(owner)
    token = form_token(owner.get(EDITOR + "gift-wrapping").get_data(as_text=True))
    before = stored(shop)
    shopper = shop.test_client()
    for slug in ("gift-wrapping", "shipping"):
        for action in ("hide", "publish", "delete"):
            url = f"{EDITOR}{slug}/{action}"
            assert shopper.post(url, data={"csrf_token": token}).status_code == 403
        assert shopper.get(f"{EDITOR}{slug}/delete").status_code == 403
    assert stored(shop) == before
    assert hidden_flags(shop) == {"gift-wrapping": False}


def test_without_csrf_nothing_is_hidden_or_deleted(
    shop: Flask, owner: FlaskClient
) -> None:
    add_gift_wrapping(owner)
    before = stored(shop)
    for action in ("hide", "publish"):
        assert owner.post(f"{EDITOR}gift-wrapping/{action}").status_code == 400
        assert owner.post(f"{EDITOR}shipping/{action}").status_code == 400
    refused = owner.post(EDITOR + "gift-wrapping/delete", data={"csrf_token": "x"})
    assert refused.status_code == 400
    assert "This form has expired" in refused.get_data(as_text=True)
    assert owner.post(EDITOR + "gift-wrapping/delete").status_code == 400
    assert stored(shop) == before
    assert hidden_flags(shop) == {"gift-wrapping": False}
    assert shop.test_client().get("/loyalty/policies/gift-wrapping").status_code == 200
