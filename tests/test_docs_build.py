"""The Sphinx site in docs/ builds with warnings as errors (issue 22).

``make docs`` runs the same build into ``docs/_build``; here it runs into a fresh
folder, so a page that breaks (a dead cross-reference, a docstring autodoc cannot
read, a page left out of every toctree) fails ``make test``. The built pages load
nothing from another site: no fonts, scripts or stylesheets over the network.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


@pytest.fixture(scope="module")
def html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("docs-html")
    build = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-E"]
        + ["-b", "html", "-d", str(out / ".doctrees"), str(DOCS), str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    return out


def test_the_docs_build_without_warnings(html: Path) -> None:
    assert (html / "index.html").is_file()
    api = (html / "api.html").read_text(encoding="utf-8")
    assert 'id="flask_loyalty.Loyalty.record_order"' in api
    assert 'id="flask_loyalty.Loyalty.record_refund"' in api
    assert "object at 0x" not in api  # a signal's repr is no documentation


def test_the_built_pages_load_nothing_from_another_site(html: Path) -> None:
    remote = re.compile(
        r"""<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)=["'](?:https?:)?//"""
        r"""|@import\s+url\(["']?(?:https?:)?//|@font-face[^}]*url\(["']?(?:https?:)?//""",
        re.I,
    )
    found = [
        f"{path.relative_to(html)}: {match.group(0)}"
        for path in html.rglob("*")
        if path.suffix in {".html", ".css"}
        for match in remote.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == []
