"""The owner names the categories that cannot be returned in each of the shop's
languages; a customer reads her language's name on the returns page and in the
returns form, else the category as written (issue 20)."""

from __future__ import annotations

import html as htmllib
import typing as t

import pytest
from flask import Flask
from flask.testing import FlaskClient

from flask_loyalty.policies.rules import ReturnPolicy
from flask_loyalty.policies.rules import load_rules
from flask_loyalty.policies.rules import save_rules

from .conftest import form_token


@pytest.fixture
def rules(shop: Flask) -> Flask:
    """Maria's rules: custom-made and engraved pieces cannot be returned."""
    shop.extensions["loyalty"].extension.owner_check(lambda: True)
    with shop.app_context():
        state = shop.extensions["loyalty"]
        policy = ReturnPolicy(non_returnable=["custom-made", "engraved"])
        save_rules(state.session, state.now(), policy)
        state.session.commit()
    return shop


def text(response: t.Any) -> str:
    return htmllib.unescape(response.get_data(as_text=True))


def editor(client: FlaskClient, language: str = "hu") -> str:
    response = client.get(f"/loyalty/owner/returns/rules/categories?lang={language}")
    assert response.status_code == 200
    return text(response)


def save(client: FlaskClient, page: str, language: str = "hu", **fields: str) -> t.Any:
    return client.post(
        f"/loyalty/owner/returns/rules/categories?lang={language}",
        data={"csrf_token": form_token(page), "language": language, **fields},
    )


def labels(app: Flask) -> dict[str, dict[str, str]] | None:
    with app.app_context():
        return load_rules(app.extensions["loyalty"].session).labels


def items_page(app: Flask, language: str) -> str:
    """The returns form of Anna's order, read in ``language``."""
    client = app.test_client()
    headers = {"Accept-Language": language}
    page = text(client.get("/loyalty/policies/returns", headers=headers))
    found = client.post(
        "/loyalty/returns/start",
        data={
            "csrf_token": form_token(page),
            "order_number": "SF-1",
            "email": "anna@example.com",
        },
        headers=headers,
    )
    assert found.status_code == 302, found.get_data(as_text=True)
    return page + text(client.get(found.headers["Location"], headers=headers))


def test_a_category_named_in_hungarian_shows_to_hungarian_readers_only(
    rules: Flask,
) -> None:
    owner = rules.test_client()
    page = editor(owner)
    assert "custom-made" in page and "(not written yet)" in page
    fields = {"labels-0": "egyedi rendelésre készült", "labels-1": ""}
    response = save(owner, page, **fields)
    assert response.status_code == 302
    assert labels(rules) == {"hu": {"custom-made": "egyedi rendelésre készült"}}

    hungarian = items_page(rules, "hu")
    # the page's summary: one category in Hungarian, one as written, marked so
    assert 'egyedi rendelésre készült, <span lang="en">engraved</span>' in hungarian
    assert "(egyedi rendelésre készült)" in hungarian  # the name necklace's line
    assert "custom-made" not in hungarian

    estonian = items_page(rules, "et")
    # the categories as written, in the default language
    assert '<span lang="en">custom-made</span>, <span lang="en">engraved</span>' in (
        estonian
    )
    assert '(<span lang="en">custom-made</span>)' in estonian
    assert "egyedi" not in estonian

    page = text(owner.get("/loyalty/owner/returns/rules"))
    assert "custom-made: written in English, Hungarian" in page
    assert "engraved: written in English" in page


def test_a_category_dropped_from_the_rules_drops_its_names(rules: Flask) -> None:
    owner = rules.test_client()
    fields = {"labels-0": "egyedi rendelésre készült", "labels-1": "gravírozott"}
    assert save(owner, editor(owner), **fields).status_code == 302
    with rules.app_context():
        state = rules.extensions["loyalty"]
        policy = load_rules(state.session)
        policy.non_returnable = ["engraved", "sale"]
        policy.labels = None  # as the owner's rules form saves: keep what applies
        save_rules(state.session, state.now(), policy)
        state.session.commit()
    assert labels(rules) == {"hu": {"engraved": "gravírozott"}}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"labels-0": "x" * 101}, "Field cannot be longer than 100 characters."),
        ({"labels-0": "egyedi\x07"}, "A category name is too long or not plain text."),
        ({"labels-2": "harmadik"}, "The categories changed meanwhile"),
    ],
)
def test_bad_input_is_shown_again_with_a_message_and_changes_nothing(
    rules: Flask, fields: dict[str, str], message: str
) -> None:
    owner = rules.test_client()
    response = save(owner, editor(owner), **{"labels-0": "", "labels-1": "", **fields})
    assert response.status_code == 400
    assert message in text(response)
    assert labels(rules) == {}


def test_the_editor_needs_csrf_the_owner_and_a_language_of_the_shop(
    rules: Flask, make_app: t.Callable[..., Flask]
) -> None:
    owner = rules.test_client()
    page = editor(owner)
    url = "/loyalty/owner/returns/rules/categories"
    no_token = owner.post(f"{url}?lang=hu", data={"language": "hu", "labels-0": "a"})
    assert no_token.status_code == 400
    assert owner.get(f"{url}?lang=de").status_code == 404
    two = {"labels-0": "a", "labels-1": "b"}
    assert save(owner, page, language="de", **two).status_code == 400
    assert owner.get(f"{url}?lang=en").status_code == 302
    assert labels(rules) == {}
    stranger = make_app().test_client()  # no owner_check: 403
    assert stranger.get(f"{url}?lang=hu").status_code == 403
