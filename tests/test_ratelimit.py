"""The rate-limit settings are checked at ``init_app``, and addresses are folded for
the count only. The attacks themselves are driven over HTTP in
``tests/example_shop/test_mail_limits.py``."""

from __future__ import annotations

import typing as t

import pytest
from flask import Flask
from limits import RateLimitItemPerHour
from limits.storage import MemoryStorage

from flask_loyalty.ratelimit import Limiter
from flask_loyalty.ratelimit import fold_address


@pytest.mark.parametrize(
    ("address", "folded"),
    [
        ("Victim@Example.com", "victim@example.com"),
        ("victim+shop@example.com", "victim@example.com"),
        ("victim+a+b@example.com", "victim@example.com"),
        ("v.i.c.t.i.m@gmail.com", "victim@gmail.com"),
        ("Vic.Tim+x@googlemail.com", "victim@gmail.com"),
        ("first.last@example.org", "firstlast@example.org"),
        ("victim@sub.example.com", "victim@sub.example.com"),
    ],
)
def test_addresses_are_folded_for_the_count(address: str, folded: str) -> None:
    assert fold_address(address) == folded


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("LOYALTY_RATE_LIMIT", 5),  # issue 19: a TypeError at the first request
        ("LOYALTY_RATE_LIMIT", "five a day"),
        ("LOYALTY_RATE_LIMIT", "0/hour"),
        ("LOYALTY_RATE_LIMIT", (0, 900)),
        ("LOYALTY_RATE_LIMIT", (5.0, 900)),
        ("LOYALTY_MAIL_LIMIT_PER_RECIPIENT", "3/hour,6/fortnight"),
        ("LOYALTY_MAIL_LIMIT_PER_RECIPIENT", None),
        ("LOYALTY_LOOKUP_RATE_LIMIT", ""),
        ("LOYALTY_CODE_RATE_LIMIT", (20,)),
        ("LOYALTY_RATE_LIMIT_STORAGE_URL", "redis//localhost"),
        ("LOYALTY_RATE_LIMIT_STORAGE_URL", "nosuch://localhost"),
        ("LOYALTY_RATE_LIMIT_STORAGE_URL", "memcached://localhost:11211"),
    ],
)
def test_a_bad_limit_setting_fails_at_init_app_naming_the_key(
    make_app: t.Callable[..., Flask], key: str, value: object
) -> None:
    with pytest.raises(RuntimeError, match=key):
        make_app(**{key: value})


def test_limits_read_in_either_notation(make_app: t.Callable[..., Flask]) -> None:
    app = make_app(
        LOYALTY_RATE_LIMIT=(5, 900),
        LOYALTY_MAIL_LIMIT_PER_RECIPIENT="2 per hour; 4 per day",
        LOYALTY_RATE_LIMIT_STORAGE_URL=None,
    )
    settings = app.extensions["loyalty"].settings
    assert [(i.amount, i.get_expiry()) for i in settings.rate_limit] == [(5, 900)]
    assert [(i.amount, i.get_expiry()) for i in settings.mail_limit_per_recipient] == [
        (2, 3600),
        (4, 86400),
    ]
    assert isinstance(app.extensions["loyalty"].limiter.storage, MemoryStorage)


def test_a_client_over_its_limit_uses_none_of_the_address_s_budget(
    app: Flask,
) -> None:
    limiter = Limiter(
        MemoryStorage(),
        per_client=(RateLimitItemPerHour(2),),
        per_recipient=(RateLimitItemPerHour(3),),
        keyed={},
    )
    with app.app_context():
        attacker = [
            limiter.allow_mail("sign-in", "anna@example.com", "10.0.0.1")
            for _ in range(5)
        ]
        # Anna herself, from her own connection, still has one request left.
        anna = [
            limiter.allow_mail("sign-in", "anna@example.com", "10.0.0.2")
            for _ in range(2)
        ]
    assert attacker == [True, True, False, False, False]
    assert anna == [True, False]


def test_a_kind_without_a_limit_is_a_programming_error(app: Flask) -> None:
    limiter = app.extensions["loyalty"].limiter
    with app.app_context(), pytest.raises(KeyError):
        limiter.allow("no-such-kind", "x")
