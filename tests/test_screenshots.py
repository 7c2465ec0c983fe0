"""Every owner page has its screenshots in the docs (issue 21): at 1280 and 390 px,
in English and Hungarian, each file in ``docs/screenshots`` and shown or linked by
the owner's guide; no screenshot is left over from a page that is gone. The pages
are the app's owner endpoints, so a new page fails here until ``make
screenshots`` has taken it and the guide says what it is for."""

from __future__ import annotations

import struct
from pathlib import Path

from flask import Flask

from tests.owner_pages import file_name
from tests.owner_pages import owner_endpoints

DOCS = Path(__file__).parents[1] / "docs"
SHOTS = DOCS / "screenshots"
GUIDE = DOCS / "owner-guide.md"


def expected(app: Flask) -> set[str]:
    return {
        file_name(endpoint, language, width)
        for endpoint in owner_endpoints(app)
        for language in ("en", "hu")
        for width in (1280, 390)
    }


def test_every_owner_page_has_its_screenshots_in_the_guide(app: Flask) -> None:
    names = expected(app)
    assert len(names) >= 4 * 40
    guide = GUIDE.read_text()
    missing = sorted(name for name in names if not (SHOTS / name).is_file())
    assert not missing, f"run `make screenshots`: {missing}"
    unshown = sorted(name for name in names if f"screenshots/{name})" not in guide)
    assert not unshown, f"docs/owner-guide.md does not show {unshown}"
    readme = (DOCS.parent / "README.md").read_text()
    for name in names:
        if name.endswith("-en-1280.png"):
            assert f"docs/screenshots/{name})" in readme, name


def test_no_screenshot_is_left_over_and_each_is_a_small_png(app: Flask) -> None:
    names = expected(app)
    guide = GUIDE.read_text()
    total = 0
    for shot in SHOTS.glob("*.png"):
        assert shot.name in names or f"screenshots/{shot.name})" in guide, shot.name
        head = shot.read_bytes()[:26]
        assert head[:8] == b"\x89PNG\r\n\x1a\n", shot.name
        width, height, depth, colour = struct.unpack(">IIBB", head[16:26])
        assert width in (1280, 390) and depth == 8 and colour == 3, shot.name
        total += shot.stat().st_size
    assert total < 6_000_000  # a few megabytes: indexed PNGs, first screens
