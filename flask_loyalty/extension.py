"""The :class:`Loyalty` extension object and the per-app state it registers."""

from __future__ import annotations

import functools
import typing as t
from datetime import datetime
from decimal import Decimal

from flask import Flask
from flask import current_app
from flask_sqlalchemy import SQLAlchemy

import flask_loyalty.signals as signals

from .codes.api import quote_discount
from .codes.api import redeem_discount
from .customers.models import Customer
from .customers.views import current_customer
from .db import after_commit
from .db import atomic
from .hooks import CatalogLoader
from .hooks import CatalogProduct
from .hooks import CustomerLoader
from .hooks import LocaleSelector
from .hooks import OrderLine
from .hooks import OwnerCheck
from .locales import choose_language
from .locales import visitor_language
from .orders import refunds
from .orders import service as orders
from .orders.delivery import mark_delivered
from .orders.models import Order
from .orders.models import Refund
from .outbox.queueing import queue_mail
from .setup import set_up
from .state import LoyaltyState

if t.TYPE_CHECKING:
    from .codes.checkout import DiscountQuote
    from .codes.models import CodeRedemption

F = t.TypeVar("F", bound=t.Callable[..., t.Any])


class Loyalty:
    """Newsletter, points, offers and returns for a Flask shop.

    ``Loyalty(app, db=db)``, or ``loyalty = Loyalty(db=db)`` then
    ``loyalty.init_app(app)`` in an app factory. One object can serve several apps;
    nothing app-specific is stored on it.

    :param app: the Flask app, or ``None`` to call :meth:`init_app` later.
    :param db: the shop's :class:`~flask_sqlalchemy.SQLAlchemy`; by default the one
        registered on the app.
    """

    def __init__(
        self, app: Flask | None = None, *, db: SQLAlchemy | None = None
    ) -> None:
        self._db = db
        self._customer_loader: CustomerLoader | None = None
        self._owner_check: OwnerCheck | None = None
        self._catalog_loader: CatalogLoader | None = None
        self._locale_selector: LocaleSelector | None = None
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask, *, db: SQLAlchemy | None = None) -> None:
        """Set up ``app``: config defaults, the blueprint, the CLI, Babel and Mail.

        :raises RuntimeError: if the app was set up before, has no Flask-SQLAlchemy,
            or has a config value that cannot work.
        """
        set_up(app, self, db or self._db)

    # -- hooks the shop sets ------------------------------------------------------

    def customer_loader(self, callback: F) -> F:
        """Set the function that says who is shopping now.

        It takes no arguments and returns a :class:`~flask_loyalty.ShopCustomer`, or
        ``None`` for a guest. Without it, customers reach their account through a
        sign-in link sent by email.
        """
        self._customer_loader = callback
        return callback

    def owner_check(self, callback: F) -> F:
        """Set the function that says whether this request may use the owner pages.

        It takes no arguments and returns ``True`` for the shop owner. Without it,
        every owner page answers 403 Forbidden.
        """
        self._owner_check = callback
        return callback

    def catalog_loader(self, callback: F) -> F:
        """Set the function that lists the shop's products for personal offers.

        It takes no arguments and returns an iterable of
        :class:`~flask_loyalty.CatalogProduct`.
        """
        self._catalog_loader = callback
        return callback

    def locale_selector(self, callback: F) -> F:
        """Set the function that says which language the loyalty pages are in.

        It takes no arguments and returns a code such as ``"et"`` (the shop usually
        knows the language), or ``None`` to let the visitor's choice in the language
        switch, then her browser, decide. A code not in ``LOYALTY_LANGUAGES`` counts
        as ``None``.
        """
        self._locale_selector = callback
        return callback

    def is_owner(self) -> bool:
        """Whether this request passes ``owner_check`` (``False`` without one)."""
        return self._owner_check is not None and bool(self._owner_check())

    def shop_customer(self) -> t.Any:
        """What ``customer_loader`` returns now, or ``None`` without a loader."""
        return self._customer_loader() if self._customer_loader else None

    def catalog(self) -> list[CatalogProduct]:
        """The shop's products from ``catalog_loader``.

        :raises RuntimeError: if no catalog loader was set.
        """
        if self._catalog_loader is None:
            raise RuntimeError(
                "Personal offers need the shop's products: decorate a function that"
                " returns CatalogProduct objects with '@loyalty.catalog_loader'."
            )
        return list(self._catalog_loader())

    # -- calls the shop makes -----------------------------------------------------

    @property
    def state(self) -> LoyaltyState:
        """The state of the current app.

        :raises RuntimeError: if this extension was not set up on the current app.
        """
        state = current_app.extensions.get("loyalty")
        if state is None or state.extension is not self:
            raise RuntimeError(
                "The current Flask app is not registered with this 'Loyalty'"
                " instance. Did you forget to call 'init_app'?"
            )
        return t.cast(LoyaltyState, state)

    def record_order(
        self,
        order_id: str,
        *,
        email: str,
        total: Decimal,
        items: t.Sequence[OrderLine | t.Mapping[str, t.Any]] = (),
        shipping: Decimal = Decimal(0),
        discount: Decimal = Decimal(0),
        currency: str | None = None,
        name: str | None = None,
        customer_id: str | None = None,
        locale: str | None = None,
        placed_at: datetime | None = None,
        commit: bool = True,
    ) -> Order:
        """Record a paid order; call it at checkout. Idempotent by ``order_id``.

        ``total`` must equal the items' prices times quantities, less ``discount``,
        plus ``shipping`` (when items are given). ``customer_id`` is the shop's own
        user id, if she is signed in. With ``commit=False`` the order joins the
        session's transaction and the shop commits it with its own writes.

        :raises LoyaltyError: a subclass saying what is wrong (``InvalidEmail``,
            ``InvalidAmount``, ``UnknownCurrency``, ``InvalidOrder``,
            ``OrderConflict``); nothing is stored.
        """
        state = self.state
        order, created = orders.record_order(
            state.session,
            state.now(),
            order_id=order_id,
            email=email,
            total=total,
            items=items,
            shipping=shipping,
            discount=discount,
            currency=state.settings.currency if currency is None else currency,
            name=name,
            external_customer_id=customer_id,
            locale=locale,
            placed_at=placed_at,
            # Her language for email: what she reads the shop in, if known.
            fallback_locale=visitor_language(state) if locale is None else None,
            hooks=[functools.partial(hook, state) for hook in state.order_hooks],
            gates=[state.order_hook_gates.get(hook) for hook in state.order_hooks],
            reads=[state.order_hook_reads.get(hook) for hook in state.order_hooks],
        )
        if created:
            self._announce(
                state, signals.order_recorded, order=order, customer=order.customer
            )
        if commit:
            state.session.commit()
        return order

    def record_refund(
        self,
        order_id: str,
        *,
        refund_id: str,
        amount: Decimal | None = None,
        items: t.Mapping[str, int] | None = None,
        shipping: Decimal | None = None,
        reason: str | None = None,
        commit: bool = True,
    ) -> Refund:
        """Record money given back on an order. Idempotent by ``refund_id``.

        Give ``amount``, ``items`` (``{sku: quantity}``; the amount is then their
        price) or both (an amount up to the items' price). ``shipping`` says how
        much of the money gives back shipping, which earned no points (with no
        ``amount``, it is added to the items' price, or is the whole refund).

        :raises LoyaltyError: ``UnknownOrder``, ``InvalidAmount`` or
            ``InvalidRefund``; nothing is stored.
        """
        state = self.state
        refund, created = refunds.record_refund(
            state.session,
            state.now(),
            order_id=order_id,
            refund_id=refund_id,
            amount=amount,
            items=items,
            shipping=shipping,
            reason=reason,
        )
        self._run_hooks(state, state.refund_hooks, refund)
        if created:
            self._announce(
                state, signals.refund_recorded, refund=refund, order=refund.order
            )
        if commit:
            state.session.commit()
        return refund

    def mark_delivered(
        self, order_id: str, *, at: datetime | None = None, commit: bool = True
    ) -> Order:
        """Record that the order reached her at ``at`` (aware; default: now), for
        a return window that counts from delivery (``LOYALTY_RETURN_WINDOW_FROM =
        "delivery"``). Call it from your shipping integration; again to correct it.

        :raises LoyaltyError: ``UnknownOrder`` or ``InvalidOrder`` (a naive time,
            one before the order or in the future); nothing is stored.
        """
        state = self.state
        order = mark_delivered(state.session, state.now(), order_id, at)
        if commit:
            state.session.commit()
        return order

    def quote_discount(
        self,
        code: str,
        *,
        email: str | None,
        subtotal: Decimal,
        items: t.Sequence[OrderLine | t.Mapping[str, t.Any]] = (),
        currency: str | None = None,
    ) -> DiscountQuote:
        """What a discount code gives this cart, before payment; writes nothing.

        The :class:`~flask_loyalty.DiscountQuote` has ``discount`` and
        ``description``, or the ``reason`` it gives nothing and its ``message``.
        Attempts per client IP are limited by ``LOYALTY_CODE_RATE_LIMIT``.

        :raises InvalidAmount, InvalidOrder: a bad subtotal, price or item.
        """
        return quote_discount(
            self.state,
            code,
            email=email,
            subtotal=subtotal,
            items=items,
            currency=currency,
        )

    def redeem_discount(
        self,
        code: str,
        order_id: str,
        *,
        email: str | None = None,
        subtotal: Decimal | None = None,
        items: t.Sequence[OrderLine | t.Mapping[str, t.Any]] | None = None,
        commit: bool = True,
    ) -> CodeRedemption:
        """Use a discount code on a recorded order (or on ``email`` and
        ``subtotal``), atomically: of concurrent uses of a single-use code, one
        wins. The same order again returns the first :class:`CodeRedemption`.

        :raises LoyaltyError: ``UnknownCode``, ``CodeExpired``, ``CodeUsed``,
            ``CodeNotYours`` or ``CodeNotApplicable``; nothing is written.
        """
        redemption = redeem_discount(
            self.state, code, order_id, email=email, subtotal=subtotal, items=items
        )
        if commit:
            self.state.session.commit()
        return redemption

    def send_mail(
        self,
        to: str,
        subject: str,
        text: str,
        *,
        html: str | None = None,
        kind: str = "shop",
        commit: bool = True,
        language: str | None = None,
    ) -> None:
        """Queue an email of the shop's own (an address check at sign-up, say) in
        the loyalty outbox: the worker delivers it like the extension's mail, with
        DKIM, retries, and the suppression list of addresses that bounced.
        ``language`` ("hu") goes in its ``Content-Language`` header.

        :raises ValueError: a subject with a line break.
        """
        state = self.state
        queue_mail(
            state.session,
            state.now(),
            kind=kind,
            to=to,
            subject=subject,
            text=text,
            html=html,
            language=language,
        )
        if commit:
            state.session.commit()

    def page_language(self) -> str:
        """The language of this request's loyalty pages: the ``locale_selector``
        hook's, else her switch, else the language stored with the signed-in
        customer, else her browser's, else the default. Give it to Flask-Babel as
        your own ``locale_selector`` and your pages follow the same choice::

            Babel(app, locale_selector=loyalty.page_language)
        """
        return choose_language(self.state)[0]

    def current_customer(self) -> Customer | None:
        """The loyalty customer of this request: from ``customer_loader``, else
        from a sign-in link she followed; ``None`` for an anonymous visitor."""
        return current_customer(self.state)

    @staticmethod
    def _run_hooks(state: LoyaltyState, hooks: list[t.Any], subject: t.Any) -> None:
        if hooks:
            atomic(
                state.session,
                lambda: [hook(state, subject) for hook in hooks],
                mapper=type(subject),
            )

    @staticmethod
    def _announce(state: LoyaltyState, signal: t.Any, **kwargs: t.Any) -> None:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        after_commit(state.session, lambda: signal.send(app, **kwargs))
