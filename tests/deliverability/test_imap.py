"""``flask loyalty bounces --imap``: new messages of an IMAP mailbox are read once.

The server is a small IMAP4rev1 responder on 127.0.0.1 speaking the commands the
command uses (LOGIN, SELECT, UID SEARCH UNSEEN, UID FETCH, UID STORE, LOGOUT), so
the real imaplib client and socket are exercised.
"""

from __future__ import annotations

import socketserver
import threading
import typing as t

import pytest

from . import samples
from .conftest import MakeApp
from .conftest import add_subscribers
from .test_bounces import TO
from .test_bounces import queue_for
from .test_bounces import suppressions


class Mailbox:
    def __init__(self, messages: list[bytes]) -> None:
        self.messages = messages
        self.seen: set[int] = set()
        self.logins: list[tuple[str, str]] = []


def make_handler(box: Mailbox) -> type[socketserver.StreamRequestHandler]:
    class Handler(socketserver.StreamRequestHandler):
        def send(self, line: str | bytes) -> None:
            self.wfile.write(line if isinstance(line, bytes) else line.encode())

        def handle(self) -> None:
            self.send("* OK [CAPABILITY IMAP4rev1] test server ready\r\n")
            while line := self.rfile.readline():
                tag, _, rest = line.decode().rstrip("\r\n").partition(" ")
                words = rest.split(" ")
                command = words[0].upper()
                if command == "LOGIN":
                    box.logins.append((words[1].strip('"'), words[2].strip('"')))
                elif command == "SELECT":
                    self.send(f"* {len(box.messages)} EXISTS\r\n")
                elif command == "UID" and words[1].upper() == "SEARCH":
                    unseen = [
                        str(n + 1)
                        for n in range(len(box.messages))
                        if n + 1 not in box.seen
                    ]
                    self.send(f"* SEARCH {' '.join(unseen)}\r\n".replace(" \r", "\r"))
                elif command == "UID" and words[1].upper() == "FETCH":
                    uid = int(words[2])
                    raw = box.messages[uid - 1]
                    self.send(f"* {uid} FETCH (UID {uid} BODY[] {{{len(raw)}}}\r\n")
                    self.send(raw + b")\r\n")
                elif command == "UID" and words[1].upper() == "STORE":
                    box.seen.add(int(words[2]))
                    self.send(f"* {words[2]} FETCH (FLAGS (\\Seen))\r\n")
                elif command == "LOGOUT":
                    self.send("* BYE\r\n")
                    self.send(f"{tag} OK LOGOUT completed\r\n")
                    return
                self.send(f"{tag} OK {command} completed\r\n")

    return Handler


@pytest.fixture
def imap_server() -> t.Iterator[tuple[str, Mailbox]]:
    box = Mailbox([])
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), make_handler(box))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield (
            f"imap://bounce%40fern.test:s3cret@127.0.0.1:{server.server_address[1]}/INBOX",
            box,
        )
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_imap_bounces_are_read_once(
    make_app: MakeApp, imap_server: tuple[str, Mailbox]
) -> None:
    url, box = imap_server
    app = make_app(LOYALTY_BOUNCE_IMAP_URL=url)
    add_subscribers(app, ["dan@example.org"])
    [(_, mid)] = queue_for(app, "dan@example.org")
    box.messages += [
        samples.render(samples.QMAIL, to=TO, rcpt="dan@example.org", mid=mid, id="q"),
        samples.render(samples.VACATION, to=TO, rcpt="dan@example.org", id="v"),
    ]
    runner = app.test_cli_runner()

    first = runner.invoke(args=["loyalty", "bounces"])

    assert first.exit_code == 0, first.output
    assert "1 suppressed" in first.output
    assert "1 not a bounce" in first.output
    assert box.logins == [("bounce@fern.test", "s3cret")]
    assert box.seen == {1, 2}
    assert suppressions(app) == {"dan@example.org": "bounce"}
    again = runner.invoke(args=["loyalty", "bounces"])
    assert "nothing new" in again.output


def test_an_unreachable_imap_server_is_a_clear_error(make_app: MakeApp) -> None:
    from tests.plugins.services import free_port

    app = make_app()
    url = f"imap://u:p@127.0.0.1:{free_port()}/INBOX"
    result = app.test_cli_runner().invoke(args=["loyalty", "bounces", "--imap", url])
    assert result.exit_code == 1
    assert "IMAP 127.0.0.1" in result.output
    bad = app.test_cli_runner().invoke(
        args=["loyalty", "bounces", "--imap", "pop3://x"]
    )
    assert bad.exit_code == 1
    assert "imaps://user:pw@host/INBOX" in bad.output
