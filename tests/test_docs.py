"""The README is the shop developer's manual: it must not fall behind the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import flask_loyalty
from flask_loyalty import signals
from flask_loyalty.settings import DEFAULTS

README = (Path(__file__).parent.parent / "README.md").read_text()


@pytest.mark.parametrize("key", sorted(DEFAULTS))
def test_every_config_key_is_in_the_readme_table(key: str) -> None:
    assert re.search(rf"^\| `{key}` \|", README, re.M), f"{key} is not documented"


@pytest.mark.parametrize(
    "name",
    sorted(
        name
        for name in flask_loyalty.__all__
        if isinstance(getattr(flask_loyalty, name), type)
        and issubclass(getattr(flask_loyalty, name), flask_loyalty.LoyaltyError)
    ),
)
def test_every_public_error_is_in_the_readme(name: str) -> None:
    assert f"`{name}`" in README


@pytest.mark.parametrize(
    "name",
    sorted(
        n
        for n in vars(signals)
        if not n.startswith("_") and n != "Namespace" and n != "annotations"
    ),
)
def test_every_signal_is_in_the_readme(name: str) -> None:
    assert f"`{name}`" in README
