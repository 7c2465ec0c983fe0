"""Owner-written content: Markdown with a few personal fields, made safe to send.

The owner writes Markdown and may use ``{{ first_name }}`` (or
``{{ first_name or "friend" }}``) and ``{{ shop_name }}``. The text is rendered in
Jinja's sandbox (no attribute access to Python internals, no imports), converted to
HTML by markdown-it-py with raw HTML switched off, and cleaned by nh3, so no script
reaches a reader even if an account of the owner's is misused.
"""

from __future__ import annotations

import re
import typing as t
from functools import lru_cache

import nh3
from jinja2 import StrictUndefined
from jinja2 import TemplateError
from jinja2.sandbox import SandboxedEnvironment
from markdown_it import MarkdownIt

from .errors import InvalidContent
from .i18n import _

_sandbox = SandboxedEnvironment(
    autoescape=False,
    undefined=StrictUndefined,
    finalize=lambda value: "" if value is None else value,  # no "Dear None"
)
_markdown = MarkdownIt(
    "commonmark", {"html": False, "linkify": False, "typographer": True}
)
_ALLOWED_TAGS = {
    "a",
    "p",
    "br",
    "strong",
    "em",
    "ul",
    "ol",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "blockquote",
    "code",
    "pre",
    "hr",
    "img",
}
_ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}}


@lru_cache(maxsize=256)
def _compile(source: str) -> t.Any:
    try:
        return _sandbox.from_string(source)
    except TemplateError as error:
        line = getattr(error, "lineno", None)
        raise InvalidContent(
            _("Line %(line)s: %(error)s", line=line or "?", error=error.message or "")
            if line
            else _("The text has a template error: %(error)s", error=str(error))
        ) from None


_INLINE = re.compile(r"([\\`*_\[\]()<>!#&~|])")
_LINE_START = re.compile(r"^(\s*|\s*\d+)([-+=>]|(?<=\d)[.)])", re.MULTILINE)

VISITOR_FIELDS = ("first_name",)
"""Fields a visitor typed (her name at checkout or sign-up): text, never Markdown."""


def markdown_text(value: str) -> str:
    """``value`` as literal Markdown text: what could start a link, an image, a tag,
    emphasis, a heading or a list is escaped with a backslash, so a name such as
    ``[Confirm](https://evil.example)`` reads as itself and links nowhere."""
    escaped = _INLINE.sub(r"\\\1", str(value))
    return _LINE_START.sub(r"\1\\\2", escaped)


def personalise(source: str, *, markdown: bool = False, **values: t.Any) -> str:
    """Fill the personal fields of owner-written ``source``.

    With ``markdown`` (a body that becomes HTML), the fields a visitor typed
    (:data:`VISITOR_FIELDS`) go in as literal text whatever filters the owner
    applies (``{{ first_name|upper }}``): they are escaped before the template
    sees them. Subjects are plain text and take them as they are.

    :raises InvalidContent: the text has a template error or uses something the
        sandbox forbids.
    """
    if markdown:
        values = {
            key: markdown_text(value)
            if key in VISITOR_FIELDS and isinstance(value, str)
            else value
            for key, value in values.items()
        }
    try:
        return t.cast(str, _compile(source).render(**values))
    except InvalidContent:
        raise
    except Exception as error:  # noqa: BLE001 - sandbox and template errors alike
        raise InvalidContent(
            _("The text cannot be filled in: %(error)s", error=str(error))
        ) from None


def check(source: str) -> None:
    """Raise :class:`InvalidContent` if ``source`` would not render for a reader
    with a first name or for one without (``{{ first_name.upper() }}`` fails there)."""
    for first_name in ("Anna", None):
        personalise(source, first_name=first_name, shop_name="Shop")


def to_html(markdown: str) -> str:
    """Markdown to clean HTML: no raw HTML, no scripts, only safe links."""
    env: dict[str, t.Any] = {}
    return _html(_markdown.parse(markdown, env), env)


def _html(tokens: list[t.Any], env: dict[str, t.Any]) -> str:
    return nh3.clean(
        _markdown.renderer.render(tokens, _markdown.options, env),
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )


def to_text_and_html(markdown: str) -> tuple[str, str]:
    """:func:`to_text` and :func:`to_html` of ``markdown``, parsed once."""
    env: dict[str, t.Any] = {}
    tokens = _markdown.parse(markdown, env)
    return _text(tokens), _html(tokens, env)


def to_text(markdown: str) -> str:
    """Markdown as the plain-text part of an email: what a reader sees, without
    the marks (``**Tide**`` reads ``Tide``), links as ``text (url)``, list items
    with ``-`` or their number, headings and paragraphs on lines of their own."""
    return _text(_markdown.parse(markdown))


def _text(tokens: list[t.Any]) -> str:
    out: list[str] = []
    numbers: list[int | None] = []  # per open list: the next number, None: bullets
    for token in tokens:
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            numbers.append(
                int(token.attrs.get("start", 1)) if "ordered" in kind else None
            )
        elif kind in ("bullet_list_close", "ordered_list_close"):
            numbers.pop()
            out.append("\n" if not numbers else "")
        elif kind == "list_item_open":
            indent = "   " * (len(numbers) - 1)
            number = numbers[-1]
            out.append(f"{indent}{number}. " if number is not None else f"{indent}- ")
            if number is not None:
                numbers[-1] = number + 1
        elif kind == "inline":
            out.append(_inline_text(token.children or []))
        elif kind == "paragraph_close":
            out.append("\n" if numbers else "\n\n")
        elif kind == "heading_close":
            out.append("\n\n")
        elif kind in ("fence", "code_block"):
            out.append(token.content + "\n")
        elif kind == "hr":
            out.append("---\n\n")
    text = "".join(out).strip()
    return f"{text}\n" if text else ""


def _inline_text(children: t.Sequence[t.Any]) -> str:
    parts: list[str] = []
    href: list[tuple[str, int]] = []  # open links: their address and where they start
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif child.type == "image":
            parts.append(child.content or "")
        elif child.type == "link_open":
            href.append((str(child.attrs.get("href", "")), len(parts)))
        elif child.type == "link_close" and href:
            url, start = href.pop()
            shown = "".join(parts[start:])
            if url and url not in (shown, f"mailto:{shown}"):
                parts.append(f" ({url})")
    return "".join(parts)
