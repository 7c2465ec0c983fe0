"""A campaign in several languages: the owner writes a subject and body per
offered language; each subscriber gets hers, else the shop's default language's;
the owner previews each language."""

from __future__ import annotations

import re
import typing as t

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_loyalty import InvalidContent
from flask_loyalty.models import OutboxMessage
from flask_loyalty.newsletter import campaigns
from flask_loyalty.newsletter import preferences
from flask_loyalty.newsletter import service
from flask_loyalty.newsletter.campaigns import save_text
from flask_loyalty.newsletter.mail import build_due_campaigns
from flask_loyalty.newsletter.models import Campaign

from .conftest import form_token

LANGUAGES = ("en", "et", "hu")
HU_SUBJECT = "Újdonságok, {{ first_name or 'kedves olvasó' }}"
HU_BODY = "Kedves {{ first_name or 'olvasó' }},\n\n**Új gyűrűk** érkeztek."


@pytest.fixture
def app(make_app: t.Callable[..., Flask], database_url: str) -> Flask:
    return make_app(database_url=database_url, LOYALTY_LANGUAGES=LANGUAGES)


@pytest.fixture
def shop(app: Flask) -> t.Iterator[t.Any]:
    """Subscribers who read Hungarian, Estonian, and nothing stored."""
    with app.app_context():
        state = app.extensions["loyalty"]
        s, now = state.session, state.now()
        pieces = preferences.add_topic(s, now, "New pieces")
        consent = service.Consent("Yes", "1", "test")
        for email, name, locale in (
            ("eva@example.hu", "Éva", "hu"),
            ("anna@example.ee", "Anna", "et"),
            ("bob@example.com", "Bob", None),
        ):
            sub, _ = service.subscribe(
                s,
                now,
                email=email,
                first_name=name,
                topic_ids=[pieces.id],
                consent=consent,
                locale=locale,
            )
            service.confirm(s, now, sub)
        s.commit()
        state.topic_id = pieces.id
        yield state


def new_campaign(state: t.Any) -> Campaign:
    campaign = campaigns.save_campaign(
        state.session,
        state.now(),
        None,
        subject="News for {{ first_name or 'you' }}",
        body="Dear {{ first_name or 'friend' }},\n\n**New rings** are in.",
        topic_ids=[state.topic_id],
    )
    state.session.commit()
    return campaign


def campaign_mail(state: t.Any) -> dict[str, OutboxMessage]:
    messages = state.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.kind == "campaign")
    )
    return {m.to_addr: m for m in messages}


def test_each_subscriber_gets_hers_or_the_default(shop: t.Any) -> None:
    campaign = new_campaign(shop)
    save_text(campaign, shop.now(), "hu", LANGUAGES, subject=HU_SUBJECT, body=HU_BODY)
    campaigns.schedule(shop.session, shop.now(), campaign, shop.now())
    shop.session.commit()
    assert build_due_campaigns(shop) == 1
    mail = campaign_mail(shop)
    eva = mail["eva@example.hu"]
    assert eva.subject == "Újdonságok, Éva"
    assert "Kedves Éva," in eva.text_body and "Dear" not in eva.text_body
    assert "<strong>Új gyűrűk</strong>" in (eva.html_body or "")
    for email, name in (("anna@example.ee", "Anna"), ("bob@example.com", "Bob")):
        assert mail[email].subject == f"News for {name}"
        assert f"Dear {name}," in mail[email].text_body
        assert "Kedves" not in mail[email].text_body


@pytest.mark.parametrize(
    ("language", "subject", "body", "error"),
    [
        ("xx", "Hírek", HU_BODY, "'xx' is not one of the shop's languages"),
        ("de", "Neues", "Neue Ringe.", "'de' is not one of the shop's languages"),
        ("hu", "Hírek", "  \n", "Write the campaign's text."),
        ("hu", "", HU_BODY, "Give the campaign a subject"),
        ("hu", "Hírek", "Kedves {{ first_name", "Line 1"),
    ],
)
def test_bad_input_is_refused_and_nothing_saved(
    shop: t.Any, language: str, subject: str, body: str, error: str
) -> None:
    campaign = new_campaign(shop)
    with pytest.raises(InvalidContent, match=re.escape(error)):
        save_text(campaign, shop.now(), language, LANGUAGES, subject=subject, body=body)
    shop.session.rollback()
    assert shop.session.get(Campaign, campaign.id).translations is None


def test_a_sent_campaign_cannot_get_a_new_language(shop: t.Any) -> None:
    campaign = new_campaign(shop)
    campaigns.schedule(shop.session, shop.now(), campaign, shop.now())
    shop.session.commit()
    build_due_campaigns(shop)
    shop.session.refresh(campaign)
    with pytest.raises(InvalidContent, match="can no longer change"):
        save_text(campaign, shop.now(), "hu", LANGUAGES, subject="Hírek", body=HU_BODY)


def test_the_owner_writes_and_previews_each_language(app: Flask, shop: t.Any) -> None:
    campaign = new_campaign(shop)
    app.extensions["loyalty"].extension.owner_check(lambda: True)
    client = app.test_client()
    base = f"/loyalty/owner/newsletter/campaigns/{campaign.id}"
    page = client.get(base).get_data(as_text=True)
    assert f'href="{base}/language?lang=hu"' in page
    assert re.search(r">Magyar</span> <span class=\"muted\">\(not written yet", page)
    editor = client.get(f"{base}/language?lang=hu").get_data(as_text=True)
    assert "There is no version in Hungarian yet" in editor
    saved = client.post(
        f"{base}/language?lang=hu",
        data={
            "csrf_token": form_token(editor),
            "language": "hu",
            "subject": HU_SUBJECT,
            "body": HU_BODY,
        },
    )
    assert saved.status_code == 302
    shop.session.expire_all()
    stored = shop.session.get(Campaign, campaign.id).translations
    assert stored["hu"]["subject"] == HU_SUBJECT and stored["hu"]["body"] == HU_BODY
    page = client.get(base).get_data(as_text=True)
    assert re.search(r">Magyar</span> <span class=\"muted\">\(written", page)
    hu = client.get(f"{base}/preview?lang=hu").get_data(as_text=True)
    assert "Újdonságok, Anna" in hu and "Kedves Anna," in hu
    et = client.get(f"{base}/preview?lang=et").get_data(as_text=True)
    assert "News for Anna" in et and "There is no version in Estonian yet" in et
    assert client.get(f"{base}/preview?lang=xx").status_code == 404
    assert client.get(f"{base}/language?lang=xx").status_code == 404


@pytest.mark.parametrize(
    ("language", "body", "error"),
    [
        ("xx", HU_BODY, "&#39;xx&#39; is not one of the shop&#39;s languages"),
        ("hu", "", "Write the campaign&#39;s text."),
    ],
)
def test_bad_input_in_the_editor_saves_nothing(
    app: Flask, shop: t.Any, language: str, body: str, error: str
) -> None:
    campaign = new_campaign(shop)
    app.extensions["loyalty"].extension.owner_check(lambda: True)
    client = app.test_client()
    url = f"/loyalty/owner/newsletter/campaigns/{campaign.id}/language"
    editor = client.get(url + "?lang=hu").get_data(as_text=True)
    response = client.post(
        url,
        data={
            "csrf_token": form_token(editor),
            "language": language,
            "subject": "Hírek",
            "body": body,
        },
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'class="notice bad" role="alert"' in html and error in html
    shop.session.expire_all()
    assert shop.session.get(Campaign, campaign.id).translations is None


def test_others_cannot_reach_the_editor(app: Flask, shop: t.Any) -> None:
    campaign = new_campaign(shop)
    url = f"/loyalty/owner/newsletter/campaigns/{campaign.id}/language?lang=hu"
    assert app.test_client().get(url).status_code == 403
