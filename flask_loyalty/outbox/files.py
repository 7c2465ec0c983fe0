"""Delivery into a folder of ``.eml`` files, for the demo and for development.

With ``LOYALTY_MAIL_DELIVERY = "file"`` the worker writes each message to
``LOYALTY_MAIL_FILE_DIR`` instead of talking to an SMTP server, and marks it sent;
the owner area shows it like any other. Any mail program opens the files.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path


class FolderConnection:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def __enter__(self) -> FolderConnection:
        self.folder.mkdir(parents=True, exist_ok=True)
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    @property
    def host(self) -> FolderConnection:
        """Stands in for the SMTP connection: :meth:`sendmail` writes a file."""
        return self

    def sendmail(self, from_addr: str, to_addrs: list[str], data: bytes) -> None:
        target = self.folder / f"{uuid.uuid4().hex}.eml"
        temporary = target.with_suffix(".tmp")
        temporary.write_bytes(data)
        os.replace(temporary, target)


class FolderMailer:
    """Stands in for Flask-Mail's ``Mail``: ``connect()`` opens the folder."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)

    def connect(self) -> FolderConnection:
        return FolderConnection(self.folder)
