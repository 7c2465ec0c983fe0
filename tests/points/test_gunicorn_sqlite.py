"""Two gunicorn workers on one SQLite file, 20 clients redeeming at once from an
account that covers five: five codes, fifteen clear refusals, never a 500 (SQLite's
"database is locked" is retried)."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import threading
import time
import typing as t
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

import pytest
from flask import Flask

from flask_loyalty import Loyalty

from .conftest import balance
from .conftest import form_token

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")
ANNA = {"X-Customer": "anna@example.com"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def open_form(port: int) -> tuple[str, str]:
    """Load her points page like a browser: the session cookie and CSRF token."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", "/loyalty/points", headers=ANNA)
        response = connection.getresponse()
        html = response.read().decode()
        cookie = response.getheader("Set-Cookie", "").split(";", 1)[0]
        return cookie, form_token(html)
    finally:
        connection.close()


def post_redeem(port: int, cookie: str, token: str) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(
            "POST",
            "/loyalty/points/redeem",
            body=urlencode({"points": "500", "csrf_token": token}),
            headers={
                **ANNA,
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": cookie,
            },
        )
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


def wait_until_up(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail("gunicorn stopped before answering")
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            connection.request("GET", "/loyalty/sign-in/sent")
            if connection.getresponse().status == 200:
                return
        except OSError:  # not listening yet, or too slow to answer
            time.sleep(0.2)
        finally:
            connection.close()  # an attempt left open fails the test at GC time
    pytest.fail("gunicorn did not answer in 30 seconds")


@pytest.mark.skipif(not GUNICORN.exists(), reason="gunicorn is not installed")
def test_two_gunicorn_workers_never_overspend_on_sqlite(
    make_app: t.Callable[..., Flask], tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    app = make_app(database_url=url)
    loyalty: Loyalty = app.extensions["loyalty"].extension
    with app.app_context():
        loyalty.record_order(
            "SF-1", email="anna@example.com", total=Decimal("500.00")
        )  # 2,500 points: five redemptions of 500
    port = free_port()
    log = (tmp_path / "gunicorn.log").open("wb")
    process = subprocess.Popen(
        [
            str(GUNICORN),
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "tests.points.gunicorn_app:create_app()",
        ],
        cwd=ROOT,
        env={**os.environ, "LOYALTY_POINTS_DATABASE_URL": url},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until_up(port, process)
        barrier = threading.Barrier(20)
        results: list[tuple[int, str]] = []

        def client() -> None:
            cookie, token = open_form(port)
            barrier.wait()
            results.append(post_redeem(port, cookie, token))

        threads = [threading.Thread(target=client) for _ in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()
    statuses = sorted(status for status, _body in results)
    assert statuses == [302] * 5 + [400] * 15, (tmp_path / "gunicorn.log").read_text()
    for status, body in results:
        if status == 400:
            assert "You do not have enough points" in body
    with app.app_context():
        assert balance(loyalty) == 0
