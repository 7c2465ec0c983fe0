"""Sign-in links as OWASP ASVS 5.0 (6.5.1, 6.5.5) asks: a random token that says
nothing about her, stored only as its SHA-256, valid for minutes, spent by the
first sign-in. No request is read here: the views pass the token and the time.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..errors import InvalidToken
from ..i18n import _
from .models import Customer
from .models import SignInLink

MAX_TOKEN = 100
"""Longer strings in the address are no token of ours; refused before hashing."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _refused() -> InvalidToken:
    # One message for unknown, used and expired links: the page says no more.
    return InvalidToken(_("This link is not valid or has expired. Ask for a new one."))


SIGN_IN = "sign-in"
EXPORT = "export"
ERASE = "erase"
PURPOSES = (SIGN_IN, EXPORT, ERASE)


def issue_sign_in_link(
    session: Session,
    now: datetime,
    customer: Customer,
    max_age: int,
    purpose: str = SIGN_IN,
) -> str:
    """Store a new link for ``customer`` (in the session's transaction) and return
    its token, for her email only. Links that expired a day ago are swept.

    ``purpose``: what the link does, ``sign-in`` or, confirming her own request,
    ``export`` (her data) or ``erase`` (her account).
    """
    if purpose not in PURPOSES:
        raise ValueError(f"unknown link purpose {purpose!r}")
    token = secrets.token_urlsafe(32)
    session.execute(
        sa.delete(SignInLink).where(SignInLink.expires_at < now - timedelta(days=1))
    )
    session.add(
        SignInLink(
            token_hash=_digest(token),
            customer_id=customer.id,
            purpose=purpose,
            created_at=now,
            expires_at=now + timedelta(seconds=max_age),
        )
    )
    return token


def check_sign_in_link(
    session: Session, now: datetime, token: str, purpose: str = SIGN_IN
) -> Customer:
    """The customer whose unused, unexpired link this is; changes nothing.

    :raises InvalidToken: an unknown, used or expired link (one message for all).
    """
    if len(token) > MAX_TOKEN:
        raise _refused()
    customer = session.scalar(
        sa.select(Customer)
        .join(SignInLink, SignInLink.customer_id == Customer.id)
        .where(
            SignInLink.token_hash == _digest(token),
            SignInLink.purpose == purpose,
            SignInLink.used_at.is_(None),
            SignInLink.expires_at > now,
            Customer.erased_at.is_(None),
        )
    )
    if customer is None:
        raise _refused()
    return customer


def use_sign_in_link(
    session: Session, now: datetime, token: str, purpose: str = SIGN_IN
) -> Customer:
    """Spend the link and return her: of two requests with one link, one wins.

    ``UPDATE ... WHERE used_at IS NULL AND expires_at > now`` decides in the
    database, so it holds between workers and machines. Not committed.

    :raises InvalidToken: an unknown, used or expired link.
    """
    customer = check_sign_in_link(session, now, token, purpose)
    spent = session.execute(
        sa.update(SignInLink)
        .where(
            SignInLink.token_hash == _digest(token),
            SignInLink.used_at.is_(None),
            SignInLink.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if spent.rowcount != 1:  # type: ignore[attr-defined]
        raise _refused()
    return customer
