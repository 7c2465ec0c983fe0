"""Fixtures for the real services: SMTP (aiosmtpd), Redis, a live HTTP server and
headless Chromium (Playwright driving Debian's ``/usr/bin/chromium``).

Each one calls :func:`tests.conftest.require`: a missing service skips the test with
the reason printed, and fails it when ``CI=true``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import email
import email.policy
import os
import socket
import threading
import time
import typing as t
from dataclasses import dataclass
from dataclasses import field
from email.message import EmailMessage
from pathlib import Path

import pytest
from flask import Flask

from tests.conftest import require

REDIS_URL = os.environ.get("LOYALTY_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port on ``host`` with nothing listening on it (right now)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


# -- SMTP ---------------------------------------------------------------------


@dataclass(frozen=True)
class Envelope:
    """The SMTP envelope of one received message."""

    mail_from: str
    rcpt_tos: list[str]


@dataclass
class SMTPServer:
    """A real SMTP server on 127.0.0.1 that keeps every message it receives."""

    host: str
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[Envelope] = field(default_factory=list)
    _changed: threading.Condition = field(default_factory=threading.Condition)

    async def handle_DATA(self, server: t.Any, session: t.Any, envelope: t.Any) -> str:
        """aiosmtpd handler hook: parse and keep the message."""
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode()
        # SMTP carries CRLF line ends; parse with Python's "\n" so bodies compare.
        raw = raw.replace(b"\r\n", b"\n")
        message = t.cast(
            EmailMessage, email.message_from_bytes(raw, policy=email.policy.default)
        )
        with self._changed:
            self.messages.append(message)
            self.envelopes.append(Envelope(envelope.mail_from, list(envelope.rcpt_tos)))
            self._changed.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 5.0) -> list[EmailMessage]:
        """Wait until at least ``count`` messages arrived; return them all.

        :raises AssertionError: if fewer arrived within ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self.messages) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"expected {count} messages at the SMTP server within"
                        f" {timeout}s, got {len(self.messages)}"
                    )
                self._changed.wait(left)
            return list(self.messages)


S = t.TypeVar("S", bound=SMTPServer)


@contextlib.contextmanager
def serving(kind: type[S] = SMTPServer, **fields: t.Any) -> t.Iterator[S]:  # type: ignore[assignment]
    """Run a real aiosmtpd server (``kind``, an :class:`SMTPServer` or a subclass
    with its own handler hooks) on a free port of 127.0.0.1 until the block ends."""
    try:
        from aiosmtpd.controller import Controller
    except ImportError:  # pragma: no cover - dev extra not installed
        require(False, "aiosmtpd is not installed (pip install -e '.[dev]')")
        raise
    server = kind(host="127.0.0.1", port=free_port(), **fields)
    controller = Controller(
        server, hostname=server.host, port=server.port, ready_timeout=5.0
    )
    try:
        controller.start()
    except Exception as error:  # noqa: BLE001 - report why, then skip or fail
        require(False, f"could not start aiosmtpd on 127.0.0.1: {error}")
    try:
        yield server
    finally:
        controller.stop()


@pytest.fixture
def smtp_server() -> t.Iterator[SMTPServer]:
    """A real aiosmtpd server on a free port of 127.0.0.1, stopped at teardown."""
    with serving() as server:
        yield server


# -- Redis --------------------------------------------------------------------


@pytest.fixture
def redis_url() -> t.Iterator[str]:
    """The test Redis database (``LOYALTY_TEST_REDIS_URL``), emptied around the test."""
    try:
        import redis
    except ImportError:  # pragma: no cover - dev extra not installed
        require(False, "the redis package is not installed (pip install -e '.[dev]')")
        raise
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        available = bool(client.ping())
    except redis.RedisError:
        available = False
    if not available:
        client.close()
    require(available, f"no Redis at {REDIS_URL}")
    client.flushdb()
    try:
        yield REDIS_URL
    finally:
        client.flushdb()
        client.close()


# -- a live HTTP server -------------------------------------------------------


def _buffered(app: t.Any) -> t.Any:
    """``app`` answering with its whole body read (and its file closed) before a
    byte goes out: a browser that leaves a page while an image still loads would
    otherwise leave the image's file open in the server's thread, and its
    ResourceWarning fails the run."""

    def wsgi(environ: t.Any, start_response: t.Any) -> list[bytes]:
        iterable = app(environ, start_response)
        try:
            return [b"".join(iterable)]
        finally:
            close = getattr(iterable, "close", None)
            if close is not None:
                close()

    return wsgi


@pytest.fixture
def live_server() -> t.Iterator[t.Callable[[Flask], str]]:
    """``base_url = live_server(app)``: serve ``app`` on 127.0.0.1 in a thread."""
    from werkzeug.serving import BaseWSGIServer
    from werkzeug.serving import make_server

    servers: list[tuple[BaseWSGIServer, threading.Thread]] = []

    def serve(app: Flask) -> str:
        server = make_server("127.0.0.1", 0, _buffered(app), threaded=True)
        thread = threading.Thread(
            target=server.serve_forever, name=f"live-server-{server.port}", daemon=True
        )
        thread.start()
        servers.append((server, thread))
        base_url = f"http://127.0.0.1:{server.port}"
        state = app.extensions.get("loyalty")
        if state is not None:  # links in email lead to this server
            state.settings = dataclasses.replace(state.settings, base_url=base_url)
        return base_url

    yield serve
    for server, thread in servers:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# -- headless Chromium ----------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> t.Iterator[t.Any]:
    """Debian's Chromium, headless, through Playwright (one for the whole run)."""
    require(
        CHROMIUM.exists(),
        f"{CHROMIUM} is missing (apt-get install chromium; never 'playwright install')",
    )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - dev extra not installed
        require(False, "playwright is not installed (pip install -e '.[dev]')")
        raise
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser: t.Any) -> t.Iterator[t.Any]:
    """A fresh browser context and page (1280x800) for one test."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()
