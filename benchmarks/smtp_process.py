"""The SMTP server of the newsletter benchmark, in a process of its own.

``serve_smtp`` runs aiosmtpd on 127.0.0.1 and keeps what it receives;
``SMTPProcess`` starts it (``python benchmarks/smtp_process.py --serve-smtp PORT``)
and talks to it from the benchmark.
"""

from __future__ import annotations

import pickle
import socket
import subprocess
import sys
import typing as t
import uuid
from pathlib import Path


def serve_smtp(port: int) -> None:
    """Run aiosmtpd on 127.0.0.1:port, keeping what it receives; commands on stdin:
    ``dump PATH`` (write the messages as a pickle, forget them, answer the count),
    ``stop``."""
    from aiosmtpd.controller import Controller

    class Keep:
        def __init__(self) -> None:
            self.received: list[tuple[str, list[str], bytes]] = []

        async def handle_DATA(self, server: t.Any, session: t.Any, envelope: t.Any):
            data = envelope.original_content or envelope.content
            self.received.append((envelope.mail_from, list(envelope.rcpt_tos), data))
            return "250 Message accepted for delivery"

    handler = Keep()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    for line in sys.stdin:
        command, _, argument = line.strip().partition(" ")
        if command == "dump":
            received, handler.received = handler.received, []
            Path(argument).write_bytes(pickle.dumps(received))
            print(len(received), flush=True)
        elif command == "stop":
            break
    controller.stop()


class SMTPProcess:
    """The server process, seen from the benchmark."""

    def __init__(self) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--serve-smtp", str(self.port)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout and self.process.stdin
        if self.process.stdout.readline().strip() != "ready":
            raise SystemExit("the aiosmtpd server process did not start")

    def take(self, folder: Path) -> list[tuple[str, list[str], bytes]]:
        """What the server received since the last call."""
        path = folder / f"received-{uuid.uuid4().hex}.pickle"
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write(f"dump {path}\n")
        self.process.stdin.flush()
        count = int(self.process.stdout.readline())
        received = pickle.loads(path.read_bytes())
        path.unlink()
        assert len(received) == count
        return t.cast(list[tuple[str, list[str], bytes]], received)

    def stop(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin
            self.process.stdin.write("stop\n")
            self.process.stdin.close()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout:
            self.process.stdout.close()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve-smtp"]:
        serve_smtp(int(sys.argv[2]))
