"""Signed, expiring tokens for links in emails (itsdangerous).

Each token names its purpose in the salt, so a token made for one link can never be
used for another, and carries its creation time, so it expires.
"""

from __future__ import annotations

import typing as t

from flask import current_app
from itsdangerous import BadSignature
from itsdangerous import SignatureExpired
from itsdangerous import TimestampSigner
from itsdangerous import URLSafeTimedSerializer

from .errors import InvalidToken
from .errors import TokenExpired
from .i18n import _


class _ClockSigner(TimestampSigner):
    """Reads the time from the app's loyalty clock, so expiry can be tested."""

    def get_timestamp(self) -> int:
        return int(current_app.extensions["loyalty"].now().timestamp())


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    secret = current_app.config.get("SECRET_KEY")
    if not secret:
        raise RuntimeError("flask-loyalty signs links with SECRET_KEY: set one.")
    return URLSafeTimedSerializer(
        secret, salt=f"flask-loyalty/{purpose}", signer=_ClockSigner
    )


def make_token(purpose: str, data: t.Any) -> str:
    """Sign ``data`` (anything JSON can hold) for links of kind ``purpose``."""
    return _serializer(purpose).dumps(data)


def read_token(purpose: str, token: str, max_age: int) -> t.Any:
    """Return the data in ``token`` if it is genuine, for ``purpose``, and fresh.

    :raises TokenExpired: the token is older than ``max_age`` seconds.
    :raises InvalidToken: the token was changed or made for another purpose.
    """
    try:
        return _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired:
        raise TokenExpired(_("This link has expired. Ask for a new one.")) from None
    except BadSignature:
        raise InvalidToken(_("This link is not valid. Ask for a new one.")) from None
