"""A policy page in several languages: the owner writes a version per offered
language; a reader gets hers, else the default language's with a short note, and
the content says which language it is in."""

from __future__ import annotations

import re
import typing as t

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_loyalty import InvalidPolicy
from flask_loyalty.models import PolicyPage
from flask_loyalty.models import PolicyVersion
from flask_loyalty.policies import service

from .conftest import as_owner
from .conftest import edit
from .conftest import form_token
from .conftest import stored

LANGUAGES = ("en", "et", "hu")
HU = {"Accept-Language": "hu-HU,hu;q=0.9"}
ET = {"Accept-Language": "et"}
NOTE = re.compile(r'<p class="notice" role="note">([^<]*)</p>')


@pytest.fixture
def shop(make_app: t.Callable[..., Flask], database_url: str) -> Flask:
    return make_app(database_url=database_url, LOYALTY_LANGUAGES=LANGUAGES)


def write_both(shop: Flask) -> None:
    client = as_owner(shop)
    url = "/loyalty/owner/policies/shipping"
    assert edit(client, url, title="Shipping", body="Two days.").status_code == 302
    response = edit(
        client,
        url + "?lang=hu",
        title="Szállítás",
        body="Két nap.",
        language="hu",
    )
    assert response.status_code == 302
    assert response.location.endswith("/loyalty/owner/policies/shipping?lang=hu")


def translations(shop: Flask) -> dict[str, t.Any]:
    with shop.app_context():
        session = shop.extensions["loyalty"].session
        page = session.scalar(
            sa.select(PolicyPage).where(PolicyPage.slug == "shipping")
        )
        return dict(page.translations or {}) if page else {}


def test_a_hungarian_reader_gets_the_hungarian_version(shop: Flask) -> None:
    write_both(shop)
    page = shop.test_client().get("/loyalty/policies/shipping", headers=HU)
    html = page.get_data(as_text=True)
    assert '<header lang="hu"><h1>Szállítás</h1></header>' in html
    assert '<div class="policy-text" lang="hu"><p>Két nap.</p>' in html
    assert "Two days." not in html
    assert not NOTE.search(html)
    # the footer link has the title in her language too
    footer = shop.test_client().get("/loyalty/policies/", headers=HU)
    assert "Szállítás" in footer.get_data(as_text=True)
    english = shop.test_client().get("/loyalty/policies/shipping").get_data(True)
    assert '<div class="policy-text" lang="en"><p>Two days.</p>' in english
    assert "Két nap." not in english


def test_without_her_language_the_default_shows_with_a_note(shop: Flask) -> None:
    write_both(shop)
    html = (
        shop.test_client()
        .get("/loyalty/policies/shipping", headers=ET)
        .get_data(as_text=True)
    )
    assert '<html lang="et">' in html
    assert '<header lang="en"><h1>Shipping</h1></header>' in html
    assert '<div class="policy-text" lang="en"><p>Two days.</p>' in html
    note = NOTE.search(html)
    # the languages named in Estonian, as words of the sentence
    assert note and note.group(1) == (
        "See leht ei ole eesti keeles saadaval; näitame seda inglise keeles."
    )


def test_the_editor_picks_a_language_and_shows_which_have_a_version(
    shop: Flask,
) -> None:
    write_both(shop)
    client = as_owner(shop)
    editor = client.get("/loyalty/owner/policies/shipping").get_data(as_text=True)
    picker = editor[editor.index('class="content-languages"') :]
    picker = picker[: picker.index("</nav>")]
    assert 'href="/loyalty/owner/policies/shipping?lang=hu"' in picker
    assert 'href="/loyalty/owner/policies/shipping?lang=et"' in picker
    assert re.search(
        r'aria-current="page"[^>]*><span lang="en" translate="no">English</span>'
        r' <span class="muted">\(written',
        picker,
    )
    assert re.search(r">Magyar</span> <span class=\"muted\">\(written", picker)
    assert re.search(r">Eesti</span> <span class=\"muted\">\(not written yet", picker)
    hungarian = client.get("/loyalty/owner/policies/shipping?lang=hu").get_data(True)
    assert 'value="Szállítás"' in hungarian and "Két nap." in hungarian
    assert 'name="language" type="hidden" value="hu"' in hungarian
    estonian = client.get("/loyalty/owner/policies/shipping?lang=et").get_data(True)
    assert "There is no version in Estonian yet" in estonian
    assert "Két nap." not in estonian and "Two days." not in estonian
    assert client.get("/loyalty/owner/policies/shipping?lang=xx").status_code == 404


def test_preview_in_a_language_saves_nothing(shop: Flask) -> None:
    client = as_owner(shop)
    response = edit(
        client,
        "/loyalty/owner/policies/shipping?lang=hu",
        action="preview",
        title="Szállítás",
        body="**Két** nap.",
        language="hu",
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<div class="policy-text" lang="hu"><p><strong>Két</strong> nap.</p>' in html
    assert stored(shop) == ([], [])


def test_each_save_in_a_language_keeps_the_one_it_replaced(shop: Flask) -> None:
    write_both(shop)
    client = as_owner(shop)
    url = "/loyalty/owner/policies/shipping?lang=hu"
    edit(client, url, title="Szállítás", body="Egy nap.", language="hu")
    edit(client, url, title="Szállítás", body="Egy nap.", language="hu")  # same
    with shop.app_context():
        session = shop.extensions["loyalty"].session
        versions = [
            (v.language, v.body)
            for v in session.scalars(
                sa.select(PolicyVersion).order_by(PolicyVersion.id)
            )
        ]
    assert versions == [("hu", "Két nap.")]
    assert translations(shop)["hu"]["body"] == "Egy nap."
    pages, _ = stored(shop)
    assert pages == [("shipping", "Shipping", "Two days.")]
    editor = client.get(url).get_data(as_text=True)
    old = re.search(
        r'href="(/loyalty/owner/policies/shipping\?[^"]*version=\d+[^"]*)"', editor
    )
    assert old and "lang=hu" in old.group(1)
    restored = client.get(old.group(1).replace("&amp;", "&")).get_data(True)
    assert "Két nap." in restored and 'type="hidden" value="hu"' in restored
    # the English editor lists no Hungarian versions
    english = client.get("/loyalty/owner/policies/shipping").get_data(True)
    assert "Earlier versions" not in english


def test_a_built_in_page_gets_its_default_text_when_first_translated(
    shop: Flask,
) -> None:
    client = as_owner(shop)
    response = edit(
        client,
        "/loyalty/owner/policies/warranty?lang=hu",
        title="Garancia",
        body="Két év.",
        language="hu",
    )
    assert response.status_code == 302
    pages, versions = stored(shop)
    assert (
        pages[0][:2] == ("warranty", "Warranty") and "two\n    years" not in pages[0][2]
    )
    assert pages[0][2].startswith("We repair faults") and versions == []
    html = (
        shop.test_client().get("/loyalty/policies/warranty", headers=HU).get_data(True)
    )
    assert '<div class="policy-text" lang="hu"><p>Két év.</p>' in html


@pytest.mark.parametrize(
    ("language", "body", "message"),
    [
        (
            "xx",
            "Két nap.",
            "&#39;xx&#39; is not one of the shop&#39;s languages (en, et, hu).",
        ),
        ("de", "Zwei Tage.", "&#39;de&#39; is not one of the shop&#39;s languages"),
        ("hu", "  ", "Write the text of the page in this language."),
    ],
)
def test_bad_input_says_what_is_wrong_and_saves_nothing(
    shop: Flask, language: str, body: str, message: str
) -> None:
    client = as_owner(shop)
    url = "/loyalty/owner/policies/shipping"
    page = client.get(url).get_data(as_text=True)
    response = client.post(
        url,
        data={
            "csrf_token": form_token(page),
            "action": "save",
            "title": "Szállítás",
            "body": body,
            "language": language,
        },
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert '<p class="notice bad" role="alert">' in html and message in html
    assert stored(shop) == ([], [])


def test_the_service_refuses_an_unknown_language(shop: Flask) -> None:
    with shop.app_context():
        session = shop.extensions["loyalty"].session
        now = shop.extensions["loyalty"].now()
        with pytest.raises(InvalidPolicy, match="not one of the shop's languages"):
            service.save_page(
                session,
                now,
                "shipping",
                title="T",
                body="B",
                language="fr",
                languages=LANGUAGES,
            )
        with pytest.raises(InvalidPolicy, match="default language first"):
            service.save_page(
                session,
                now,
                "gift-wrapping",
                title="T",
                body="B",
                language="hu",
                languages=LANGUAGES,
                new=True,
            )
        session.rollback()
    assert stored(shop) == ([], [])


@pytest.mark.browser
def test_on_a_phone_without_javascript(
    make_app: t.Callable[..., Flask], live_server: t.Any, browser: t.Any
) -> None:
    """The owner picks Magyar and saves on a phone with scripts off; a Hungarian
    browser gets it, an Estonian one the English page with the note."""
    app = make_app(SERVER_NAME=None, LOYALTY_LANGUAGES=LANGUAGES)
    app.extensions["loyalty"].extension.owner_check(lambda: True)
    base = live_server(app)
    contexts = []
    try:
        phone = browser.new_context(
            viewport={"width": 360, "height": 740}, java_script_enabled=False
        )
        contexts.append(phone)
        owner = phone.new_page()
        owner.goto(f"{base}/loyalty/owner/policies/shipping")
        owner.get_by_role("button", name="Save").click()  # the English starter
        owner.get_by_role("link", name=re.compile("Magyar")).click()
        assert owner.url.endswith("?lang=hu")
        picker = owner.locator("nav.content-languages").bounding_box()
        assert picker and picker["x"] + picker["width"] <= 360
        owner.fill("input[name=title]", "Szállítás")
        owner.fill("textarea[name=body]", "Két nap.")
        owner.get_by_role("button", name="Save").click()
        owner.get_by_text("The page is saved.").wait_for()
        for locale, lang, text, note in (
            ("hu-HU", "hu", "Két nap.", False),
            ("et-EE", "en", "We pack every order by hand", True),
        ):
            reader = browser.new_context(
                locale=locale, viewport={"width": 360, "height": 740}
            )
            contexts.append(reader)
            page = reader.new_page()
            page.goto(f"{base}/loyalty/policies/shipping")
            body = page.locator(".policy-text")
            assert text in body.inner_text()
            assert body.get_attribute("lang") == lang
            assert page.locator("p[role=note]").count() == (1 if note else 0)
    finally:
        for context in contexts:
            context.close()
