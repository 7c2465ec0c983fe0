"""The owner moves her list in and out as CSV: what goes out comes back in, nobody
who unsubscribed or was erased is mailed again, and bad lines are named."""

from __future__ import annotations

import csv
import io
import re
import typing as t

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from flask_loyalty.db import Base
from flask_loyalty.models import Subscriber
from flask_loyalty.newsletter import csv_io
from flask_loyalty.newsletter import personal_data
from flask_loyalty.newsletter import preferences
from flask_loyalty.newsletter import service

from .conftest import form_token
from .conftest import outbox

IMPORT = "/loyalty/owner/newsletter/subscribers/import"
EXPORT = "/loyalty/owner/newsletter/subscribers.csv"


@pytest.fixture
def owner(app: Flask, topics: dict[str, int]) -> FlaskClient:
    app.extensions["loyalty"].extension.owner_check(lambda: True)
    return app.test_client()


def upload(client: FlaskClient, content: bytes | str, **data: t.Any) -> tuple[int, str]:
    if isinstance(content, str):
        content = content.encode()
    token = form_token(client.get(IMPORT).get_data(as_text=True))
    data.setdefault("topics", ["1"])
    response = client.post(
        IMPORT,
        data={"csrf_token": token, "file": (io.BytesIO(content), "list.csv"), **data},
        content_type="multipart/form-data",
    )
    return response.status_code, response.get_data(as_text=True)


def subscribers(app: Flask) -> list[tuple[str, str | None, str, str, list[str]]]:
    with app.app_context():
        session = app.extensions["loyalty"].session
        return [
            (
                s.email,
                s.first_name,
                s.status,
                s.consent_source,
                [topic.slug for topic in s.topics],
            )
            for s in session.scalars(sa.select(Subscriber).order_by(Subscriber.id))
        ]


def figure(html: str, label: str) -> int:
    match = re.search(rf"<strong>(\d+)</strong>{re.escape(label)}", html)
    assert match, html
    return int(match.group(1))


def test_an_export_imports_unchanged_into_a_new_shop(
    make_app: t.Callable[..., Flask], database_url: str
) -> None:
    old = make_app(database_url=database_url)
    with old.app_context():
        state = old.extensions["loyalty"]
        news = preferences.add_topic(state.session, state.now(), "New pieces").id
        sales = preferences.add_topic(state.session, state.now(), "Sales").id
        people = [
            ("anna@example.com", "Anna", [news, sales], "confirmed"),
            ("eleni@example.gr", "Ελένη", [news], "pending"),
            ("orsi@example.hu", '=HYPERLINK("x")', [sales], "confirmed"),
            ("-dash@example.com", 'Zoé, "the potter"', [], "confirmed"),
            ("gone@example.com", "Gone", [news], "unsubscribed"),
        ]
        for email, name, topic_ids, status in people:
            subscriber, _ = service.subscribe(
                state.session,
                state.now(),
                email=email,
                first_name=name,
                topic_ids=topic_ids,
                consent=service.Consent(
                    text="Yes, news please.", version="3", source="https://old.shop/"
                ),
                locale="hu" if email.endswith(".hu") else None,
            )
            if status != "pending":
                service.confirm(state.session, state.now(), subscriber)
            if status == "unsubscribed":
                service.unsubscribe(state.session, state.now(), subscriber, how="x")
        state.session.commit()
    old.extensions["loyalty"].extension.owner_check(lambda: True)
    response = old.test_client().get(EXPORT)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="subscribers-2026-03-02.csv"'
    )
    exported = response.get_data()
    rows = list(csv.DictReader(io.StringIO(exported.decode("utf-8-sig"))))
    assert list(rows[0]) == list(csv_io.COLUMNS)
    assert rows[0]["topics"] == "new-pieces;sales"
    assert rows[2]["first_name"] == '\'=HYPERLINK("x")'  # not a formula
    assert rows[3]["email"] == "'-dash@example.com"
    with old.app_context():
        engine = old.extensions["loyalty"].db.engine
        Base.metadata.drop_all(engine)
        engine.dispose()

    new = make_app(database_url=database_url)
    new.extensions["loyalty"].extension.owner_check(lambda: True)
    with new.app_context():
        state = new.extensions["loyalty"]
        for name in ("New pieces", "Sales"):
            preferences.add_topic(state.session, state.now(), name)
        state.session.commit()
    client = new.test_client()
    status, html = upload(client, exported, consent_source="our old shop", topics=[])
    assert status == 200, html
    assert figure(html, "added") == 4
    assert figure(html, "unsubscribed in the file, so skipped") == 1
    assert "3 are confirmed by the consent you stated." in html
    assert "1 gets an email asking to confirm." in html
    assert [m.to_addr for m in outbox(new)] == ["eleni@example.gr"]

    again = list(
        csv.DictReader(io.StringIO(client.get(EXPORT).get_data().decode("utf-8-sig")))
    )
    kept = ("email", "first_name", "status", "topics", "locale", "consent_text")
    assert [{k: r[k] for k in kept} for r in again] == [
        {k: r[k] for k in kept} for r in rows if r["status"] != "unsubscribed"
    ]
    assert {r["consent_source"] for r in again} == {"import: our old shop"}
    assert {r["consent_version"] for r in again} == {"3"}


def test_without_a_consent_source_each_gets_a_confirmation_email(
    app: Flask, owner: FlaskClient
) -> None:
    status, html = upload(
        owner,
        "Email,First_Name,Topics\nanna@example.com,Anna,sales\nBELA@example.hu,Béla,\n",
        topics=["1", "2"],
    )
    assert status == 200
    assert figure(html, "added") == 2
    assert "2 get an email asking to confirm." in html
    assert subscribers(app) == [
        ("anna@example.com", "Anna", "pending", "import", ["sales"]),
        ("bela@example.hu", "Béla", "pending", "import", ["new-pieces", "sales"]),
    ]
    mails = outbox(app)
    assert [(m.kind, m.to_addr) for m in mails] == [
        ("newsletter_confirm", "anna@example.com"),
        ("newsletter_confirm", "bela@example.hu"),
    ]
    assert "Dear Béla," in mails[1].text_body


def test_with_a_consent_source_they_are_confirmed_and_the_source_is_kept(
    app: Flask, owner: FlaskClient
) -> None:
    status, html = upload(
        owner,
        "email;first_name\nanna@example.com;Anna\n",  # a spreadsheet's semicolons
        consent_source="Sign-up sheet, craft fair May 2025",
    )
    assert status == 200
    assert "1 is confirmed by the consent you stated." in html
    assert subscribers(app) == [
        (
            "anna@example.com",
            "Anna",
            "confirmed",
            "import: Sign-up sheet, craft fair May 2025",
            ["new-pieces"],
        )
    ]
    assert outbox(app) == []
    page = owner.get("/loyalty/owner/newsletter/subscribers/1").get_data(as_text=True)
    assert "import: Sign-up sheet, craft fair May 2025" in page and "imported" in page


def test_existing_and_erased_addresses_are_left_alone(
    app: Flask, owner: FlaskClient
) -> None:
    with app.app_context():
        state = app.extensions["loyalty"]
        service.subscribe(
            state.session,
            state.now(),
            email="anna@example.com",
            first_name="Anna",
            topic_ids=[2],
            consent=service.Consent(text="Yes", version="1", source="page"),
        )
        personal_data.erase_subscriber(state.session, state.now(), "erased@example.com")
        state.session.commit()
    status, html = upload(
        owner,
        "email,first_name\n"
        "Anna@Example.com,Someone else\n"
        "erased@example.com,Erased\n"
        "new@example.com,\n"
        "new@example.com,Twice\n",
        consent_source="fair",
    )
    assert status == 200
    assert figure(html, "added") == 1
    assert figure(html, "already on the list (unchanged)") == 2
    assert figure(html, "erased before, so skipped") == 1
    assert subscribers(app) == [
        ("anna@example.com", "Anna", "pending", "page", ["sales"]),
        ("new@example.com", None, "confirmed", "import: fair", ["new-pieces"]),
    ]


def test_bad_lines_are_reported_with_their_numbers(
    app: Flask, owner: FlaskClient
) -> None:
    status, html = upload(
        owner,
        "email,first_name,topics,consent_text,consent_version\n"
        "anna@example.com,Anna,,,\n"
        "not-an-address,Bad,\n"
        ",Empty,\n"
        'eve@example.com,"Eve\x07",\n'
        "zoe@example.com,Zoé,workshops;knitting\n"
        f"long@example.com,{'x' * 101},\n"
        "nul@example.com,Nul,,Yes\x00please,1\n"
        "\n",
    )
    assert status == 200
    assert figure(html, "added") == 1
    assert figure(html, "lines with a problem") == 6
    problems = re.findall(r'<td class="num">(\d+)</td><td>([^<]+)</td>', html)
    assert [int(line) for line, _ in problems] == [3, 4, 5, 6, 7, 8]
    reasons = dict(problems)
    assert "is not a valid email address" in reasons["3"]
    assert "required" in reasons["4"]
    assert "control characters" in reasons["5"]
    assert "Unknown topic “knitting”" in reasons["6"]
    assert "at most 100 characters" in reasons["7"]
    assert "control characters" in reasons["8"]
    assert [s[0] for s in subscribers(app)] == ["anna@example.com"]


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"name,first_name\nanna@example.com,Anna\n", "one called “email”"),
        ("email\nörsi@example.hu\n".encode("latin-1"), "not UTF-8"),
        (b"", "The file is empty."),
        (b"email\n" + b"a" * 200_000 + b"@example.com\n", "not valid CSV (line 2)"),
        (b"email\nanna@example.com\n" + b"x" * 300_000, "The file is too large"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused(
    app: Flask,
    owner: FlaskClient,
    monkeypatch: pytest.MonkeyPatch,
    content: bytes,
    error: str,
) -> None:
    # Uploads stay under 500 kB: larger ones make the test client leave a
    # temporary file open.
    monkeypatch.setattr(csv_io, "MAX_BYTES", 250_000)
    status, html = upload(owner, content)
    assert status == 400
    assert error in html
    assert subscribers(app) == []
    assert outbox(app) == []


def test_an_upload_far_over_the_limit_is_refused_unread(
    app: Flask, owner: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(csv_io, "MAX_BYTES", 10)
    status, html = upload(owner, b"email\n" + b"a@example.com\n" * 10_000)
    assert status == 400 and "The file is too large" in html
    assert subscribers(app) == []


def test_the_size_limit_is_20_mb() -> None:
    with pytest.raises(csv_io.InvalidImport, match="at most 20 MB"):
        csv_io.read_csv(io.BytesIO(b"email\n" + b"x" * (20 * 1024 * 1024)))
    rows = csv_io.read_csv(io.BytesIO(b"\xef\xbb\xbfEMAIL\tName\r\na@b.c\tA\r\n"))
    assert list(rows) == [{"email": "a@b.c", "name": "A"}]


def test_the_import_commits_batch_by_batch(app: Flask, topics: dict[str, int]) -> None:
    rows = [{"email": f"p{i % 7}@example.com", "topics": "sales"} for i in range(10)]
    rows[4] = {"email": "broken"}
    with app.app_context():
        state = app.extensions["loyalty"]
        pending: list[str] = []
        report = csv_io.import_subscribers(
            state.session,
            state.now(),
            rows,
            consent=service.Consent(text="Yes", version="1", source="import"),
            on_pending=lambda subscriber: pending.append(subscriber.email),
            batch=3,
        )
    assert (report.added, report.already, report.invalid) == (6, 3, 1)
    assert report.problems == [(6, "'broken' is not a valid email address.")]
    assert pending == [f"p{i}@example.com" for i in (0, 1, 2, 3, 5, 6)]
    assert {s[4] == ["sales"] for s in subscribers(app)} == {True}
