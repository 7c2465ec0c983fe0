"""The loyalty pages link one stylesheet the browser keeps, instead of carrying it."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from flask_loyalty.static_views import STYLESHEET


def stylesheet_link(html: str) -> str:
    match = re.search(r'<link rel="stylesheet" href="([^"]+)">', html)
    assert match, html
    return match.group(1)


def test_a_page_links_the_stylesheet_instead_of_inlining_it(
    client: FlaskClient,
) -> None:
    html = client.get("/loyalty/").get_data(as_text=True)
    assert stylesheet_link(html).startswith("/loyalty/assets/loyalty.css?v=")
    assert ".loyalty .card" not in html


def test_the_versioned_stylesheet_is_kept_for_a_year(client: FlaskClient) -> None:
    url = stylesheet_link(client.get("/loyalty/").get_data(as_text=True))
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "text/css"
    assert response.data == STYLESHEET
    assert b".loyalty .card" in response.data
    cache = response.cache_control
    assert cache.public and cache.immutable and cache.max_age == 365 * 24 * 3600
    assert "Set-Cookie" not in response.headers
    assert "Cookie" not in response.headers.get("Vary", "")

    again = client.get(url, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    assert again.data == b""


def test_another_version_gets_the_file_revalidated(client: FlaskClient) -> None:
    for url in ("/loyalty/assets/loyalty.css", "/loyalty/assets/loyalty.css?v=old"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.data == STYLESHEET
        assert response.cache_control.no_cache
        assert not response.cache_control.max_age
