"""Finding English on a page or in an email meant for another language (issue 20).

Two checks, both built from the project's own catalogs, so nothing here is a
hand-kept word list that drifts from the texts:

- a text that *is* an English message of a catalog (the extension's or the example
  shop's) whose translation into the page's language is different: a string that
  missed ``_()`` or its translation ("Save", "Your rewards");
- a text holding an *English marker*: a word of three letters or more that the
  English messages use at least three times and that no translation, in any of the
  four languages, uses at all ("your", "order", "points", "with"...): a sentence of
  the shop's or the owner's data left in English.

Text inside an element whose ``lang`` is another language is the author's choice
(a language's own name in the switch, a customer's own words marked as hers) and
is left alone, as a screen reader would read it in that language.
"""

from __future__ import annotations

import functools
import re
import typing as t
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGS = {
    "flask_loyalty": ROOT / "flask_loyalty" / "translations",
    "example_shop": ROOT / "example_shop" / "translations",
}
LANGUAGES = ("et", "el", "hu", "tl")
WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|\{[a-z_]+\}")
NOT_WORDS = re.compile(
    r"\S+@\S+|https?://\S+|(?<!\w)/[\w/.-]*"
    r"|\b(?=[A-Z0-9-]*\d)[A-Z0-9]+(?:-[A-Z0-9]+)+\b"
)
"""Addresses, links, paths and codes ("R-5DAY-8X4N"): not words of any language."""
SKIPPED = {"script", "style", "template", "svg", "code", "kbd", "title"}
"""Not text of the page (``title``: the window's, written with the owner's names)."""
VOID = {"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}


def _po_file(folder: Path, language: str) -> Path:
    messages = folder / language / "LC_MESSAGES"
    return next(messages.glob("*.po"))


def _texts(message: t.Any) -> list[str]:
    return [m for m in (message if isinstance(message, tuple) else (message,)) if m]


@functools.cache
def translations(language: str) -> dict[str, str]:
    """English message -> its translation into ``language``, both catalogs."""
    found: dict[str, str] = {}
    for folder in CATALOGS.values():
        with _po_file(folder, language).open("rb") as handle:
            catalog = read_po(handle, locale=None)
        for message in catalog:
            for english, translated in zip(
                _texts(message.id), _texts(message.string), strict=False
            ):
                found[english] = translated
    return found


def words(text: str) -> list[str]:
    text = NOT_WORDS.sub(" ", PLACEHOLDER.sub(" ", text))
    return [w.lower() for w in WORD.findall(text)]


@functools.cache
def markers() -> frozenset[str]:
    """Words only English uses, by the catalogs (see the module's docstring)."""
    english: Counter[str] = Counter()
    elsewhere: set[str] = set()
    for language in LANGUAGES:
        for source, translated in translations(language).items():
            if language == LANGUAGES[0]:
                english.update(set(words(source)))
            elsewhere.update(words(translated))
    return frozenset(
        word
        for word, count in english.items()
        if count >= 3 and len(word) >= 3 and word not in elsewhere
    )


class _Texts(HTMLParser):
    """The visible texts of a page with the language each is in."""

    def __init__(self, language: str) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str, bool]] = [("", language, False)]
        self.found: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        _, language, skipped = self.stack[-1]
        values = dict(attrs)
        if tag == "html" and values.get("lang"):
            self.stack[0] = ("", str(values["lang"]), False)
            language = str(values["lang"])
        skipped = skipped or tag in SKIPPED or "hidden" in values
        if tag in VOID:
            own = values.get("lang") or language
            for name in ("placeholder", "alt", "title", "value", "aria-label"):
                shown = values.get(name)
                if shown and not skipped and (tag != "input" or name != "value"):
                    self.found.append((shown, own))
            if tag == "input" and values.get("type") in ("submit", "button"):
                self.found.append((values.get("value") or "", own))
            return
        for name in ("placeholder", "title", "aria-label"):
            shown = values.get(name)
            if shown and not skipped:
                self.found.append((shown, values.get("lang") or language))
        self.stack.append((tag, values.get("lang") or language, skipped))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        _, language, skipped = self.stack[-1]
        if not skipped and data.strip():
            self.found.append((data, language))


def page_texts(html: str, language: str) -> list[tuple[str, str]]:
    parser = _Texts(language)
    parser.feed(html)
    parser.close()
    return parser.found


def english_in(
    texts: t.Iterable[tuple[str, str]],
    language: str,
    names: t.Sequence[str] = (),
    known: t.Collection[str] = (),
) -> list[str]:
    """The texts meant to be in ``language`` that are English, with why.

    ``names``: proper names, the same in every language (the shop's), taken out
    of each text first. ``known``: English texts already listed as defects to fix
    (each with its reason where it is given), so that only new ones fail."""
    translated = translations(language)
    only_english = markers()
    found = []
    for text, lang in texts:
        if lang.split("-")[0] != language:
            continue
        clean = " ".join(text.split())
        if any(bit in clean for bit in known):
            continue
        for name in names:
            clean = clean.replace(name, " ").strip()
        if clean in translated and translated[clean] != clean:
            found.append(f"{clean!r} (untranslated message)")
            continue
        hits = sorted({w for w in words(clean) if w in only_english})
        if hits:
            found.append(f"{clean[:120]!r} (English words: {', '.join(hits)})")
    return found


def english_on_page(html: str, language: str, **kw: t.Any) -> list[str]:
    return english_in(page_texts(html, language), language, **kw)
