"""The name she is greeted by in email ("Dear Anna", "Kedves Kovács Eszter")."""

from __future__ import annotations

import pytest

from flask_loyalty.customers.models import Customer


@pytest.mark.parametrize(
    ("name", "locale", "greeted"),
    [
        ("Anna Tamm", "et", "Anna"),
        ("Kovács Eszter", "hu", "Kovács Eszter"),  # family name first
        ("Eszter  Kovács", "hu", "Eszter Kovács"),  # either order: the whole name
        ("Maria Clara Santos", "tl", "Maria"),
        ("Kovács Eszter", None, "Kovács"),  # her language unknown: the first word
        (None, "hu", ""),
    ],
)
def test_she_is_greeted_as_her_language_greets(
    name: str | None, locale: str | None, greeted: str
) -> None:
    assert Customer(name=name, locale=locale).first_name == greeted
