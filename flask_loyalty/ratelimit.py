"""Rate limits for what a visitor can trigger: mail to an address, lookups, code checks.

The counting is the ``limits`` package's moving window, kept in memory (one process,
the default) or in Redis (every worker and machine of the shop). The policy is here:
which limit applies to which kind of request, and what the key of a count is.

Keys never hold an address or an IP: each is an HMAC under the app's ``SECRET_KEY``.
Addresses are folded for the count only (:func:`fold_address`), so
``victim+1@``, ``victim+2@`` and ``v.i.c.t.i.m@`` share one budget.
"""

from __future__ import annotations

import hashlib
import hmac
import typing as t

from flask import current_app
from limits import RateLimitItem
from limits import RateLimitItemPerSecond
from limits import parse_many
from limits.errors import ConfigurationError
from limits.storage import MovingWindowSupport
from limits.storage import Storage
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from .i18n import _

if t.TYPE_CHECKING:
    from .settings import Settings

Rate = tuple[RateLimitItem, ...]

KEY_PREFIX = "flask-loyalty"


def parse_rate(key: str, value: object) -> Rate:
    """Read the config value ``key``: a rate in the ``limits`` notation such as
    ``"20/15 minutes"`` or ``"3/hour;5/day"``, or ``(attempts, seconds)``.

    :raises RuntimeError: for anything else, naming the key and a working value.
    """
    try:
        if isinstance(value, str):
            rate = tuple(parse_many(value))
        elif (
            isinstance(value, tuple | list)
            and len(value) == 2
            and all(type(n) is int for n in value)
        ):
            rate = (RateLimitItemPerSecond(value[0], value[1]),)
        else:
            raise ValueError(value)
        if not rate or any(item.amount < 1 or item.get_expiry() < 1 for item in rate):
            raise ValueError(value)
    except ValueError:
        raise RuntimeError(
            f"{key} must be a rate such as '5/hour' or '3/hour;5/day' (the 'limits'"
            f" notation: N per second, minute, hour or day), not {value!r}."
        ) from None
    return rate


def make_storage(url: str | None) -> Storage:
    """The ``limits`` storage for ``LOYALTY_RATE_LIMIT_STORAGE_URL``.

    :raises RuntimeError: for a URL ``limits`` cannot use or one whose storage keeps
        no moving window (memcached).
    """
    url = url or "memory://"
    problem = ""
    try:
        storage = storage_from_string(url, key_prefix=KEY_PREFIX)
    except (ConfigurationError, ValueError, TypeError) as error:
        problem = str(error)
    else:
        if isinstance(storage, MovingWindowSupport):
            return storage
        problem = "this storage keeps no moving window"
    raise RuntimeError(
        "LOYALTY_RATE_LIMIT_STORAGE_URL must be 'memory://' (one process) or"
        f" 'redis://host:6379/0' (shared by every worker), not {url!r}: {problem}."
        " Redis needs the extra: pip install 'flask-loyalty[redis]'."
    )


def fold_address(email: str) -> str:
    """The form of ``email`` that counts against a limit, never used to send.

    Lower case; a ``+tag`` dropped from the local part; dots dropped from the local
    part for every domain (Gmail ignores them, and two people whose addresses differ
    only by a dot at one domain merely share a budget); ``googlemail.com`` is
    ``gmail.com``.
    """
    local, _at, domain = email.strip().lower().rpartition("@")
    local = local.split("+", 1)[0].replace(".", "")
    if domain == "googlemail.com":
        domain = "gmail.com"
    return f"{local}@{domain}"


class Limiter:
    """Counts requests per client IP and per recipient (or other key) for each kind.

    ``kind`` names the form or endpoint: ``"sign-in"``, ``"subscribe"``,
    ``"newsletter-link"``, ``"return"`` for mail (any name works, each its own
    count); ``"return-lookup"`` and ``"code"`` for the limits in ``keyed``.
    Over a limit, a form shows :meth:`refusal` with status 429 and sends nothing.
    """

    def __init__(
        self,
        storage: Storage,
        *,
        per_client: Rate,
        per_recipient: Rate,
        keyed: dict[str, Rate],
    ) -> None:
        self.storage = storage
        self.per_client = per_client
        self.per_recipient = per_recipient
        self.keyed = keyed
        self._window = MovingWindowRateLimiter(storage)

    def allow_mail(self, kind: str, email: str, client_ip: str | None) -> bool:
        """Count a request that may send mail of ``kind`` to ``email``; ``False``
        once the client or the (folded) address is over its limit.

        Call it before looking the address up, so that a known and an unknown
        address count the same. A client over its own limit uses up nothing of the
        address's budget.
        """
        return self._hit(self.per_client, kind, "ip", client_ip or "unknown") and (
            self._hit(self.per_recipient, kind, "to", fold_address(email))
        )

    def allow(self, kind: str, key: str, client_ip: str | None = None) -> bool:
        """Count a request of ``kind`` against ``key`` (an order number, a client
        IP...) and, when given, against ``client_ip``.

        :raises KeyError: for a kind without a limit of its own.
        """
        rate = self.keyed[kind]
        if client_ip is not None and not self._hit(
            self.per_client, kind, "ip", client_ip
        ):
            return False
        return self._hit(rate, kind, "key", key)

    def refusal(self) -> str:
        """What a visitor over a limit reads, in her language; the same whichever
        limit it was, so it says nothing about the address."""
        return _(
            "Too many requests. Please check your inbox (and spam folder) for an"
            " earlier email, or try again later."
        )

    def _hit(self, rate: Rate, kind: str, what: str, value: str) -> bool:
        key = _digest(f"{kind}\0{what}\0{value}")
        # A refused hit records nothing; the first refusal ends the count.
        return all(self._window.hit(item, kind, key) for item in rate)


def _digest(text: str) -> str:
    secret = current_app.config.get("SECRET_KEY")
    if not secret:
        raise RuntimeError("flask-loyalty keys rate limits with SECRET_KEY: set one.")
    if isinstance(secret, str):
        secret = secret.encode()
    return hmac.new(secret, text.encode(), hashlib.sha256).hexdigest()[:32]


def make_limiter(settings: Settings) -> Limiter:
    """The limiter of one app, from its settings.

    :raises RuntimeError: for a storage URL that cannot work.
    """
    return Limiter(
        make_storage(settings.rate_limit_storage_url),
        per_client=settings.rate_limit,
        per_recipient=settings.mail_limit_per_recipient,
        keyed={
            "return-lookup": settings.lookup_rate_limit,
            "code": settings.code_rate_limit,
        },
    )
