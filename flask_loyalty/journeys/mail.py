"""The email of a journey step: rendered once per step and language like a
campaign, then filled in with each reader's name and signed links."""

from __future__ import annotations

import typing as t
from datetime import datetime
from types import SimpleNamespace

import sqlalchemy as sa
from flask_babel import format_currency
from markupsafe import Markup

import flask_loyalty.content_versions as content_versions

from ..content import markdown_text
from ..customers.models import Customer
from ..i18n import _
from ..locales import reader_language
from ..locales import reader_locale
from ..money import from_minor
from ..newsletter.campaigns import PREFERENCES
from ..newsletter.campaigns import UNSUBSCRIBE
from ..newsletter.campaigns import CampaignRenderer
from ..newsletter.mail import PLACEHOLDER
from ..newsletter.mail import NewsletterMailer
from ..newsletter.mail import preferences_token
from ..newsletter.models import Subscriber
from ..offers.suggest import shop_catalog
from ..offers.suggest import suggest_for
from ..orders.models import Order
from ..orders.models import OrderItem
from ..outbox.brand import render_mail
from ..outbox.models import OutboxMessage
from ..outbox.queueing import queue_mail
from . import models as jm

if t.TYPE_CHECKING:
    from ..newsletter.mail import NewsletterMailer
    from ..state import LoyaltyState

MAIL_KIND = "journey"


def _plain(text: str) -> str:
    """A product name as literal Markdown text (no links, no template tags)."""
    return markdown_text(" ".join(str(text).split()))


def with_products(
    state: LoyaltyState, step: t.Any, picks: list[dict[str, t.Any]], language: str
) -> t.Any:
    """The step with a list of suggested products under its text, in Markdown
    that the sandbox leaves alone."""
    currency = state.settings.currency
    with reader_locale(state, language):
        lines = [f"**{_plain(_('Pieces that go with yours'))}**", ""]
        for pick in picks:
            price = format_currency(from_minor(pick["price_cents"], currency), currency)
            name = _plain(pick["name"])
            url = pick.get("url") or ""
            shown = (
                f"[{name}](<{url}>)"
                if url.startswith(("https://", "http://"))
                else name
            )
            lines.append(f"- {shown} · {price}")
    block = "\n".join(lines).replace("{%", "").replace("%}", "")
    body = f"{step.body}\n\n{{% raw %}}{block}{{% endraw %}}"
    return SimpleNamespace(subject=step.subject, body=body)


def wrap_step(
    state: LoyaltyState, body: str, body_html: Markup, language: str | None
) -> tuple[str, str]:
    """The journey email around its body, with the link placeholders."""
    with reader_locale(state, language):
        return render_mail(
            "journey_step",
            body=body,
            body_html=body_html,
            unsubscribe_url=UNSUBSCRIBE,
            preferences_url=PREFERENCES,
            shop_name=state.settings.shop_name,
        )


def step_renderer(
    state: LoyaltyState, step: t.Any, language: str | None
) -> CampaignRenderer:
    """The step's email rendered once (subject and body are all it reads), in
    ``language``, the language its text is written in."""
    code = reader_language(state, language)
    return CampaignRenderer(
        t.cast(t.Any, step),
        state.settings.shop_name,
        lambda body, html: wrap_step(state, body, html, code),
        language=code,
    )


class StepMailer:
    """Queues step emails for one worker run, keeping what it rendered.

    :raises InvalidContent: from :meth:`queue`, if a step cannot be filled in.
    """

    def __init__(self, state: LoyaltyState) -> None:
        self.state = state
        self._newsletter: NewsletterMailer | None = None
        self._renderers: dict[tuple[t.Any, ...], CampaignRenderer] = {}
        self._catalog: list[t.Any] | None = None

    def suggestions(self, email: str) -> list[dict[str, t.Any]]:
        """Products that go with her last order (none without a catalog_loader)."""
        if self._catalog is None:
            self._catalog = shop_catalog(self.state)
        session = self.state.session
        customer_id = session.scalar(
            sa.select(Customer.id).where(Customer.email == email)
        )
        if not self._catalog or customer_id is None:
            return []
        last = session.scalar(
            sa.select(Order)
            .where(Order.customer_id == customer_id)
            .order_by(Order.placed_at.desc(), Order.id.desc())
            .limit(1)
        )
        if last is None:
            return []
        owned = set(
            session.scalars(
                sa.select(OrderItem.sku)
                .join(Order, Order.id == OrderItem.order_id)
                .where(Order.customer_id == customer_id)
            )
        )
        currency = self.state.settings.currency
        return suggest_for(self.state, self._catalog, last.items, currency, owned=owned)

    @property
    def newsletter(self) -> NewsletterMailer:
        """Links and headers as campaigns have them (built when first needed)."""
        if self._newsletter is None:
            self._newsletter = NewsletterMailer(self.state)
        return self._newsletter

    def queue(
        self, step: jm.Step, subscriber: Subscriber, now: datetime
    ) -> OutboxMessage:
        """Her copy of the step's email, in the outbox of this transaction, with
        her signed preferences and one-click unsubscribe links."""
        # The step's text in her language if the owner wrote it, else the
        # default's: the whole email is in that one language, the products and
        # the links around it too.
        version = content_versions.read(
            step,
            ("subject", "body"),
            reader_language(self.state, subscriber.locale),
            self.state.settings.languages,
        )
        code = version.language
        picks = self.suggestions(subscriber.email) if step.suggest else []
        key = (step.id, code, *(pick["sku"] for pick in picks))
        if key not in self._renderers:  # one per step, language and suggestions
            text = SimpleNamespace(subject=version["subject"], body=version["body"])
            source = with_products(self.state, text, picks, code) if picks else text
            self._renderers[key] = step_renderer(self.state, source, code)
        links = self.newsletter
        token = preferences_token(subscriber)
        unsubscribe = links.unsubscribe_base.replace(PLACEHOLDER, token)
        preferences = links.preferences_base.replace(PLACEHOLDER, token)
        rendered = self._renderers[key].message(
            subscriber.first_name, unsubscribe, preferences
        )
        return queue_mail(
            self.state.session,
            now,
            kind=MAIL_KIND,
            to=subscriber.email,
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            headers=links.headers(unsubscribe, t.cast(t.Any, None)),
            language=code,
        )
