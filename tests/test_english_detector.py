"""The English finder of issue 20's walks can fail: it finds an untranslated
message and an English sentence, and leaves alone what is marked as English,
names, addresses and codes."""

from __future__ import annotations

from tests.english import english_on_page


def test_it_finds_english_and_leaves_marked_text_names_and_codes() -> None:
    html = """<html lang="hu"><head><title>Your rewards</title></head><body>
      <h1>Your rewards</h1>
      <p>Thank you for your order at the shop.</p>
      <p>Köszönjük a rendelését: <span lang="en">Thank you for your order</span></p>
      <p>Silver Fern Jewellery · anna@example.com · /loyalty/returns · R-5DAY-8X4N</p>
      <script>var the = "your order";</script>
    </body></html>"""
    found = english_on_page(html, "hu", names=("Silver Fern Jewellery",))
    assert found == [
        "'Your rewards' (untranslated message)",
        "'Thank you for your order at the shop.' (English words: for, thank, the,"
        " you, your)",
    ], found
    known = ("Your rewards", "Thank you", "Silver Fern Jewellery")
    assert english_on_page(html, "hu", known=known) == []
