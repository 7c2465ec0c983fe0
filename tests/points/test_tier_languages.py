"""The owner writes the tiers' names and perks in each of the shop's languages;
a customer reads her language's version, else the default language's (issue 20)."""

from __future__ import annotations

import html as htmllib
import re
import typing as t

import pytest
from flask import Flask
from flask.testing import FlaskClient

from flask_loyalty import Loyalty
from flask_loyalty.points.program import ProgramSettings
from flask_loyalty.points.program import save_program
from flask_loyalty.points.tiers import TierRule
from flask_loyalty.points.tiers import load_tiers
from flask_loyalty.testing import sign_in

from .conftest import form_token
from .conftest import order

TIERS = [
    TierRule("Friend of the workshop", 0, 10_000, "A card with every parcel"),
    TierRule("Silversmith's circle", 50_000, 15_000, "1.5x points"),
]


@pytest.fixture
def shop(make_app: t.Callable[..., Flask], database_url: str) -> t.Iterator[Flask]:
    """Maria's shop (default English) with her own two tiers, and two customers:
    Zsófia reads Hungarian, Mari Estonian."""
    app = make_app(database_url=database_url)
    with app.app_context():
        loyalty = t.cast(Loyalty, app.extensions["loyalty"].extension)
        state = loyalty.state
        save_program(state.session, state.now(), ProgramSettings(), TIERS, actor="t")
        state.session.commit()
        order(loyalty, "SF-1", "20.00", email="zsofia@example.hu", name="Zsófia")
        order(loyalty, "SF-2", "20.00", email="mari@example.ee", name="Mari")
        loyalty.owner_check(lambda: True)
        yield app


def account(app: Flask, email: str, language: str) -> str:
    client = app.test_client()
    sign_in(client, email)
    response = client.get("/loyalty/", headers={"Accept-Language": language})
    assert response.status_code == 200
    return htmllib.unescape(response.get_data(as_text=True))


def editor(client: FlaskClient, language: str = "hu") -> str:
    response = client.get(f"/loyalty/owner/points/tiers?lang={language}")
    assert response.status_code == 200
    return htmllib.unescape(response.get_data(as_text=True))


def save(client: FlaskClient, page: str, language: str = "hu", **fields: str) -> t.Any:
    return client.post(
        f"/loyalty/owner/points/tiers?lang={language}",
        data={"csrf_token": form_token(page), "language": language, **fields},
    )


HUNGARIAN = {
    "tiers-0-name": "A műhely barátja",
    "tiers-0-perks": "Kézzel írt kártya minden csomagban",
    "tiers-1-name": "Ezüstművesek köre",
    "tiers-1-perks": "",
}


def test_a_tier_renamed_in_hungarian_shows_to_hungarian_readers_only(
    shop: Flask,
) -> None:
    owner = shop.test_client()
    page = editor(owner)
    assert "Friend of the workshop" in page and "(not written yet)" in page
    assert save(owner, page, **HUNGARIAN).status_code == 302

    hungarian = account(shop, "zsofia@example.hu", "hu")
    assert "Az Ön szintje: A műhely barátja" in hungarian
    assert "Kézzel írt kártya minden csomagban" in hungarian
    assert "Ezüstművesek köre" in hungarian  # the next tier, in her language too
    assert "Friend of the workshop" not in hungarian

    estonian = account(shop, "mari@example.ee", "et")
    # the default's words, marked with their language for a screen reader
    assert 'Teie tase: <span lang="en">Friend of the workshop</span>' in estonian
    assert '<span lang="en">A card with every parcel</span>' in estonian
    assert "műhely" not in estonian

    settings = htmllib.unescape(
        owner.get("/loyalty/owner/points/settings").get_data(as_text=True)
    )
    assert "Name written in: English, Hungarian" in settings
    assert re.search(r'lang="hu"[^>]*>.*?Magyar.*?\(written\)', settings)
    assert re.search(r'lang="et"[^>]*>.*?Eesti.*?\(not written yet\)', settings)


def test_renaming_a_tier_drops_its_old_translation_and_a_new_threshold_keeps_it(
    shop: Flask,
) -> None:
    owner = shop.test_client()
    assert save(owner, editor(owner), **HUNGARIAN).status_code == 302
    loyalty = shop.extensions["loyalty"]
    with shop.app_context():
        save_program(
            loyalty.session,
            loyalty.now(),
            ProgramSettings(),
            [
                TierRule(
                    "Friend of the workshop", 0, 12_000, "A card with every parcel"
                ),
                TierRule("Inner circle", 50_000, 15_000, "1.5x points"),
            ],
            actor="t",
        )
        loyalty.session.commit()
        kept, renamed = load_tiers(loyalty.session)
        assert kept.translations == {
            "hu": {
                "name": "A műhely barátja",
                "perks": "Kézzel írt kártya minden csomagban",
                "updated_at": t.cast(dict[str, str], kept.translations)["hu"][
                    "updated_at"
                ],
            }
        }
        assert renamed.translations is None
    hungarian = account(shop, "zsofia@example.hu", "hu")
    assert "Az Ön szintje: A műhely barátja" in hungarian
    assert "Inner circle" in hungarian  # renamed in English: the default's name


def test_built_in_tiers_get_their_own_version_in_one_language(
    make_app: t.Callable[..., Flask],
) -> None:
    app = make_app()
    with app.app_context():
        loyalty = t.cast(Loyalty, app.extensions["loyalty"].extension)
        order(loyalty, "SF-1", "20.00", email="zsofia@example.hu")
        order(loyalty, "SF-2", "20.00", email="mari@example.ee")
        loyalty.owner_check(lambda: True)
    owner = app.test_client()
    page = editor(owner)
    # the built-in name in Hungarian, marked as such on the owner's English page
    assert 'Empty: readers see “<span lang="hu">Alap</span>”.' in page
    names = {"tiers-0-name": "Kezdő", "tiers-1-name": "", "tiers-2-name": ""}
    assert save(owner, page, **names).status_code == 302
    assert "Az Ön szintje: Kezdő" in account(app, "zsofia@example.hu", "hu")
    assert "Teie tase: Põhi" in account(app, "mari@example.ee", "et")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"tiers-0-perks": "Ajándék"}, "Give each tier with perks a name, too."),
        ({"tiers-0-name": "x" * 51}, "Field cannot be longer than 50 characters."),
        ({"tiers-0-name": "Barát\x07"}, "Write the names and perks as plain text."),
        ({"tiers-2-name": "Harmadik"}, "The tiers changed meanwhile"),
    ],
)
def test_bad_input_is_shown_again_with_a_message_and_changes_nothing(
    shop: Flask, fields: dict[str, str], message: str
) -> None:
    owner = shop.test_client()
    page = editor(owner)
    data = {"tiers-0-name": "", "tiers-1-name": "", **fields}
    response = save(owner, page, **data)
    assert response.status_code == 400
    again = htmllib.unescape(response.get_data(as_text=True))
    assert message in again
    with shop.app_context():
        assert all(
            tier.translations is None
            for tier in load_tiers(shop.extensions["loyalty"].session)
        )


def test_the_editor_needs_csrf_the_owner_and_a_language_of_the_shop(
    shop: Flask, make_app: t.Callable[..., Flask]
) -> None:
    owner = shop.test_client()
    page = editor(owner)
    no_token = owner.post(
        "/loyalty/owner/points/tiers?lang=hu",
        data={"language": "hu", **HUNGARIAN},
    )
    assert no_token.status_code == 400
    assert owner.get("/loyalty/owner/points/tiers?lang=de").status_code == 404
    bad_language = save(owner, page, language="de", **HUNGARIAN)
    assert bad_language.status_code == 400
    default = owner.get("/loyalty/owner/points/tiers?lang=en")
    assert default.status_code == 302 and default.location.endswith("/settings")
    with shop.app_context():
        assert all(
            tier.translations is None
            for tier in load_tiers(shop.extensions["loyalty"].session)
        )
    stranger = make_app().test_client()  # no owner_check: 403
    assert stranger.get("/loyalty/owner/points/tiers?lang=hu").status_code == 403
