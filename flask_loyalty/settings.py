"""Every ``LOYALTY_*`` config key with its default, read once by ``init_app``.

Precedence: a value the shop sets in ``app.config`` wins over the built-in default
listed here. The README has the same table for shop developers.
"""

from __future__ import annotations

import os
import typing as t
from dataclasses import dataclass

from flask import Flask

from .clock import Clock
from .clock import system_clock
from .errors import UnknownCurrency
from .links import check_base_url
from .locales import check_languages
from .money import check_currency
from .outbox.brand import DEFAULT_ACCENT
from .outbox.brand import check_accent
from .outbox.brand import check_logo_url
from .ratelimit import Rate
from .ratelimit import parse_rate

DEFAULTS: dict[str, t.Any] = {
    # Where the loyalty pages live and what they look like.
    "LOYALTY_URL_PREFIX": "/loyalty",
    "LOYALTY_BLUEPRINT_NAME": "loyalty",
    "LOYALTY_BASE_TEMPLATE": "loyalty/layout.html",
    "LOYALTY_SHOP_NAME": None,  # None: the Flask app's name
    # Money and time.
    "LOYALTY_CURRENCY": "EUR",
    "LOYALTY_CLOCK": None,  # None: the system clock (aware UTC)
    # Email.
    "LOYALTY_MAIL_SENDER": None,  # None: MAIL_DEFAULT_SENDER
    "LOYALTY_EMAIL_LOGO_URL": None,  # https://... or /path on LOYALTY_BASE_URL
    "LOYALTY_EMAIL_ACCENT": DEFAULT_ACCENT,  # links and buttons in email, #rrggbb
    "LOYALTY_MAIL_DELIVERY": "smtp",  # "smtp"; "hold" keeps it; "file" writes .eml
    "LOYALTY_MAIL_FILE_DIR": None,  # for "file": None means instance/loyalty-mail
    "LOYALTY_MAIL_MAX_ATTEMPTS": 5,
    "LOYALTY_MAIL_CLAIM_TIMEOUT": 300,  # seconds before a stuck send is retried
    "LOYALTY_WORKER_BATCH": 50,
    "LOYALTY_WORKER_INTERVAL": 5.0,  # seconds between worker polls
    # Sign-in by emailed link (shops without customer_loader, or guests).
    "LOYALTY_MAGIC_LINK_MAX_AGE": 900,  # seconds, 60 to 900 (OWASP ASVS 6.5.5)
    # Rate limits in the `limits` notation ("5/hour;20/day"), or (attempts, seconds).
    "LOYALTY_RATE_LIMIT": "20/15 minutes",  # per client IP, each form
    "LOYALTY_MAIL_LIMIT_PER_RECIPIENT": "3/hour;5/day",  # each kind, to one address
    "LOYALTY_LOOKUP_RATE_LIMIT": "5/15 minutes",  # returns lookups per order number
    "LOYALTY_CODE_RATE_LIMIT": "20/15 minutes",  # discount code checks per client IP
    "LOYALTY_RATE_LIMIT_STORAGE_URL": "memory://",  # one process; or redis://...
    # Owner pages.
    "LOYALTY_OWNER_PAGE_SIZE": 50,
    "LOYALTY_OWNER_EMAIL": None,  # where test sends go by default
    # Suggestions: a pair of products bought by at least this many customers
    # is suggested by lift before the catalogue rules (same collection...).
    "LOYALTY_SUGGESTION_MIN_CUSTOMERS": 5,
    # The shop's login page (an endpoint such as "auth.login", or a path): a
    # signed-out visitor of an owner page goes there with ?next=; None: 403.
    "LOYALTY_OWNER_LOGIN_VIEW": None,
    # Every link in email: "https://shop.example"; required for SMTP delivery.
    "LOYALTY_BASE_URL": None,
    # Newsletter.
    "LOYALTY_NEWSLETTER_MIN_DAYS": 7,  # at most one campaign per subscriber per N days
    "LOYALTY_NEWSLETTER_CONSENT_TEXT": None,  # None: a sentence naming the shop
    "LOYALTY_NEWSLETTER_CONSENT_VERSION": "1",
    "LOYALTY_NEWSLETTER_STORE_IP": False,
    "LOYALTY_NEWSLETTER_CONFIRM_MAX_AGE": 7 * 24 * 3600,  # seconds
    "LOYALTY_NEWSLETTER_LINK_MAX_AGE": 365 * 24 * 3600,  # preferences, unsubscribe
    "LOYALTY_UNSUBSCRIBE_MAILTO": None,  # None: the sender's address
    # Journeys (flask_loyalty/journeys/ reads these).
    "LOYALTY_TIMEZONE": None,  # "at 09:00" in journeys; None: BABEL_DEFAULT_TIMEZONE
    "LOYALTY_JOURNEY_BATCH": 200,  # due steps a worker claims at once
    # Returns.
    "LOYALTY_RETURN_LINK_MAX_AGE": 180 * 24 * 3600,  # seconds a status link works
    "LOYALTY_RETURN_WINDOW_FROM": "order",  # or "delivery" (Loyalty.mark_delivered)
    # Deliverability (flask_loyalty/deliverability/config.py reads these).
    "LOYALTY_DKIM_SELECTOR": None,  # DKIM is on when selector and key are set
    "LOYALTY_DKIM_DOMAIN": None,  # None: the sender's domain
    "LOYALTY_DKIM_PRIVATE_KEY": None,  # PEM text or the path of a PEM file
    "LOYALTY_MAIL_MESSAGE_ID_DOMAIN": None,  # None: DKIM domain, else sender's
    "LOYALTY_MAIL_RETURN_PATH": None,  # envelope sender; None: the From address
    "LOYALTY_MAIL_VERP": False,  # bounces+<message>@ per message (relay permitting)
    "LOYALTY_BOUNCE_SOFT_LIMIT": 3,  # soft bounces in a row that suppress
    "LOYALTY_BOUNCE_SOFT_RESET_DAYS": 30,  # a quiet gap this long starts anew
    "LOYALTY_BOUNCE_MAILDIR": None,  # `flask loyalty bounces` reads this Maildir
    "LOYALTY_BOUNCE_IMAP_URL": None,  # or imaps://user:password@host/INBOX
    "LOYALTY_MAIL_WEBHOOK_SECRETS": {},  # {"mailgun": "signing key", ...}
    "LOYALTY_COMPLAINT_RATE_WARNING": 0.001,  # warn here; providers act at 0.003
    "LOYALTY_MAIL_PER_MINUTE": None,  # None: no limit
    "LOYALTY_MAIL_PER_DOMAIN_PER_MINUTE": None,  # int, or {"gmail.com": 60, "*": 20}
    # Languages offered on loyalty pages and in email; the first is the default.
    "LOYALTY_LANGUAGES": None,  # None: BABEL_DEFAULT_LOCALE alone (if translated)
    "LOYALTY_TRANSLATION_DIRECTORIES": (),  # the shop's catalogs, searched first
}

MAIL_DELIVERIES = ("smtp", "hold", "file")
WINDOW_STARTS = ("order", "delivery")


@dataclass(frozen=True)
class Settings:
    """The loyalty configuration of one app, as read by ``init_app``."""

    url_prefix: str
    blueprint_name: str
    base_template: str
    shop_name: str
    currency: str
    clock: Clock
    mail_sender: str | tuple[str, str] | None
    mail_delivery: str
    mail_file_dir: str
    mail_max_attempts: int
    mail_claim_timeout: int
    worker_batch: int
    worker_interval: float
    magic_link_max_age: int
    rate_limit: Rate
    rate_limit_storage_url: str
    code_rate_limit: Rate
    owner_page_size: int
    owner_email: str | None
    base_url: str | None
    newsletter_min_days: int
    consent_text: str | None
    consent_version: str
    store_ip: bool
    confirm_max_age: int
    link_max_age: int
    unsubscribe_mailto: str | None
    return_link_max_age: int = 180 * 24 * 3600
    return_window_from: str = "order"
    """Where the return window starts: the order, or its delivery."""
    languages: tuple[str, ...] = ("en",)
    translation_directories: tuple[str, ...] = ()
    owner_login_view: str | None = None
    """Endpoint or path of the shop's login page for signed-out owners."""
    mail_limit_per_recipient: Rate = ()
    lookup_rate_limit: Rate = ()
    email_accent: str = DEFAULT_ACCENT
    """Links and buttons in email, ``#rrggbb``."""
    email_logo_url: str | None = None
    """The logo's absolute address; None: the shop's name heads each email."""
    suggestion_min_customers: int = 5
    """Customers who bought a pair before it is suggested (its support)."""


def _link_age(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 60 <= value <= 900:
        raise RuntimeError(
            "LOYALTY_MAGIC_LINK_MAX_AGE must be whole seconds from 60 to 900: a"
            f" sign-in link works 15 minutes at most, not {value!r}."
        )
    return value


def _least(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise RuntimeError(
            "LOYALTY_SUGGESTION_MIN_CUSTOMERS must be a whole number of customers,"
            f" 1 or more (5 is a good start), not {value!r}."
        )
    return value


def _login_view(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value or value.startswith("//"):
        raise RuntimeError(
            "LOYALTY_OWNER_LOGIN_VIEW must be the endpoint of the shop's login page,"
            " such as 'auth.login', or its path, such as '/login'."
        )
    return value


def check_unchanged(app: Flask, read: t.Mapping[str, t.Any]) -> None:
    """Refuse ``LOYALTY_*`` values changed after ``init_app`` read them.

    The settings are read once; a value set later (``app.config["LOYALTY_CLOCK"] =
    clock`` after ``Loyalty(app)``) would otherwise be ignored without a word.

    :raises RuntimeError: naming the keys that changed.
    """
    changed = [
        key
        for key, value in read.items()
        if key in app.config
        and app.config[key] is not value
        and app.config[key] != value
    ]
    if changed:
        raise RuntimeError(
            f"{', '.join(sorted(changed))} changed after init_app: flask-loyalty reads"
            " its settings once, in init_app. Set them in app.config before"
            " 'Loyalty(app)' or 'loyalty.init_app(app)'."
        )


def read_settings(app: Flask) -> Settings:
    """Apply the defaults to ``app.config`` and read the keys into :class:`Settings`.

    :raises RuntimeError: for a value that cannot work, with what to write instead.
    """
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    c = app.config
    if not c.get("SECRET_KEY"):
        raise RuntimeError(
            "SECRET_KEY is not set: flask-loyalty signs the links in its email and"
            " protects its forms with it. Set app.config['SECRET_KEY'] to a long"
            " random value (python -c 'import secrets; print(secrets.token_hex())')"
            " before init_app."
        )
    if c["LOYALTY_MAIL_DELIVERY"] not in MAIL_DELIVERIES:
        raise RuntimeError(
            f"LOYALTY_MAIL_DELIVERY must be one of {MAIL_DELIVERIES},"
            f" not {c['LOYALTY_MAIL_DELIVERY']!r}."
        )
    check_base_url(
        (c["LOYALTY_BASE_URL"] or "").rstrip("/") or None, c["LOYALTY_MAIL_DELIVERY"]
    )
    try:
        currency = check_currency(c["LOYALTY_CURRENCY"])
    except UnknownCurrency:
        raise RuntimeError(
            f"LOYALTY_CURRENCY {c['LOYALTY_CURRENCY']!r} is not an ISO 4217 code"
            " such as 'EUR'."
        ) from None
    if c["LOYALTY_RETURN_WINDOW_FROM"] not in WINDOW_STARTS:
        raise RuntimeError(
            f"LOYALTY_RETURN_WINDOW_FROM must be one of {WINDOW_STARTS},"
            f" not {c['LOYALTY_RETURN_WINDOW_FROM']!r}."
        )
    base_url = (c["LOYALTY_BASE_URL"] or "").rstrip("/") or None
    prefix = c["LOYALTY_URL_PREFIX"]
    if not prefix.startswith("/"):
        raise RuntimeError("LOYALTY_URL_PREFIX must start with '/', like '/loyalty'.")
    return Settings(
        url_prefix=prefix.rstrip("/"),
        blueprint_name=c["LOYALTY_BLUEPRINT_NAME"],
        base_template=c["LOYALTY_BASE_TEMPLATE"],
        shop_name=c["LOYALTY_SHOP_NAME"] or app.name,
        currency=currency,
        clock=c["LOYALTY_CLOCK"] or system_clock,
        mail_sender=c["LOYALTY_MAIL_SENDER"] or c.get("MAIL_DEFAULT_SENDER"),
        mail_delivery=c["LOYALTY_MAIL_DELIVERY"],
        mail_file_dir=c["LOYALTY_MAIL_FILE_DIR"]
        or os.path.join(app.instance_path, "loyalty-mail"),
        mail_max_attempts=int(c["LOYALTY_MAIL_MAX_ATTEMPTS"]),
        mail_claim_timeout=int(c["LOYALTY_MAIL_CLAIM_TIMEOUT"]),
        worker_batch=int(c["LOYALTY_WORKER_BATCH"]),
        worker_interval=float(c["LOYALTY_WORKER_INTERVAL"]),
        magic_link_max_age=_link_age(c["LOYALTY_MAGIC_LINK_MAX_AGE"]),
        rate_limit=parse_rate("LOYALTY_RATE_LIMIT", c["LOYALTY_RATE_LIMIT"]),
        rate_limit_storage_url=c["LOYALTY_RATE_LIMIT_STORAGE_URL"] or "memory://",
        code_rate_limit=parse_rate(
            "LOYALTY_CODE_RATE_LIMIT", c["LOYALTY_CODE_RATE_LIMIT"]
        ),
        mail_limit_per_recipient=parse_rate(
            "LOYALTY_MAIL_LIMIT_PER_RECIPIENT", c["LOYALTY_MAIL_LIMIT_PER_RECIPIENT"]
        ),
        lookup_rate_limit=parse_rate(
            "LOYALTY_LOOKUP_RATE_LIMIT", c["LOYALTY_LOOKUP_RATE_LIMIT"]
        ),
        owner_page_size=int(c["LOYALTY_OWNER_PAGE_SIZE"]),
        owner_email=c["LOYALTY_OWNER_EMAIL"],
        suggestion_min_customers=_least(c["LOYALTY_SUGGESTION_MIN_CUSTOMERS"]),
        owner_login_view=_login_view(c["LOYALTY_OWNER_LOGIN_VIEW"]),
        base_url=base_url,
        email_accent=check_accent(c["LOYALTY_EMAIL_ACCENT"]),
        email_logo_url=check_logo_url(c["LOYALTY_EMAIL_LOGO_URL"], base_url),
        newsletter_min_days=int(c["LOYALTY_NEWSLETTER_MIN_DAYS"]),
        consent_text=c["LOYALTY_NEWSLETTER_CONSENT_TEXT"],
        consent_version=str(c["LOYALTY_NEWSLETTER_CONSENT_VERSION"]),
        store_ip=bool(c["LOYALTY_NEWSLETTER_STORE_IP"]),
        confirm_max_age=int(c["LOYALTY_NEWSLETTER_CONFIRM_MAX_AGE"]),
        link_max_age=int(c["LOYALTY_NEWSLETTER_LINK_MAX_AGE"]),
        unsubscribe_mailto=c["LOYALTY_UNSUBSCRIBE_MAILTO"],
        return_link_max_age=int(c["LOYALTY_RETURN_LINK_MAX_AGE"]),
        return_window_from=c["LOYALTY_RETURN_WINDOW_FROM"],
        languages=check_languages(
            c["LOYALTY_LANGUAGES"],
            [str(path) for path in c["LOYALTY_TRANSLATION_DIRECTORIES"] or ()],
            default=c.get("BABEL_DEFAULT_LOCALE") or "en",
        ),
        translation_directories=tuple(
            str(path) for path in c["LOYALTY_TRANSLATION_DIRECTORIES"] or ()
        ),
    )
