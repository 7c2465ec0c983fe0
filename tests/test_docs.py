"""The docs in docs/ are the shop developer's manual: they must not fall behind the
code. Every config key, public error, signal and command is documented there, and
the README's links into the docs lead to pages that exist (issue 22)."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

import flask_loyalty
from flask_loyalty import signals
from flask_loyalty.cli import loyalty_cli
from flask_loyalty.settings import DEFAULTS

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
README = (ROOT / "README.md").read_text(encoding="utf-8")
CONFIGURATION = (DOCS / "configuration.md").read_text(encoding="utf-8")
API = (DOCS / "api.md").read_text(encoding="utf-8")
CLI = (DOCS / "cli.md").read_text(encoding="utf-8")

ERRORS = sorted(
    name
    for name in flask_loyalty.__all__
    if isinstance(getattr(flask_loyalty, name), type)
    and issubclass(getattr(flask_loyalty, name), flask_loyalty.LoyaltyError)
)
SIGNALS = sorted(
    n
    for n in vars(signals)
    if not n.startswith("_") and n != "Namespace" and n != "annotations"
)


def commands(group: click.Group, prefix: str) -> list[str]:
    """Every command under ``group`` by its full name: ``loyalty db upgrade``."""
    found = []
    for name, command in group.commands.items():
        path = f"{prefix} {name}"
        if isinstance(command, click.Group):
            found += commands(command, path)
        else:
            found.append(path)
    return found


@pytest.mark.parametrize("key", sorted(DEFAULTS))
def test_every_config_key_is_in_the_configuration_table(key: str) -> None:
    assert re.search(rf"^\| `{key}` \|", CONFIGURATION, re.M), f"{key} is missing"


def test_the_configuration_table_has_no_key_the_code_does_not_read() -> None:
    documented = set(re.findall(r"^\| `(LOYALTY_\w+)` \|", CONFIGURATION, re.M))
    assert documented - set(DEFAULTS) == set()


@pytest.mark.parametrize("name", ERRORS)
def test_every_public_error_is_in_the_api_reference(name: str) -> None:
    assert re.search(rf"^\| `{name}`", API, re.M) or f", `{name}`" in API
    assert f".. autoexception:: {name}\n" in API


@pytest.mark.parametrize("name", SIGNALS)
def test_every_signal_is_in_the_api_reference(name: str) -> None:
    assert f"| `{name}` |" in API
    assert f".. autodata:: {name}\n   :no-value:\n" in API  # not its repr


@pytest.mark.parametrize("command", sorted(commands(loyalty_cli, "loyalty")))
def test_every_command_is_on_the_cli_page(command: str) -> None:
    assert f"`flask {command}" in CLI


def test_the_readme_links_into_pages_that_exist() -> None:
    links = re.findall(r"\]\((?!https?:|#)([^)#\s]+)", README)
    assert any(link.startswith("docs/") for link in links)
    assert [link for link in links if not (ROOT / link).exists()] == []


def anchor(heading: str) -> str:
    """A heading's anchor as GitHub and MyST make it: ``Try it: two commands``
    is ``try-it-two-commands``."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_the_readme_links_into_headings_that_exist() -> None:
    links = re.findall(r"\]\((docs/[^)#\s]+\.md)#([^)\s]+)\)", README)
    assert links
    for page, fragment in links:
        text = (ROOT / page).read_text(encoding="utf-8")
        headings = re.findall(r"^#{1,3} (.+)$", text, re.M)
        assert fragment in {anchor(h) for h in headings}, f"{page}#{fragment}"


def test_the_readme_example_is_made_of_the_quickstart_s_tested_lines() -> None:
    """The README's short example is cut from the quickstart's, which
    tests/test_readme_example.py runs: each line of it is a line of that example
    (lines with ``...`` stand for what the short one leaves out)."""
    python = re.compile(r"```python\n(.*?)```", re.S)
    quickstart = (DOCS / "quickstart.md").read_text(encoding="utf-8")
    tested = {
        line.strip()
        for block in python.findall(quickstart)
        for line in block.splitlines()
    }
    short = [
        line.strip()
        for block in python.findall(README)
        for line in block.splitlines()
        if line.strip() and "..." not in line
    ]
    assert short, "the README has no example"
    assert [line for line in short if line not in tested] == []
