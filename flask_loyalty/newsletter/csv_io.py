"""The subscriber list as CSV. Both directions work 1,000 rows at a time, so
100,000 subscribers take as little memory as 1,000. A cell a spreadsheet would run
as a formula (``=``, ``+``, ``-``, ``@``) is exported with a leading apostrophe,
which the import removes again, so an export reads back unchanged.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import typing as t
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..customers.service import normalise_email
from ..errors import InvalidImport
from ..errors import LoyaltyError
from ..i18n import _
from .models import CONFIRMED
from .models import PENDING
from .models import UNSUBSCRIBED
from .models import Subscriber
from .models import SubscriberEvent
from .models import Suppression
from .models import Topic
from .models import subscriber_topics
from .names import clean_first_name
from .preferences import default_topic
from .service import Consent
from .service import email_hash

BATCH = 1000
MAX_BYTES = 20 * 1024 * 1024
SHOWN_PROBLEMS = 50
COLUMNS = (
    "email",
    "first_name",
    "status",
    "topics",
    "locale",
    "consent_text",
    "consent_version",
    "consent_source",
    "created_at",
    "confirmed_at",
    "unsubscribed_at",
)
T = t.TypeVar("T")
# Cells a spreadsheet would run as a formula, and the apostrophe that escapes them.
_ESCAPED = ("=", "+", "-", "@", "\t", "\r", "'")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # not tab, CR, LF
_LOCALE = re.compile(r"[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8}){0,3}")


# -- export -------------------------------------------------------------------------


def _batches(items: t.Iterable[T], size: int) -> t.Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def _cell(value: object) -> str:
    if value is None:
        return ""
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    return "'" + text if text.startswith(_ESCAPED) else text


def export_rows(session: Session, *, batch: int = BATCH) -> t.Iterator[list[str]]:
    """Every subscriber as a row of :data:`COLUMNS`, read ``batch`` at a time."""
    columns = [getattr(Subscriber, name) for name in COLUMNS if name != "topics"]
    last_id = 0
    while True:
        rows = session.execute(
            sa.select(Subscriber.id, *columns)
            .where(Subscriber.id > last_id)
            .order_by(Subscriber.id)
            .limit(batch)
        ).all()
        if not rows:
            return
        ids = [row.id for row in rows]
        slugs: dict[int, list[str]] = {}
        for subscriber_id, slug in session.execute(
            sa.select(subscriber_topics.c.subscriber_id, Topic.slug)
            .join(Topic, Topic.id == subscriber_topics.c.topic_id)
            .where(subscriber_topics.c.subscriber_id.in_(ids))
            .order_by(Topic.position, Topic.id)
        ):
            slugs.setdefault(subscriber_id, []).append(slug)
        for row in rows:
            values = row._asdict()
            values["topics"] = ";".join(slugs.get(row.id, []))
            yield [_cell(values[name]) for name in COLUMNS]
        last_id = rows[-1].id


def export_csv(session: Session, *, batch: int = BATCH) -> t.Iterator[str]:
    """The export as CSV text: the header, then one chunk per batch."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for rows in _batches(export_rows(session, batch=batch), batch):
        writer.writerows(rows)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


# -- reading an upload --------------------------------------------------------------


def read_csv(
    stream: t.BinaryIO, *, max_bytes: int | None = None
) -> t.Iterator[dict[str, str]]:
    """Check an uploaded file whole, then return its rows as dicts keyed by the
    lower-cased header; at most ``max_bytes`` (default :data:`MAX_BYTES`). Commas,
    semicolons (spreadsheets in many languages) and tabs separate columns.

    The whole file is checked before any row is given, so a broken file imports
    nothing. :raises InvalidImport: saying what is wrong.
    """
    max_bytes = max_bytes or MAX_BYTES
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    if size > max_bytes:
        raise InvalidImport(
            _(
                "The file is too large: at most %(mb)d MB.",
                mb=max_bytes // (1024 * 1024),
            )
        )
    if size == 0:
        raise InvalidImport(_("The file is empty."))
    header, dialect = _check(stream)
    return _rows(stream, header, dialect)


def _text(stream: t.BinaryIO) -> io.TextIOWrapper:
    stream.seek(0)
    return io.TextIOWrapper(
        t.cast(t.IO[bytes], stream), encoding="utf-8-sig", newline=""
    )


def _check(stream: t.BinaryIO) -> tuple[list[str], type[csv.Dialect]]:
    text = _text(stream)
    try:
        first = text.readline()
        dialect = _dialect(first)
        text.seek(0)
        reader = csv.reader(text, dialect)
        header = [name.strip().lower() for name in next(reader, [])]
        for _row in reader:
            pass
    except UnicodeDecodeError:
        raise InvalidImport(
            _("The file is not UTF-8 text. Save it as “CSV UTF-8” and try again.")
        ) from None
    except csv.Error as error:
        raise InvalidImport(
            _(
                "The file is not valid CSV (line %(line)d): %(error)s",
                line=reader.line_num,
                error=str(error),
            )
        ) from None
    finally:
        text.detach()
    if "email" not in header:
        raise InvalidImport(
            _(
                "The first line must name the columns, with one called “email”"
                " (and optionally “first_name” and “topics”)."
            )
        )
    return header, dialect


class _Semicolon(csv.excel):
    delimiter = ";"


def _dialect(first_line: str) -> type[csv.Dialect]:
    """The separator the header line uses most: comma, semicolon or tab."""
    dialects = {",": csv.excel, ";": _Semicolon, "\t": csv.excel_tab}
    return dialects[max(dialects, key=first_line.count)]


def _rows(
    stream: t.BinaryIO, header: list[str], dialect: type[csv.Dialect]
) -> t.Iterator[dict[str, str]]:
    text = _text(stream)
    try:
        reader = csv.reader(text, dialect)
        next(reader)
        for row in reader:
            yield dict(zip(header, row, strict=False))
    finally:
        text.detach()


# -- import -------------------------------------------------------------------------


@dataclass
class ImportReport:
    """What an import did. ``confirmed`` counts those of ``added`` confirmed by the
    consent the owner stated; ``unsubscribed`` the rows whose status said so (not
    imported); ``problems`` the first 50 rejected lines with the reason."""

    added: int = 0
    confirmed: int = 0
    already: int = 0
    suppressed: int = 0
    unsubscribed: int = 0
    invalid: int = 0
    problems: list[tuple[int, str]] = field(default_factory=list)

    def problem(self, line: int, reason: str) -> None:
        self.invalid += 1
        if len(self.problems) < SHOWN_PROBLEMS:
            self.problems.append((line, reason))


@dataclass(frozen=True)
class _Row:
    email: str
    first_name: str | None
    topic_ids: tuple[int, ...]
    status: str
    locale: str | None
    consent: tuple[str, str] | None


def _plain(value: str | None) -> str:
    value = (value or "").strip()
    return value[1:] if value[:1] == "'" and value[1:2] in _ESCAPED else value


def _parse(
    row: t.Mapping[str, str | None], topics: dict[str, int], default: tuple[int, ...]
) -> _Row:
    """One row, checked. :raises LoyaltyError: with the reason."""
    email = normalise_email(_plain(row.get("email")))
    first_name = clean_first_name(_plain(row.get("first_name")) or None)
    slugs = [s.strip().lower() for s in _plain(row.get("topics")).split(";")]
    slugs = [slug for slug in slugs if slug]
    for slug in slugs:
        if slug not in topics:
            raise LoyaltyError(
                _("Unknown topic “%(slug)s”: add it first.", slug=slug[:60])
            )
    locale = _plain(row.get("locale"))
    text, version = _plain(row.get("consent_text")), _plain(row.get("consent_version"))
    if _CONTROL.search(text + version):
        raise LoyaltyError(_("The consent text contains control characters."))
    return _Row(
        email=email,
        first_name=first_name,
        topic_ids=tuple(dict.fromkeys(topics[s] for s in slugs)) if slugs else default,
        status=_plain(row.get("status")).lower(),
        locale=locale if _LOCALE.fullmatch(locale) else None,
        consent=(text, version[:40]) if text and version else None,
    )


def import_subscribers(
    session: Session,
    now: datetime,
    rows: t.Iterable[t.Mapping[str, str | None]],
    *,
    consent: Consent,
    consent_source: str | None = None,
    topic_slugs_default: t.Iterable[str] = (),
    on_pending: t.Callable[[Subscriber], None] | None = None,
    batch: int = BATCH,
) -> ImportReport:
    """Add the addresses in ``rows`` (keys ``email``, ``first_name``, ``topics``)
    not yet on the list, committing every ``batch`` rows; report what happened.

    With a ``consent_source`` (what the owner states, "sign-up sheet at the fair")
    they are confirmed and ``import: <source>`` is stored; without one they are
    pending and ``on_pending`` queues each one's confirmation email in the same
    transaction. A row with status ``pending`` stays pending; one ``unsubscribed``
    is skipped, as are existing subscribers and suppressed (erased) addresses.
    ``consent`` gives the text and version for rows without their own; rows
    without topics get ``topic_slugs_default``, or else the default topic
    (:func:`.preferences.default_topic`). Line 1 is the header.
    """
    report = ImportReport()
    fallback = default_topic(session, now)  # a subscriber always has a topic
    topics = dict(session.execute(sa.select(Topic.slug, Topic.id)).all())
    default = tuple(topics[s] for s in topic_slugs_default if s in topics)
    default = default or (fallback.id,)
    # A record of where consent came from: stored as is, not translated.
    source = (f"import: {consent_source}" if consent_source else _NO_SOURCE)[:500]
    for chunk in _batches(enumerate(rows, start=2), batch):
        parsed: list[_Row] = []
        for line, row in chunk:
            if not any((value or "").strip() for value in row.values()):
                continue  # an empty line, often at the end of a file
            try:
                parsed.append(_parse(row, topics, default))
            except LoyaltyError as error:
                report.problem(line, error.message)
        for attempt in (1, 2, 3):
            counts: dict[str, int] = dict.fromkeys(_COUNTS, 0)
            try:
                _store(session, now, parsed, counts, consent, source, on_pending)
                session.commit()
                break
            except IntegrityError:
                # Someone subscribed one of these addresses meanwhile: look again.
                session.rollback()
                if attempt == 3:
                    raise
        for name, count in counts.items():
            setattr(report, name, getattr(report, name) + count)
    return report


_NO_SOURCE = "import"
_COUNTS = ("added", "confirmed", "already", "suppressed", "unsubscribed")


def _store(
    session: Session,
    now: datetime,
    parsed: list[_Row],
    counts: dict[str, int],
    consent: Consent,
    source: str,
    on_pending: t.Callable[[Subscriber], None] | None,
) -> None:
    emails = {row.email: email_hash(row.email) for row in parsed}
    known = sa.select(Subscriber.email).where(Subscriber.email.in_(list(emails)))
    existing = set(session.scalars(known))
    hashes = list(emails.values())
    erased = sa.select(Suppression.email_hash).where(Suppression.email_hash.in_(hashes))
    suppressed = set(session.scalars(erased))
    added: list[tuple[Subscriber, _Row]] = []
    for row in parsed:
        if row.email in existing:
            counts["already"] += 1
        elif emails[row.email] in suppressed:
            counts["suppressed"] += 1
        elif row.status == UNSUBSCRIBED:
            counts["unsubscribed"] += 1
        else:
            existing.add(row.email)
            confirmed = source != _NO_SOURCE and row.status != PENDING
            text, version = row.consent or (consent.text, consent.version)
            subscriber = Subscriber(
                email=row.email,
                first_name=row.first_name,
                locale=row.locale,
                status=CONFIRMED if confirmed else PENDING,
                consent_text=text,
                consent_version=version,
                consent_source=source,
                created_at=now,
                confirmed_at=now if confirmed else None,
                confirmation_sent_at=None if confirmed else now,
            )
            added.append((subscriber, row))
            counts["added"] += 1
            counts["confirmed"] += confirmed
    if not added:
        return
    session.add_all([subscriber for subscriber, _row in added])
    session.flush()
    links = [
        {"subscriber_id": subscriber.id, "topic_id": topic_id}
        for subscriber, row in added
        for topic_id in row.topic_ids
    ]
    if links:
        session.execute(sa.insert(subscriber_topics), links)
    events = [
        {"subscriber_id": s.id, "kind": "imported", "detail": source, "at": now}
        for s, _row in added
    ]
    session.execute(sa.insert(SubscriberEvent), events)
    for subscriber, _row in added:
        if on_pending is not None and subscriber.status == PENDING:
            on_pending(subscriber)
