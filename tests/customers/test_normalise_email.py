"""normalise_email's shortcut for everyday addresses agrees with email_validator."""

from __future__ import annotations

import pytest
from email_validator import EmailNotValidError
from email_validator import validate_email
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from flask_loyalty.customers.service import _everyday
from flask_loyalty.customers.service import normalise_email
from flask_loyalty.errors import InvalidEmail


def the_long_way(email: str) -> str | None:
    try:
        return validate_email(email, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        return None


# Addresses near the edges of the shortcut: dots, hyphens and digits where labels
# start and end, "--" (Punycode, R-LDH), special-use names, long parts, non-ASCII.
local_chars = st.sampled_from(list("aZ09._-+!#'`{}~") + ["é", "ő", "λ", " ", '"'])
label_chars = st.sampled_from(list("aZ09-") + ["ü", "λ", "_"])
labels = st.one_of(
    st.from_regex(r"[a-zA-Z0-9][a-zA-Z0-9-]{0,8}[a-zA-Z0-9]", fullmatch=True),
    st.text(label_chars, min_size=0, max_size=66),
)
tlds = st.one_of(
    st.sampled_from(
        ["com", "ee", "hu", "gr", "ph", "test", "local", "localhost", "onion", "arpa"]
    ),
    st.sampled_from(["invalid", "example", "xn--p1ai", "c0m", "c-m", "x"]),
    labels,
)
addresses = st.builds(
    lambda local, middle, tld: f"{local}@{'.'.join([*middle, tld])}",
    st.one_of(
        st.from_regex(r"[a-zA-Z0-9_+'-]{1,12}(\.[a-zA-Z0-9]{1,5})?", fullmatch=True),
        st.text(local_chars, min_size=0, max_size=70),
        st.just("a" * 64),
    ),
    st.lists(labels, min_size=0, max_size=4),
    tlds,
)


@settings(max_examples=600, deadline=None)
@given(addresses)
def test_the_shortcut_agrees_with_email_validator(email: str) -> None:
    everyday = _everyday(email)
    if everyday is not None:
        assert everyday == the_long_way(email)
    expected = the_long_way(email.strip())  # normalise_email strips first
    if expected is None:
        with pytest.raises(InvalidEmail):
            normalise_email(email)
    else:
        assert normalise_email(email) == expected


@pytest.mark.parametrize(
    ("email", "expected"),
    [
        ("Anna.Kask@Example.COM", "anna.kask@example.com"),
        ("o'brien+news@mail.example.co.uk", "o'brien+news@mail.example.co.uk"),
        ("a" * 64 + "@example.com", "a" * 64 + "@example.com"),
    ],
)
def test_everyday_addresses_take_the_shortcut(email: str, expected: str) -> None:
    assert _everyday(email) == expected
    assert normalise_email(f"  {email} ") == expected


@pytest.mark.parametrize(
    "email",
    [
        "a" * 65 + "@example.com",  # local part too long: the validator says why
        "anna@shop.test",  # special-use names
        "anna@mail.localhost",
        "anna@xn--bcher-kva.example",  # Punycode: IDNA checks
        "anna@ab--cd.example",
        "zoé@example.com",  # non-ASCII
        "anna@127.0.0.1",
        "anna..kask@example.com",
        "anna@example.c0m",
        "anna@" + "a" * 63 + "." + "b" * 63 + "." + "c" * 63 + "." + "d" * 58 + ".com",
    ],
)
def test_other_addresses_go_the_long_way(email: str) -> None:
    assert _everyday(email) is None
    if the_long_way(email) is None:
        with pytest.raises(InvalidEmail):
            normalise_email(email)
    else:
        assert normalise_email(email) == the_long_way(email)
