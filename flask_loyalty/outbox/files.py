"""Delivery into a folder of ``.eml`` files, for the demo and for development.

With ``LOYALTY_MAIL_DELIVERY = "file"`` the worker writes each message to
``LOYALTY_MAIL_FILE_DIR`` instead of talking to an SMTP server, and marks it sent;
the owner area shows it like any other. Any mail program opens the files.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask_mail import Message


class FolderConnection:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def __enter__(self) -> FolderConnection:
        self.folder.mkdir(parents=True, exist_ok=True)
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def send(self, message: Message) -> None:
        data = message.as_bytes()
        name = message.msgId.strip("<>").replace("/", "_").replace("@", "_at_")
        target = self.folder / f"{name}.eml"
        temporary = target.with_suffix(".tmp")
        temporary.write_bytes(data)
        os.replace(temporary, target)


class FolderMailer:
    """Stands in for Flask-Mail's ``Mail``: ``connect()`` opens the folder."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)

    def connect(self) -> FolderConnection:
        return FolderConnection(self.folder)
