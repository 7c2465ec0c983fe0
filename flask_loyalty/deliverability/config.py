"""The deliverability settings of one app, read once when the app is set up.

The keys and their defaults are in :data:`flask_loyalty.settings.DEFAULTS`. A DKIM key
that cannot be used does not stop the shop: it is logged, shown to the owner and by
``flask loyalty mail check``, and mail goes out unsigned as before.
"""

from __future__ import annotations

import logging
import typing as t
from dataclasses import dataclass
from dataclasses import field

from flask import Flask
from flask import current_app

from ..outbox import mime
from ..outbox.dkim import DkimKeyError
from ..outbox.dkim import DkimSigner
from ..outbox.dkim import load_signer

log = logging.getLogger("flask_loyalty.mail")

EXTENSION_KEY = "loyalty_deliverability"
WEBHOOK_PROVIDERS = ("mailgun", "postmark", "sendgrid", "ses", "loyalty")


@dataclass(frozen=True)
class MailConfig:
    """What the outbox and the bounce handling need to know."""

    sender_domain: str
    signer: DkimSigner | None
    dkim_error: str | None
    """Why DKIM is configured but off (the key could not be used)."""
    message_id_domain: str
    return_path: str | None
    verp: bool
    soft_limit: int
    soft_reset_days: int
    maildir: str | None
    imap_url: str | None
    webhook_secrets: dict[str, str] = field(default_factory=dict)
    complaint_warning: float = 0.001
    per_minute: int | None = None
    per_domain: dict[str, int] = field(default_factory=dict)
    """Per-minute limits by recipient domain; ``"*"`` for any other domain."""

    def domain_limit(self, domain: str) -> int | None:
        return self.per_domain.get(domain, self.per_domain.get("*"))


def read_config(app: Flask, sender: mime.Sender | None) -> MailConfig:
    """Read the ``LOYALTY_*`` deliverability keys of ``app``.

    :raises RuntimeError: a value of the wrong kind, with what to write instead.
    """
    c = app.config
    domain = mime.sender_domain(sender) if sender else "localhost"
    dkim_domain = c["LOYALTY_DKIM_DOMAIN"] or domain
    signer: DkimSigner | None = None
    error: str | None = None
    try:
        signer = load_signer(
            c["LOYALTY_DKIM_SELECTOR"], dkim_domain, c["LOYALTY_DKIM_PRIVATE_KEY"]
        )
    except DkimKeyError as problem:
        error = str(problem)
        log.error("DKIM signing is off: %s", error)
    secrets = dict(c["LOYALTY_MAIL_WEBHOOK_SECRETS"] or {})
    unknown = set(secrets) - set(WEBHOOK_PROVIDERS)
    if unknown:
        raise RuntimeError(
            f"LOYALTY_MAIL_WEBHOOK_SECRETS has unknown providers {sorted(unknown)};"
            f" known: {', '.join(WEBHOOK_PROVIDERS)}."
        )
    per_domain = c["LOYALTY_MAIL_PER_DOMAIN_PER_MINUTE"]
    per_minute = c["LOYALTY_MAIL_PER_MINUTE"]
    if per_domain is None:
        per_domain = {}
    elif isinstance(per_domain, int):
        per_domain = {"*": per_domain}
    limits = [
        per_minute,
        *(per_domain.values() if isinstance(per_domain, dict) else [""]),
    ]
    if not all(
        n is None or (isinstance(n, int) and not isinstance(n, bool) and n > 0)
        for n in limits
    ):
        raise RuntimeError(
            "LOYALTY_MAIL_PER_MINUTE and LOYALTY_MAIL_PER_DOMAIN_PER_MINUTE take"
            ' whole numbers above 0 (or {"gmail.com": 60, "*": 20}), or None.'
        )
    per_domain = {str(k).lower(): v for k, v in per_domain.items()}
    soft_limit = c["LOYALTY_BOUNCE_SOFT_LIMIT"]
    if not isinstance(soft_limit, int) or soft_limit < 1:
        raise RuntimeError(
            "LOYALTY_BOUNCE_SOFT_LIMIT must be a whole number, 1 or more."
        )
    return MailConfig(
        sender_domain=domain,
        signer=signer,
        dkim_error=error,
        message_id_domain=(
            c["LOYALTY_MAIL_MESSAGE_ID_DOMAIN"]
            or (signer.domain if signer else None)
            or domain
        ),
        return_path=c["LOYALTY_MAIL_RETURN_PATH"],
        verp=bool(c["LOYALTY_MAIL_VERP"]),
        soft_limit=soft_limit,
        soft_reset_days=int(c["LOYALTY_BOUNCE_SOFT_RESET_DAYS"]),
        maildir=c["LOYALTY_BOUNCE_MAILDIR"],
        imap_url=c["LOYALTY_BOUNCE_IMAP_URL"],
        webhook_secrets=secrets,
        complaint_warning=float(c["LOYALTY_COMPLAINT_RATE_WARNING"]),
        per_minute=per_minute,
        per_domain=per_domain,
    )


def mail_config(app: Flask | None = None) -> MailConfig | None:
    """The config of ``app`` (default: the current app), if the extension is set up."""
    app = app or current_app
    return t.cast("MailConfig | None", app.extensions.get(EXTENSION_KEY))
