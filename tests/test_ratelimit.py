"""Fixed-window rate limits, in memory and in Redis, and the sign-in form's 429."""

from __future__ import annotations

import re
import typing as t
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from flask_loyalty.outbox.models import OutboxMessage
from flask_loyalty.ratelimit import MemoryRateLimiter
from flask_loyalty.ratelimit import RateLimiter
from flask_loyalty.ratelimit import RedisRateLimiter


class FakeTime:
    """A ``now`` for the limiters: seconds since the epoch, moved by hand."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def fake_time() -> FakeTime:
    # 1_800_000_000 is a multiple of 900 and of 60: the start of a window.
    return FakeTime()


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def storage(request: pytest.FixtureRequest) -> str | None:
    """``None`` for the in-memory limiter, else the test Redis URL."""
    if request.param == "memory":
        return None
    return t.cast(str, request.getfixturevalue("redis_url"))


def make_limiter(storage: str | None, now: t.Callable[[], float]) -> RateLimiter:
    if storage is None:
        return MemoryRateLimiter(now=now)
    return RedisRateLimiter(storage, now=now)


def hits(limiter: RateLimiter, key: str, count: int, limit: int, window: int) -> list:
    return [limiter.hit(key, limit, window) for _ in range(count)]


def test_limit_is_reached_within_a_window(
    storage: str | None, fake_time: FakeTime
) -> None:
    limiter = make_limiter(storage, fake_time)

    assert hits(limiter, "sign-in:a", 5, limit=3, window=60) == [
        True,
        True,
        True,
        False,
        False,
    ]
    fake_time.now += 59.9
    assert limiter.hit("sign-in:a", 3, 60) is False


def test_a_new_window_starts_counting_again(
    storage: str | None, fake_time: FakeTime
) -> None:
    limiter = make_limiter(storage, fake_time)
    assert hits(limiter, "k", 3, limit=2, window=60) == [True, True, False]

    fake_time.now += 60
    assert hits(limiter, "k", 3, limit=2, window=60) == [True, True, False]

    fake_time.now += 3600
    assert limiter.hit("k", 2, 60) is True


def test_keys_and_windows_are_independent(
    storage: str | None, fake_time: FakeTime
) -> None:
    limiter = make_limiter(storage, fake_time)
    assert hits(limiter, "ip:1", 2, limit=2, window=60) == [True, True]
    assert limiter.hit("ip:1", 2, 60) is False

    assert limiter.hit("ip:2", 2, 60) is True
    # The same key with another window length is another counter.
    assert limiter.hit("ip:1", 2, 900) is True


@pytest.mark.redis
def test_redis_counters_expire_after_their_window(
    redis_url: str, fake_time: FakeTime
) -> None:
    import redis

    limiter = RedisRateLimiter(redis_url, now=fake_time)
    limiter.hit("sign-in:x", 5, 900)

    client = redis.Redis.from_url(redis_url)
    try:
        [name] = client.keys("flask-loyalty:rl:*")
        assert name.decode() == f"flask-loyalty:rl:sign-in:x:{1_800_000_000 // 900}"
        assert 0 < client.ttl(name) <= 901
        assert client.get(name) == b"1"
    finally:
        client.close()


def test_memory_limiter_forgets_old_windows(fake_time: FakeTime) -> None:
    limiter = MemoryRateLimiter(now=fake_time)
    for n in range(10_001):
        limiter.hit(f"old:{n}", 1, 60)
    fake_time.now += 60
    limiter.hit("new", 1, 60)
    # Past windows are dropped once the table grows large; the new count stays.
    assert len(limiter._counts) <= 2
    assert limiter.hit("new", 1, 60) is False


# -- the sign-in form ---------------------------------------------------------------

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
TOO_MANY = "Too many attempts. Please wait a few minutes and try again."


def post_sign_in(client: FlaskClient, email: str) -> t.Any:
    page = client.get("/loyalty/").get_data(as_text=True)
    match = CSRF.search(page)
    assert match, "the sign-in form has no CSRF token"
    return client.post(
        "/loyalty/sign-in", data={"email": email, "csrf_token": match.group(1)}
    )


@pytest.fixture
def limited_app(
    make_app: t.Callable[..., Flask], storage: str | None, fake_time: FakeTime
) -> Flask:
    """An app allowing 2 sign-in emails per address (8 per client) per 15 minutes."""
    app = make_app(LOYALTY_RATE_LIMIT=(2, 900), LOYALTY_RATE_LIMIT_STORAGE_URL=storage)
    state = app.extensions["loyalty"]
    expected = MemoryRateLimiter if storage is None else RedisRateLimiter
    assert type(state.rate_limiter) is expected
    # The same kind of limiter with a hand-moved clock, so windows are exact.
    state.rate_limiter = make_limiter(storage, fake_time)
    with app.app_context():
        state.extension.record_order(
            "A-1", email="anna@example.com", name="Anna", total=Decimal(10)
        )
    return app


def outbox_count(app: Flask) -> int:
    with app.app_context():
        session = app.extensions["loyalty"].session
        return int(session.scalar(sa.select(sa.func.count(OutboxMessage.id))))


def test_sign_in_answers_429_after_the_limit_for_one_address(
    limited_app: Flask, fake_time: FakeTime
) -> None:
    client = limited_app.test_client()

    answers = [post_sign_in(client, "anna@example.com") for _ in range(3)]

    assert [a.status_code for a in answers] == [302, 302, 429]
    page = answers[2].get_data(as_text=True)
    assert TOO_MANY in page
    assert 'name="email"' in page, "the form is shown again"
    assert outbox_count(limited_app) == 2
    # Another address is still served...
    assert post_sign_in(client, "bea@example.com").status_code == 302
    # ...and after the window Anna may ask again.
    fake_time.now += 900
    assert post_sign_in(client, "anna@example.com").status_code == 302
    assert outbox_count(limited_app) == 3


def test_sign_in_limits_one_client_across_addresses(limited_app: Flask) -> None:
    client = limited_app.test_client()

    codes = [post_sign_in(client, f"p{n}@example.com").status_code for n in range(9)]

    assert codes == [302] * 8 + [429]
    # A new session (fresh cookies) from the same address is the same client; the
    # form itself still loads, only sending is refused.
    other = limited_app.test_client()
    assert other.get("/loyalty/").status_code == 200
    assert post_sign_in(other, "q@example.com").status_code == 429
