"""A corpus of XSS payloads written into policy pages by the owner never runs
script in a real browser: not on the public page, not in the editor's preview."""

from __future__ import annotations

import typing as t

import pytest
from flask import Flask

from flask_loyalty.policies.service import save_page

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    '<iframe src="javascript:alert(1)"></iframe>',
    "<details open ontoggle=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    "<<script>alert(1)//<</script>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<style>@import 'javascript:alert(1)';</style>",
    "</textarea><script>alert(1)</script>",
    "<body onload=alert(1)>",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](javascript&#58;alert(1))",
    "[x](java\tscript:alert(1))",
    "[x](  javascript:alert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<javascript:alert(1)>",
    "[x]: javascript:alert(1)\n\n[x]",
    "![x](javascript:alert(1))",
    '![x" onerror="alert(1)](x)',
    '![x](x" onerror="alert(1))',
    '[a](https://example.com "t\\" onmouseover=\\"alert(1)")',
    "**<img src=x onerror=alert(1)>**",
    "`<script>alert(1)</script>`",
    "```\n</code></pre><script>alert(1)</script>\n```",
    "> <img src=x onerror=alert(1)>",
    "{{ ''.__class__.__mro__ }} {% for x in [1] %}<script>alert(1)</script>"
    "{% endfor %}",
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    "<form><button formaction=javascript:alert(1)>x</button></form>",
    "<input autofocus onfocus=alert(1)>",
    "<marquee onstart=alert(1)>x</marquee>",
]

CHECK = """() => {
  const box = document.querySelector('.policy-text');
  const bad = [];
  for (const el of box.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      const value = attr.value.replace(/\\s/g, '').toLowerCase();
      if (attr.name.startsWith('on') || value.startsWith('javascript:')
          || value.startsWith('data:') || value.startsWith('vbscript:')
          || attr.name === 'style' || attr.name === 'formaction') {
        bad.push(el.tagName + ' ' + attr.name + '=' + attr.value);
      }
    }
    if (['SCRIPT', 'IFRAME', 'OBJECT', 'EMBED', 'SVG', 'STYLE', 'FORM', 'INPUT',
         'BUTTON', 'MATH', 'DETAILS'].includes(el.tagName.toUpperCase())) {
      bad.push(el.tagName);
    }
  }
  return bad;
}"""


@pytest.mark.browser
def test_owner_markdown_never_runs_script_in_a_browser(
    make_app: t.Callable[..., Flask], live_server: t.Any, page: t.Any
) -> None:
    app = make_app(SERVER_NAME=None)
    with app.app_context():
        state = app.extensions["loyalty"]
        for n, payload in enumerate(PAYLOADS):
            save_page(
                state.session, state.now(), f"xss-{n}", title=f"Page {n}",
                body=f"Before\n\n{payload}\n\nAfter", new=True,
            )  # fmt: skip
        state.session.commit()
    app.extensions["loyalty"].extension.owner_check(lambda: True)
    base = live_server(app)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

    for n, payload in enumerate(PAYLOADS):
        page.goto(f"{base}/loyalty/policies/xss-{n}")
        page.mouse.move(10, 10)
        for link in page.locator(".policy-text a").all():
            link.hover()
        assert "After" in page.locator(".policy-text").inner_text(), payload
        assert page.evaluate(CHECK) == [], payload

    page.goto(f"{base}/loyalty/owner/policies/privacy")
    page.fill("textarea[name=body]", "\n\n".join(PAYLOADS))
    page.get_by_role("button", name="Preview").click()
    page.get_by_role("heading", name="Preview (not saved yet)").wait_for()
    assert page.evaluate(CHECK) == []
    page.wait_for_timeout(300)  # let any onload/onerror/ontoggle fire
    assert dialogs == []
