"""LOYALTY_MAIL_DELIVERY = "file": the demo's worker writes .eml files."""

from __future__ import annotations

import email
import email.policy
import typing as t
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from flask_loyalty.models import OutboxMessage
from flask_loyalty.outbox.queueing import queue_mail


def test_the_worker_writes_each_message_to_a_file_and_marks_it_sent(
    make_app: t.Callable[..., Flask], tmp_path: Path
) -> None:
    folder = tmp_path / "mail"
    app = make_app(LOYALTY_MAIL_DELIVERY="file", LOYALTY_MAIL_FILE_DIR=str(folder))
    with app.app_context():
        state = app.extensions["loyalty"]
        for n in range(3):
            queue_mail(
                state.session,
                state.now(),
                kind="test",
                to=f"p{n}@example.com",
                subject=f"Hello {n}",
                text="Plain",
                html="<p>Rich</p>",
                headers={"List-Id": "Shop <news.shop.test>"},
            )
        state.session.commit()
    result = app.test_cli_runner().invoke(args=["loyalty", "worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "delivered 3" in result.output
    files = sorted(folder.glob("*.eml"))
    assert len(files) == 3
    parsed = [
        email.message_from_bytes(f.read_bytes(), policy=email.policy.default)
        for f in files
    ]
    assert sorted(m["To"] for m in parsed) == [f"p{n}@example.com" for n in range(3)]
    assert all(m["List-Id"] == "Shop <news.shop.test>" for m in parsed)
    assert all(m.get_body(("plain",)).get_content().strip() == "Plain" for m in parsed)
    with app.app_context():
        statuses = (
            app.extensions["loyalty"]
            .session.scalars(sa.select(OutboxMessage.status))
            .all()
        )
    assert statuses == ["sent"] * 3
