"""Rules for customers: normalising addresses and finding or creating the row."""

from __future__ import annotations

import re
import typing as t
import unicodedata
from datetime import datetime

import email_validator
import sqlalchemy as sa
from email_validator import EmailNotValidError
from email_validator import validate_email
from sqlalchemy.orm import Session

from ..db import add_row
from ..db import read_one
from ..errors import InvalidEmail
from ..errors import InvalidName
from ..i18n import _
from .models import Customer

MAX_NAME = 200

# The everyday address (ASCII dot-atom local part, letters-only top-level domain,
# no "--" anywhere in the domain so no Punycode) that email_validator accepts and
# whose normal form is simply its lower case. Anything else goes the long way.
_ATOM = r"[A-Za-z0-9_!#$%&'*+\-/=?^`{|}~]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EVERYDAY = re.compile(
    rf"(?P<local>{_ATOM}(?:\.{_ATOM}){{0,63}})@(?P<domain>(?:{_LABEL}\.){{1,126}}[A-Za-z]{{2,63}})"
)


def _everyday(email: str) -> str | None:
    """``email`` lower-cased when it is an everyday address, else ``None``.

    Saves the full parse (about 0.15 ms) where addresses are checked in bulk: CSV
    imports, and the suppression check of every message the worker sends.
    """
    if len(email) > 254:
        return None
    match = _EVERYDAY.fullmatch(email)
    if match is None or len(match["local"]) > 64 or "--" in match["domain"]:
        return None
    domain = match["domain"].lower()
    for special in email_validator.SPECIAL_USE_DOMAIN_NAMES:
        if domain == special or domain.endswith("." + special):
            return None
    return email.lower()


def normalise_email(email: object) -> str:
    """Return the address in the one form it is stored and matched in.

    The address is checked for syntax only (no DNS look-up), its domain is converted
    to IDNA-normalised lower case, and the whole address is lower-cased: shops see
    ``Anna@Example.com`` and ``anna@example.com`` as the same person.

    :raises InvalidEmail: if ``email`` is missing or not a valid address.
    """
    if not isinstance(email, str) or not email.strip():
        raise InvalidEmail(_("An email address is required."))
    everyday = _everyday(email.strip())
    if everyday is not None:
        return everyday
    try:
        result = validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError:
        raise InvalidEmail(
            _("%(email)s is not a valid email address.", email=repr(email[:80]))
        ) from None
    return result.normalized.lower()


def clean_name(name: object, *, limit: int = MAX_NAME) -> str | None:
    """Return a name folded to a single line (CR/LF and tabs become spaces), or
    ``None`` for no name.

    :raises InvalidName: if ``name`` is not text, holds control characters (a NUL
        that PostgreSQL refuses to store, for one) or is longer than ``limit``
        characters (200 for a customer's name).
    """
    if name is None:
        return None
    if not isinstance(name, str):
        raise InvalidName(_("A name must be text."))
    name = " ".join(name.split())
    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in name):
        raise InvalidName(_("A name cannot contain control characters."))
    if len(name) > limit:
        raise InvalidName(_("A name can have at most %(n)d characters.", n=limit))
    return name or None


_BY_EMAIL = sa.select(*Customer.__table__.c).where(
    Customer.email == sa.bindparam("email")
)
_BY_LOGIN = sa.select(*Customer.__table__.c).where(
    Customer.external_id == sa.bindparam("login")
)


def find_customer(session: Session, email: str) -> Customer | None:
    """Return the customer with this (already normalised) address, if any."""
    return read_one(session, Customer, _BY_EMAIL, {"email": email})


def find_or_create_customer(
    session: Session,
    now: datetime,
    *,
    email: str,
    name: str | None = None,
    external_id: str | None = None,
    locale: str | None = None,
) -> Customer:
    """Return the customer for this address, creating her if new (orders, imports).

    A shop user id already linked to a customer wins over the address (she may
    have changed it in the shop). Nothing here links a user id to an address or
    renames anyone: an order placed with her address is no proof that whoever
    placed it owns the address. A name fills in only a missing one; a language the
    shop gives replaces hers.
    ``email`` must already be normalised.
    """
    return find_or_add_customer(
        session, now, email=email, name=name, external_id=external_id, locale=locale
    )[0]


def her_rows(email: t.Any, external_id: t.Any) -> sa.ColumnElement[bool]:
    """Which customer rows :func:`find_or_add_customer` chooses from: hers by
    address, and the one linked to the shop user id (values, or bind parameters
    of a statement built once)."""
    if external_id is None:
        return Customer.email == email
    return sa.or_(Customer.external_id == external_id, Customer.email == email)


def find_or_add_customer(
    session: Session,
    now: datetime,
    *,
    email: str,
    name: str | None = None,
    external_id: str | None = None,
    locale: str | None = None,
    fallback_locale: str | None = None,
    found: t.Sequence[Customer] | None = None,
) -> tuple[Customer, bool]:
    """:func:`find_or_create_customer`, in one or two statements, saying whether
    she is new: ``(customer, created)``.

    ``found`` are the rows of :func:`her_rows` if the caller read them (in a query
    of its own: ``record_order``), else one ``SELECT`` reads them. A new customer
    is inserted at once (:func:`~flask_loyalty.db.add_row`); a clash means a
    concurrent first order of hers inserted her since (PostgreSQL waits for it to
    commit), and she is read again. ``fallback_locale`` (the visitor's language)
    fills her language where neither ``locale`` nor her row says one.
    """
    if found is None:
        found = session.scalars(
            sa.select(Customer).where(her_rows(email, external_id))
        ).all()
    customer = next(
        (c for c in found if external_id is not None and c.external_id == external_id),
        None,
    ) or next((c for c in found if c.email == email), None)
    if customer is not None:  # set only what changes: nothing to flush else
        if name and not customer.name:
            customer.name = name
        language = locale or customer.locale or fallback_locale
        if language != customer.locale:
            customer.locale = language
        return customer, False
    created = add_row(
        session,
        Customer,
        {
            "email": email,
            "name": name,
            "external_id": None,
            "locale": locale or fallback_locale,
            "created_at": now,
            "erased_at": None,
        },
        unique="email",
    )
    if created is not None:
        return created, True
    return find_or_add_customer(
        session,
        now,
        email=email,
        name=name,
        external_id=external_id,
        locale=locale,
        fallback_locale=fallback_locale,
    )


def _add(
    session: Session,
    now: datetime,
    *,
    email: str,
    name: str | None,
    locale: str | None,
    login: str | None = None,
) -> Customer:
    customer = Customer(
        email=email, name=name, external_id=login, locale=locale, created_at=now
    )
    session.add(customer)
    return customer


def linked_customer(session: Session, external_id: str | None) -> Customer | None:
    """The customer a shop user id was linked to (by proof of her address)."""
    if external_id is None:
        return None
    return read_one(session, Customer, _BY_LOGIN, {"login": external_id})


def customer_for_login(
    session: Session,
    now: datetime,
    *,
    email: str,
    name: str | None,
    external_id: str | None,
    locale: str | None,
    verified: bool,
) -> Customer | None:
    """The customer a shop login may see, or ``None`` until she proves the address.

    Her linked customer, whatever the address. Else, for an address the shop
    verified: the customer with it (linked now, unless another login holds it), or
    a new one. An unverified address is never taken on trust: a sign-up with
    someone else's address would open her points and orders (issue 17). The shop's
    name replaces hers only on a verified login. ``email`` must be normalised.
    """
    customer = linked_customer(session, external_id)
    if customer is None and verified:
        customer = find_customer(session, email)
        if customer is None:
            return _add(
                session, now, email=email, name=name, locale=locale, login=external_id
            )
        if customer.external_id is not None and customer.external_id != external_id:
            return None
        if customer.external_id != external_id:
            customer.external_id = external_id
    if customer is None:
        return None
    if verified and customer.email != email and find_customer(session, email) is None:
        customer.email = email  # she changed it in the shop, and the shop checked it
    # Only what changes is set: an unchanged customer leaves the session clean (no
    # flush before each of the account page's reads).
    if name and (verified or not customer.name) and customer.name != name:
        customer.name = name
    if not customer.locale and customer.locale != locale:
        customer.locale = locale
    return customer


def link_login(customer: Customer, external_id: str | None) -> bool:
    """Link a shop user id to ``customer`` after she proved the address (a sign-in
    link opened while signed in to the shop with it); ``False`` if another login
    holds her already."""
    if external_id is None or customer.external_id not in (None, external_id):
        return False
    customer.external_id = external_id
    return True
