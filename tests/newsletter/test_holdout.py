"""A campaign can hold back a share of its subscribers (off unless she says)."""

from __future__ import annotations

import typing as t

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_loyalty import InvalidHoldout
from flask_loyalty.measure.models import HoldoutDecision
from flask_loyalty.newsletter import campaigns
from flask_loyalty.newsletter import figures
from flask_loyalty.newsletter import preferences
from flask_loyalty.newsletter import service as newsletter
from flask_loyalty.newsletter.mail import NewsletterMailer
from flask_loyalty.newsletter.models import SKIPPED_HOLDOUT
from flask_loyalty.newsletter.models import Campaign
from flask_loyalty.newsletter.models import CampaignRecipient
from flask_loyalty.newsletter.service import Consent


def _subscribers(state: t.Any, topic_id: int, n: int) -> None:
    for i in range(n):
        subscriber, _send = newsletter.subscribe(
            state.session,
            state.now(),
            email=f"s{i}@example.com",
            first_name="Anna",
            topic_ids=[topic_id],
            consent=Consent(text="Yes", version="1", source="test", ip=None),
        )
        newsletter.confirm(state.session, state.now(), subscriber)
    state.session.commit()


def _campaign(state: t.Any, topic_id: int, **options: t.Any) -> Campaign:
    return campaigns.save_campaign(
        state.session,
        state.now(),
        None,
        subject="Spring",
        body="Hi",
        topic_ids=[topic_id],
        **options,
    )


def test_held_out_subscribers_get_no_copy_and_are_counted(
    make_app: t.Callable[..., Flask], database_url: str
) -> None:
    app = make_app(database_url=database_url, LOYALTY_NEWSLETTER_MIN_DAYS=0)
    with app.app_context(), app.test_request_context():
        state = app.extensions["loyalty"]
        topic = preferences.add_topic(state.session, state.now(), "News")
        _subscribers(state, topic.id, 40)
        off = _campaign(state, topic.id)
        held = _campaign(state, topic.id, holdout_percent=30)
        state.session.commit()
        for campaign in (off, held):
            campaigns.build(
                state.session,
                state.settings.clock,
                campaign,
                NewsletterMailer(state),
                min_days=0,
            )
        decided = state.session.scalars(sa.select(HoldoutDecision)).all()
        assert {d.measure_id for d in decided} == {held.id}  # off: nothing recorded
        out = {d.subscriber_id for d in decided if d.held_out}
        assert 3 <= len(out) <= 22
        skipped = set(
            state.session.scalars(
                sa.select(CampaignRecipient.subscriber_id).where(
                    CampaignRecipient.campaign_id == held.id,
                    CampaignRecipient.skipped == SKIPPED_HOLDOUT,
                )
            )
        )
        assert skipped == out
        report = figures.report(state.session, held)
        assert report.held_out == len(out)
        assert report.queued == 40 - len(out)
        assert figures.report(state.session, off).held_out == 0


@pytest.mark.parametrize("share", (-1, 51))
def test_a_bad_share_is_refused_and_nothing_saved(app: Flask, share: int) -> None:
    with app.app_context():
        state = app.extensions["loyalty"]
        topic = preferences.add_topic(state.session, state.now(), "News")
        with pytest.raises(InvalidHoldout):
            _campaign(state, topic.id, holdout_percent=share)
        state.session.rollback()
        assert state.session.scalar(sa.select(sa.func.count(Campaign.id))) == 0
