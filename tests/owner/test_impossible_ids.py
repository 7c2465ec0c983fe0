"""Every address of the blueprint answers an impossible id with 404, never 500
(issue 17, finding 7): ids beyond what an integer column holds, zero, negative
or absurd page and version numbers, on SQLite and PostgreSQL."""

from __future__ import annotations

import typing as t

import pytest
from flask import Flask

from flask_loyalty.policies.service import save_page

HUGE = "99999999999999999999999"
QUERIES = ("", f"?page={HUGE}", f"?version={HUGE}", "?version=0", "?page=-5")


def addresses(app: Flask, value: str) -> list[str]:
    """Every GET address of the blueprint with each argument set to ``value``."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("loyalty.") or not rule.arguments:
            continue
        if "GET" not in (rule.methods or ()):
            continue
        url = rule.rule
        for name in rule.arguments:
            url = url.replace(f"<int:{name}>", value).replace(f"<{name}>", value)
        found.append(url)
    return found


@pytest.mark.parametrize("value", [HUGE, str(2**31), "0"])
def test_an_impossible_id_is_a_404_everywhere(
    make_app: t.Callable[..., Flask], database_url: str, value: str
) -> None:
    app = make_app(database_url)
    app.extensions["loyalty"].extension.owner_check(lambda: True)
    client = app.test_client()
    answers = {
        url + query: client.get(url + query).status_code
        for url in addresses(app, value)
        for query in QUERIES
    }
    assert len(answers) > 100
    failed = {url: status for url, status in answers.items() if status >= 500}
    assert failed == {}
    assert answers["/loyalty/owner/offers/" + value] == 404
    assert answers["/loyalty/owner/journeys/" + value + "/edit"] == 404


def test_an_impossible_policy_version_is_a_404(
    make_app: t.Callable[..., Flask], database_url: str
) -> None:
    app = make_app(database_url)
    app.extensions["loyalty"].extension.owner_check(lambda: True)
    with app.app_context():
        state = app.extensions["loyalty"]
        save_page(
            state.session, state.now(), "care", title="Care", body="Dry.", new=True
        )
        state.session.commit()
    client = app.test_client()
    assert client.get("/loyalty/owner/policies/care").status_code == 200
    for version in (HUGE, str(2**31), "-1"):
        response = client.get(f"/loyalty/owner/policies/care?version={version}")
        assert response.status_code == 404, version
