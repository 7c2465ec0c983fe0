"""Screenshots of every owner page for the docs: ``make screenshots``.

The demo's data (``flask shop init-demo``, one emailed link of each kind and
``flask shop init-offer-history``, as ``make demo`` has them) in a
temporary SQLite file, served on 127.0.0.1 and photographed by Debian's Chromium
at 1280 and 390 px, in English and Hungarian. Each page's first screen is kept
(``<page>-<language>-<width>.png``); the key pages also whole
(``<page>-<language>-<width>-full.png``, English only). The pages are every owner
page the owner's navigation leads to (``tests/owner_pages.py``), the same the
overflow test opens, so a new page gets its screenshot without a list to update.

Each is an indexed PNG of at most 256 colours, quantised in the same Chromium
(no imaging library needed), so the whole set stays a few megabytes.
"""

from __future__ import annotations

import base64
import struct
import sys
import tempfile
import threading
import typing as t
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from werkzeug.serving import make_server  # noqa: E402

from example_shop import create_app  # noqa: E402
from example_shop.cli import create_tables  # noqa: E402
from tests.example_shop.test_safe_methods import fill_with_links  # noqa: E402
from tests.example_shop.test_safe_methods import sign_in_to_shop  # noqa: E402
from tests.owner_pages import file_name  # noqa: E402
from tests.owner_pages import owner_pages  # noqa: E402
from tests.owner_pages import sign_in_in_browser  # noqa: E402

OUT = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"
LANGUAGES = ("en", "hu")
SCREENS = {1280: 800, 390: 844}  # width: height of the first screen
KEY_PAGES = {"owner_dashboard", "owner_offer", "owner_campaign", "owner_return"}
"""Taken whole as well (English): the pages the README walks through."""


QUANTIZE = """async (url) => {
  const image = new Image();
  image.src = url;
  await image.decode();
  const canvas = document.createElement("canvas");
  canvas.width = image.width;
  canvas.height = image.height;
  const context = canvas.getContext("2d");
  context.drawImage(image, 0, 0);
  const rgba = context.getImageData(0, 0, image.width, image.height).data;
  const pixels = rgba.length / 4;
  // The 256 commonest colours, counted in buckets of 16 levels a channel, each
  // the mean of its bucket; a pixel in another bucket takes the nearest of them.
  const buckets = new Map();
  for (let i = 0; i < rgba.length; i += 4) {
    const key = ((rgba[i] >> 4) << 8) | ((rgba[i + 1] >> 4) << 4) | (rgba[i + 2] >> 4);
    let sums = buckets.get(key);
    if (!sums) buckets.set(key, (sums = [0, 0, 0, 0]));
    sums[0] += rgba[i]; sums[1] += rgba[i + 1]; sums[2] += rgba[i + 2]; sums[3]++;
  }
  const kept = [...buckets.entries()].sort((a, b) => b[1][3] - a[1][3]).slice(0, 256);
  const palette = kept.map(([, s]) => s.slice(0, 3).map((v) => Math.round(v / s[3])));
  const index = new Map(kept.map(([key], i) => [key, i]));
  const nearest = (key) => {
    const r = (key >> 8) * 16 + 8;
    const g = ((key >> 4) & 15) * 16 + 8;
    const b = (key & 15) * 16 + 8;
    let best = 0, distance = Infinity;
    palette.forEach(([pr, pg, pb], i) => {
      const d = (pr - r) ** 2 + (pg - g) ** 2 + (pb - b) ** 2;
      if (d < distance) { distance = d; best = i; }
    });
    index.set(key, best);
    return best;
  };
  const out = new Uint8Array(pixels);
  for (let p = 0, i = 0; p < pixels; p++, i += 4) {
    const key = ((rgba[i] >> 4) << 8) | ((rgba[i + 1] >> 4) << 4) | (rgba[i + 2] >> 4);
    const found = index.get(key);
    out[p] = found === undefined ? nearest(key) : found;
  }
  let text = "";
  for (let i = 0; i < out.length; i += 0x8000) {
    text += String.fromCharCode.apply(null, out.subarray(i, i + 0x8000));
  }
  return {width: image.width, height: image.height, palette, data: btoa(text)};
}"""
"""A screenshot as at most 256 colours: what a page of text, a few colours and
their anti-aliasing needs, at a quarter of Chromium's 32-bit PNG."""


def chunk(kind: bytes, body: bytes) -> bytes:
    return (
        struct.pack(">I", len(body))
        + kind
        + body
        + struct.pack(">I", zlib.crc32(kind + body))
    )


def write_png8(path: Path, width: int, height: int, palette: list, data: bytes) -> None:
    """An indexed PNG (colour type 3) at zlib's strongest level."""
    rows = b"".join(b"\x00" + data[y * width : (y + 1) * width] for y in range(height))
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0))
        + chunk(b"PLTE", bytes(v for colour in palette for v in colour))
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def save(tool: t.Any, png: bytes, path: Path) -> None:
    """Chromium's screenshot ``png`` as an indexed PNG at ``path``, quantised in
    the ``tool`` page (a blank page of the same browser)."""
    url = "data:image/png;base64," + base64.b64encode(png).decode()
    found = tool.evaluate(QUANTIZE, url)
    write_png8(
        path,
        found["width"],
        found["height"],
        found["palette"],
        base64.b64decode(found["data"]),
    )


def main() -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                "SECRET_KEY": "screenshots",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/shop.db",
                "LOYALTY_MAIL_DELIVERY": "hold",
            }
        )
        with app.app_context():
            create_tables()
        fill_with_links(app)
        # As `make demo` does: the offer's report then shows its holdout comparison.
        history = app.test_cli_runner().invoke(args=["shop", "init-offer-history"])
        if history.exit_code != 0:
            sys.exit(f"flask shop init-offer-history failed:\n{history.output}")
        owner = app.test_client()
        sign_in_to_shop(owner, "owner@example.com", "demo-owner")
        pages = owner_pages(app, owner)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.port}"
        for old in OUT.glob("*.png"):
            old.unlink()
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM)
            tool = browser.new_page()
            for language in LANGUAGES:
                context = browser.new_context(
                    viewport={"width": 1280, "height": 800}, locale=language
                )
                page = context.new_page()
                sign_in_in_browser(page, base)
                for endpoint, path in pages.items():
                    for width, height in SCREENS.items():
                        page.set_viewport_size({"width": width, "height": height})
                        page.goto(f"{base}{path}")
                        shot = OUT / file_name(endpoint, language, width)
                        save(tool, page.screenshot(), shot)
                        name = endpoint.split(".", 1)[-1]
                        if language == "en" and name in KEY_PAGES:
                            whole = OUT / file_name(endpoint, language, width, True)
                            save(tool, page.screenshot(full_page=True), whole)
                context.close()
            browser.close()
        server.shutdown()
    shots = sorted(OUT.glob("*.png"))
    total = sum(shot.stat().st_size for shot in shots)
    count = len(shots)
    print(f"{count} screenshots of {len(pages)} pages, {total / 1e6:.1f} MB in {OUT}")


if __name__ == "__main__":
    main()
