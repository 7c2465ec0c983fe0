"""One SMTP connection for a whole worker run instead of one per batch.

Every batch of :func:`~flask_loyalty.outbox.service.deliver_due` opens a
connection and closes it. A worker draining the outbox hands it a
:class:`KeptConnection` instead: the first batch opens the connection, later batches
go on using it, and the worker closes it when the run ends (so no connection idles
between rounds). A connection that broke (the server went away, said 421, or the
socket failed) is opened anew for the next batch; Flask-Mail's ``MAIL_MAX_EMAILS``
is kept: after that many messages the connection is closed and opened again.
"""

from __future__ import annotations

import smtplib
import typing as t


class KeptConnection:
    """Stands in for Flask-Mail's ``Mail`` (or a
    :class:`~flask_loyalty.outbox.files.FolderMailer`): ``connect()`` gives the
    connection that is already open, and leaving it does not close it."""

    def __init__(self, mail: t.Any) -> None:
        self._mail = mail
        self._connection: t.Any = None
        self._broken = False
        self._sent = 0
        self.opened = 0
        """How many connections were opened (the tests and the benchmark read it)."""

    def connect(self) -> KeptConnection:
        return self

    def __enter__(self) -> KeptConnection:
        self._ensure()  # raises if the server is down: deliver_due retries the batch
        return self

    def __exit__(self, *exc: object) -> None:
        """Kept open for the next batch: :meth:`close` ends it."""

    def _ensure(self) -> None:
        """Open a connection if there is none, or the last one is spent."""
        max_emails = getattr(self._mail, "max_emails", None)
        if self._connection is not None and (
            self._broken or (max_emails and self._sent >= max_emails)
        ):
            self.close()
        if self._connection is None:
            connection = self._mail.connect()
            connection.__enter__()  # connects and logs in
            self._connection, self._broken, self._sent = connection, False, 0
            self.opened += 1

    @property
    def host(self) -> KeptConnection | None:
        """``None`` when Flask-Mail does not send (``MAIL_SUPPRESS_SEND``)."""
        return None if self._connection.host is None else self

    def sendmail(self, from_addr: str, to_addrs: list[str], data: bytes) -> t.Any:
        self._ensure()
        host = self._connection.host
        try:
            result = host.sendmail(from_addr, to_addrs, data)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException):
            # The server answered: smtplib reset the transaction, so the connection
            # serves the next message, unless the server said 421 and smtplib closed.
            if getattr(host, "sock", True) is None:
                self._broken = True
            raise
        except Exception:
            self._broken = True
            raise
        self._sent += 1
        return result

    def close(self) -> None:
        """Say QUIT and close; a connection that already broke is just dropped."""
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            connection.__exit__(None, None, None)
        except (OSError, smtplib.SMTPException):  # it was gone already
            if connection.host is not None:
                connection.host.close()
