"""DKIM signing of outgoing mail with dkimpy, and the DNS record that goes with it.

The key is an RSA private key in PEM (PKCS#1 ``BEGIN RSA PRIVATE KEY`` or PKCS#8
``BEGIN PRIVATE KEY``), given as the PEM text or as the path of a file. The signature
covers :data:`SIGNED_HEADERS`; a header the message lacks is still named in ``h=``,
so nobody can add it on the way without breaking the signature (RFC 6376, 8.15).
"""

from __future__ import annotations

import base64
import os
import typing as t
from dataclasses import dataclass

import dkim
from dkim import crypto as dkim_crypto

SIGNED_HEADERS = (
    "From",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
    "List-Id",
    "Reply-To",
    "MIME-Version",
    "Content-Type",
)
"""RFC 8058 wants both unsubscribe headers signed; many relays leave the second out."""


class DkimKeyError(ValueError):
    """The DKIM key or its settings cannot be used; the message says why."""


@dataclass(frozen=True)
class DkimSigner:
    """Signs messages for ``domain`` with the key published at ``selector``."""

    selector: str
    domain: str
    private_key: bytes

    def sign(self, raw: bytes) -> bytes:
        """Return ``raw`` with a ``DKIM-Signature`` header on top.

        :raises DkimKeyError: dkimpy refused the key or the message.
        """
        try:
            header = dkim.sign(
                raw,
                self.selector.encode(),
                self.domain.encode(),
                self.private_key,
                canonicalize=(b"relaxed", b"relaxed"),
                include_headers=[name.lower().encode() for name in SIGNED_HEADERS],
            )
        except dkim.DKIMException as error:
            raise DkimKeyError(f"DKIM signing failed: {error}") from error
        return header + raw

    @property
    def record_name(self) -> str:
        """Where the public key is published: ``selector._domainkey.domain``."""
        return f"{self.selector}._domainkey.{self.domain}"

    def public_record(self) -> str:
        """The TXT record to publish: ``v=DKIM1; k=rsa; p=...``."""
        return f"v=DKIM1; k=rsa; p={public_key_base64(self.private_key)}"

    def dnsfunc(self, record: str | None = None) -> t.Callable[..., bytes | None]:
        """A dkimpy ``dnsfunc`` answering for our record name only, with ``record``
        (by default the public key of our own private key)."""
        answer = (record or self.public_record()).encode()
        name = f"{self.record_name}.".encode()

        def lookup(queried: bytes, timeout: int = 5) -> bytes | None:
            return answer if queried.rstrip(b".") + b"." == name else None

        return lookup


def load_signer(
    selector: str | None, domain: str | None, private_key: str | bytes | None
) -> DkimSigner | None:
    """A signer from the three settings, or ``None`` when DKIM is off (no key).

    :raises DkimKeyError: a key without a selector or domain, a missing key file,
        or text that is not an RSA private key in PEM.
    """
    if not private_key:
        return None
    if not selector or not domain:
        raise DkimKeyError(
            "LOYALTY_DKIM_PRIVATE_KEY is set but the selector or the domain is"
            " missing: set LOYALTY_DKIM_SELECTOR (and LOYALTY_DKIM_DOMAIN, or a"
            " sender address with a domain)."
        )
    pem = _read_key(private_key)
    _parse_private(pem)  # fail now, not at the first message
    return DkimSigner(selector=selector, domain=domain.lower(), private_key=pem)


def _read_key(value: str | bytes) -> bytes:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if "-----BEGIN" not in value:
        path = os.path.expanduser(value.strip())
        try:
            with open(path, "rb") as file:
                value = file.read().decode("ascii", "replace")
        except OSError as error:
            raise DkimKeyError(
                f"LOYALTY_DKIM_PRIVATE_KEY: cannot read the key file {path!r}"
                f" ({error.strerror or error})."
            ) from None
    # dkimpy reads PEM with "\n" line ends only.
    return value.replace("\r\n", "\n").strip().encode() + b"\n"


def _parse_private(pem: bytes) -> dict[str, int]:
    if b"BEGIN ENCRYPTED PRIVATE KEY" in pem:
        raise DkimKeyError(
            "The DKIM key is encrypted with a passphrase: export it without one"
            " (openssl rsa -in key.pem -out dkim.pem)."
        )
    if b"PRIVATE KEY-----" not in pem:
        raise DkimKeyError(
            "The DKIM key is not a PEM private key: expected a block starting with"
            " '-----BEGIN RSA PRIVATE KEY-----' or '-----BEGIN PRIVATE KEY-----'."
        )
    try:
        key = dkim_crypto.parse_pem_private_key(pem)
    except Exception as error:  # noqa: BLE001 - dkimpy raises several kinds
        raise DkimKeyError(
            f"The DKIM key cannot be read as an RSA private key in PEM: {error}"
        ) from None
    bits = int(key["modulus"]).bit_length()
    if bits < 1024:
        raise DkimKeyError(
            f"The DKIM key has {bits} bits; receivers ignore keys under 1024 bits"
            " (use 2048: openssl genrsa -out dkim.pem 2048)."
        )
    return key


def public_key_base64(pem: bytes) -> str:
    """The base64 SubjectPublicKeyInfo of an RSA private key, for ``p=``."""
    key = _parse_private(pem)
    rsa_public = _der(0x30, _der_int(key["modulus"]) + _der_int(key["publicExponent"]))
    algorithm = _der(0x30, _der(0x06, bytes.fromhex("2a864886f70d010101")) + b"\5\0")
    spki = _der(0x30, algorithm + _der(0x03, b"\0" + rsa_public))
    return base64.b64encode(spki).decode()


def _der_int(n: int) -> bytes:
    body = n.to_bytes(n.bit_length() // 8 + 1, "big")  # leading 0: stays positive
    return _der(0x02, body)


def _der(tag: int, body: bytes) -> bytes:
    size = len(body)
    if size < 0x80:
        return bytes([tag, size]) + body
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(length)]) + length + body


def signed_header_names(raw: bytes) -> list[str]:
    """The ``h=`` tag of the topmost DKIM-Signature, lower-cased."""
    head = raw.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0].decode("ascii", "replace")
    unfolded = head.replace("\n ", " ").replace("\n\t", " ")
    for line in unfolded.split("\n"):
        if line.lower().startswith("dkim-signature:"):
            for tag in line.split(":", 1)[1].split(";"):
                name, _, value = tag.strip().partition("=")
                if name.strip() == "h":
                    names = "".join(value.split()).split(":")
                    return [h.lower() for h in names]
    return []


def verify(raw: bytes, dnsfunc: t.Callable[..., bytes | None]) -> bool:
    """Whether the topmost DKIM signature of ``raw`` verifies with ``dnsfunc``."""
    try:
        return bool(dkim.verify(raw, dnsfunc=dnsfunc))
    except dkim.DKIMException:
        return False
