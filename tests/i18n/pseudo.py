"""A pseudo language whose "translation" marks every string of the catalog.

Rendered in it, a page shows each translated string as ``⟦...⟧`` and each value the
loyalty filters formatted (money, dates, numbers) as ``⟪...⟫``. Whatever readable
text is left outside the marks, and is not the test's own data, is a string that
does not go through the catalog: a missed string.
"""

from __future__ import annotations

import re
import typing as t
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from flask import Flask

from flask_loyalty.formats import FILTERS

PSEUDO = "eo"  # a language Babel knows and the extension does not ship
OPEN, CLOSE = "⟦", "⟧"
DATA_OPEN, DATA_CLOSE = "⟪", "⟫"
ROOT = Path(__file__).resolve().parents[2]


def mark(text: str) -> str:
    return f"{OPEN}{text}{CLOSE}"


def extract() -> list[str | tuple[str, ...]]:
    """Every string ``pybabel extract`` finds in the code now, as babel.cfg says.

    Built afresh (not read from the .pot), so the test checks that strings are
    wrapped and extractable, whether or not a translator has seen them yet.
    """
    with (ROOT / "babel.cfg").open() as file:
        method_map, options_map = parse_mapping_cfg(file)
    keywords = {**DEFAULT_KEYWORDS, "lazy_gettext": None}
    return [
        message
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=keywords
        )
    ]


def write_pseudo_catalog(directory: Path) -> Path:
    """Compile the pseudo catalog of every string in the code into ``directory``."""
    catalog = Catalog(locale=PSEUDO, domain="flask_loyalty")
    for message in extract():
        if isinstance(message, tuple):
            catalog.add(message[:2], tuple(mark(form) for form in message[:2]))
        else:
            catalog.add(message, mark(message))
    target = directory / PSEUDO / "LC_MESSAGES" / "flask_loyalty.mo"
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as file:
        write_mo(file, catalog)
    return directory


def mark_formatted_values(app: Flask) -> None:
    """Wrap the loyalty filters' output in data marks: it is formatted, not text."""
    for name, function in FILTERS.items():

        def marked(*args: t.Any, _function: t.Any = function, **kwargs: t.Any) -> str:
            return f"{DATA_OPEN}{_function(*args, **kwargs)}{DATA_CLOSE}"

        app.jinja_env.filters[name] = marked


class _Visible(HTMLParser):
    """Text a person sees or hears: text nodes and labelling attributes, less
    styles, scripts, code samples, stored bodies and ``translate="no"`` parts."""

    SKIP = {"style", "script", "code", "pre", "textarea"}
    VOID = {"input", "br", "img", "meta", "link", "hr", "source", "col", "wbr"}
    SPOKEN = ("aria-label", "title", "alt", "placeholder")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.stack: list[bool] = []

    def _skipping(self) -> bool:
        return any(self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        skip = tag in self.SKIP or values.get("translate") == "no"
        if not self._skipping() and not skip:
            self.parts += [values[a] or "" for a in self.SPOKEN if values.get(a)]
            if tag == "input" and values.get("type") in ("submit", "button", "reset"):
                self.parts.append(values.get("value") or "")
        if tag not in self.VOID:
            self.stack.append(skip)

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not self._skipping():
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    parser.close()
    return "\n".join(part.strip() for part in parser.parts if part.strip())


def _drop_marked(text: str, opening: str, closing: str) -> str:
    pattern = re.compile(f"{re.escape(opening)}[^{opening}{closing}]*{closing}")
    while True:
        shorter = pattern.sub(" ", text)
        if shorter == text:
            return text
        text = shorter


def misses(text: str, data: t.Iterable[str] = ()) -> list[str]:
    """Readable fragments of ``text`` outside the marks and the test's data."""
    text = _drop_marked(text, DATA_OPEN, DATA_CLOSE)
    text = _drop_marked(text, OPEN, CLOSE)
    text = re.sub(r"(https?|mailto):[^\s⟦⟧]+", " ", text)
    for value in sorted(data, key=len, reverse=True):
        text = text.replace(value, " ")
    found = []
    for line in text.splitlines():
        if re.search(r"[^\W\d_]", line):
            found.append(" ".join(line.split()))
    return found
