"""``flask loyalty mail check`` and ``flask loyalty bounces``."""

from __future__ import annotations

import imaplib
import logging
import mailbox
import typing as t
from datetime import UTC
from datetime import datetime
from urllib.parse import unquote
from urllib.parse import urlsplit

import click
from flask import current_app
from flask.cli import with_appcontext

from ..outbox import dkim
from ..outbox import mime
from .bounces import parse_message
from .config import EXTENSION_KEY
from .config import MailConfig
from .reports import apply_reports

log = logging.getLogger("flask_loyalty.mail")

Lookup = t.Callable[[str], str | None]


def _config() -> MailConfig:
    return t.cast(MailConfig, current_app.extensions[EXTENSION_KEY])


def lookup_txt(name: str) -> str | None:
    """The TXT record at ``name`` from DNS (dnspython), or ``None``."""
    import dns.exception
    import dns.resolver

    try:
        answer = dns.resolver.resolve(name, "TXT", lifetime=5)
    except dns.exception.DNSException:
        return None
    return "".join(
        b"".join(record.strings).decode("ascii", "replace") for record in answer
    )


@click.group("mail")
def mail_cli() -> None:
    """Signing and DNS records for the shop's mail."""


@mail_cli.command("check")
@click.option(
    "--published",
    metavar="TEXT",
    help="The DKIM TXT record as published (by default it is looked up in DNS).",
)
@click.option("--no-dns", is_flag=True, help="Do not look the record up in DNS.")
@with_appcontext
def mail_check(published: str | None, no_dns: bool) -> None:
    """Print the DNS records to publish and check that a sample message verifies."""
    state = current_app.extensions["loyalty"]
    config = _config()
    sender = state.settings.mail_sender
    if config.dkim_error:
        raise click.ClickException(config.dkim_error)
    signer = config.signer
    domain = signer.domain if signer else config.sender_domain
    envelope_domain = (config.return_path or "").rpartition("@")[2] or domain
    click.echo("Publish these DNS records:\n")
    if signer is not None:
        click.echo(f'{signer.record_name}.  TXT  "{signer.public_record()}"')
    click.echo(f'{envelope_domain}.  TXT  "v=spf1 mx a ~all"')
    click.echo("  (SPF: add 'include:...' of the relay you send through)")
    click.echo(f'_dmarc.{domain}.  TXT  "v=DMARC1; p=none; rua=mailto:dmarc@{domain}"')
    click.echo("  (DMARC: move to p=quarantine once reports show all mail passes)\n")
    base_url = state.settings.base_url or ""
    if not base_url.startswith("https://"):
        click.echo(
            f"Warning: LOYALTY_BASE_URL is {base_url or 'not set'!s}: one-click"
            " unsubscribe (RFC 8058) needs an https:// address, and Gmail and Yahoo"
            " require it of bulk senders. Set it to your shop's https:// address.\n",
            err=True,
        )
    if signer is None:
        raise click.ClickException(
            "DKIM is off: set LOYALTY_DKIM_SELECTOR and LOYALTY_DKIM_PRIVATE_KEY"
            " (a PEM file: openssl genrsa -out dkim.pem 2048)."
        )
    _, raw = mime.build(
        sender=sender or ("Shop", f"shop@{domain}"),
        to=f"check@{domain}",
        subject="DKIM check",
        text="A sample message.\n",
        html=None,
        headers={
            "List-Unsubscribe": f"<https://{domain}/unsubscribe>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
        date=datetime.now(UTC),
        message_id_domain=config.message_id_domain,
    )
    signed = signer.sign(raw)
    names = dkim.signed_header_names(signed)
    if not dkim.verify(signed, signer.dnsfunc()):
        raise click.ClickException("The sample message does not verify with its key.")
    click.echo(f"A sample message is signed and verifies; h= {':'.join(names)}")
    if published is None and not no_dns:
        published = lookup_txt(signer.record_name)
        if published is None:
            click.echo(
                f"{signer.record_name} has no TXT record in DNS yet (or DNS cannot"
                " be reached from here): publish the record above."
            )
            return
    if published is not None:
        if dkim.verify(signed, signer.dnsfunc(published)):
            click.echo(f"The record at {signer.record_name} matches the key.")
        else:
            raise click.ClickException(
                f"The record at {signer.record_name} does not match the private key:"
                " mail would fail DKIM. Publish the record printed above."
            )


@click.command("bounces")
@click.option("--maildir", type=click.Path(file_okay=False), help="A Maildir folder.")
@click.option("--imap", "imap_url", help="imaps://user:password@host/INBOX")
@with_appcontext
def bounces(maildir: str | None, imap_url: str | None) -> None:
    """Read new messages in the bounce mailbox: bounces and complaints.

    Each message read is marked seen (and read again only if it is marked unseen),
    so running it from cron every few minutes is safe.
    """
    config = _config()
    maildir = maildir or config.maildir
    imap_url = imap_url or config.imap_url
    if not maildir and not imap_url:
        raise click.ClickException(
            "Give --maildir or --imap, or set LOYALTY_BOUNCE_MAILDIR or"
            " LOYALTY_BOUNCE_IMAP_URL."
        )
    counts: dict[str, int] = {}
    if maildir:
        read_maildir(maildir, counts)
    if imap_url:
        read_imap(imap_url, counts)
    summary = ", ".join(f"{n} {what}" for what, n in sorted(counts.items()))
    click.echo(f"Bounce mailbox read: {summary or 'nothing new'}.")


def handle(raw: bytes, source: str, counts: dict[str, int]) -> None:
    """Apply the reports in one message and commit."""
    state = current_app.extensions["loyalty"]
    config = _config()
    secret = str(current_app.config.get("SECRET_KEY") or "").encode()
    reports = parse_message(
        raw, source=source, return_path=config.return_path, secret=secret
    )
    if not reports:
        counts["not a bounce"] = counts.get("not a bounce", 0) + 1
    apply_reports(state, config, reports, counts)


def read_maildir(path: str, counts: dict[str, int]) -> None:
    try:
        box = mailbox.Maildir(path, factory=None, create=False)
        keys = box.keys()
    except (OSError, mailbox.Error) as error:
        raise click.ClickException(f"Cannot read the Maildir {path}: {error}") from None
    for key in keys:
        message = box.get_message(key)
        if "S" in message.get_flags():
            continue
        handle(box.get_bytes(key), "maildir", counts)
        message.set_subdir("cur")
        message.add_flag("S")
        box[key] = message


def read_imap(url: str, counts: dict[str, int]) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("imap", "imaps") or not parts.hostname:
        raise click.ClickException(
            "The IMAP address looks like imaps://user:pw@host/INBOX"
        )
    kind = imaplib.IMAP4_SSL if parts.scheme == "imaps" else imaplib.IMAP4
    try:
        client = kind(
            parts.hostname, parts.port or (993 if kind is imaplib.IMAP4_SSL else 143)
        )
        client.login(unquote(parts.username or ""), unquote(parts.password or ""))
        client.select(unquote(parts.path.lstrip("/")) or "INBOX")
        _, found = client.uid("SEARCH", "UNSEEN")
        for uid in (found[0] or b"").split():
            _, data = client.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next((p[1] for p in data if isinstance(p, tuple)), None)
            if raw:
                handle(bytes(raw), "imap", counts)
            client.uid("STORE", uid, "+FLAGS", "(\\Seen)")
        client.logout()
    except (OSError, imaplib.IMAP4.error) as error:
        raise click.ClickException(f"IMAP {parts.hostname}: {error}") from None


def register_commands(group: click.Group) -> None:
    """Add ``mail`` and ``bounces`` to ``flask loyalty``."""
    group.add_command(mail_cli)
    group.add_command(bounces)
