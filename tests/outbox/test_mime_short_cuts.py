"""The MIME writer's two short cuts (issue 22: an order's offer email is written
in the order's transaction) give the bytes the ``email`` package gives."""

from __future__ import annotations

import random
from datetime import UTC
from datetime import datetime
from email import message_from_bytes
from email import policy

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from flask_loyalty.outbox import mime

COMPAT32 = policy.compat32.clone(linesep="\r\n", max_line_length=998)

header_values = st.one_of(
    st.text(st.sampled_from(list("aZ09 .,;:<>@=?-\t\"'()") + ["é", "λ"]), max_size=90),
    st.from_regex(r"[!-~]{1,20}( [!-~]{1,20}){0,6}", fullmatch=True),
    st.builds(lambda n: "x" * n, st.integers(900, 1100)),
)


@settings(max_examples=500, deadline=None)
@given(st.sampled_from(["Subject", "To", "List-Unsubscribe", "X"]), header_values)
def test_a_header_is_folded_as_compat32_folds_it(name: str, value: str) -> None:
    assert mime._WIRE.fold_binary(name, value) == COMPAT32.fold_binary(name, value)


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("Dear Anna,\n\nyour code: ABCD-EFGH-JK\n", "<p>Dear Anna,</p>"),
        ("Tere, Ünõ — 20% == kümme\n--" + "=" * 15 + "1==\n", "<p>a == b &amp; ü</p>"),
        ("x" * 3000, "<p>" + "y " * 2000 + "</p>"),
        ("only text", None),
    ],
)
def test_a_message_has_the_bytes_of_the_email_package(
    monkeypatch: pytest.MonkeyPatch, text: str, html: str | None
) -> None:
    def build() -> bytes:
        random.seed(7)  # the same boundary; then the same Message-ID's part
        message_id, raw = mime.build(
            sender=("Clay & Thread", "shop@example.com"),
            to="Anna Tamm <anna@example.com>",
            subject="A gift for you, Anna — ü",
            text=text,
            html=html,
            headers={"Content-Language": "et", "List-Id": "<news.shop.test>"},
            date=datetime(2026, 3, 2, 10, tzinfo=UTC),
        )
        return raw.replace(message_id.encode(), b"<id>")

    ours = build()
    monkeypatch.setattr(mime, "_WIRE", COMPAT32)
    assert ours == build()
    monkeypatch.setattr(mime, "_boundary", lambda: None)  # the generator's own
    parsed = message_from_bytes(build())
    again = message_from_bytes(ours)
    assert [p.get_payload(decode=True) for p in again.walk()] == [
        p.get_payload(decode=True) for p in parsed.walk()
    ]
    assert again.is_multipart() == (html is not None)
