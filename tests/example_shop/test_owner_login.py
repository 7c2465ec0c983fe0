"""A signed-out owner is sent to the shop's login page and back; nobody else is."""

from __future__ import annotations

import typing as t
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient

from .conftest import csrf_token
from .conftest import post_form
from .test_shop import make_user


@pytest.fixture
def owner(shop_app: Flask) -> None:
    make_user(shop_app, "owner@example.com", "Liis Saar", "s3cret owner", True)
    make_user(shop_app, "anna@example.com", "Anna Tamm", "anna's secret", False)


def sign_in(client: FlaskClient, page: str, email: str, password: str) -> t.Any:
    return post_form(client, page, page, {"email": email, "password": password})


def test_a_signed_out_owner_signs_in_and_lands_on_the_page_she_opened(
    shop_client: FlaskClient, owner: None
) -> None:
    response = shop_client.get("/loyalty/owner/customers?q=anna&page=1")
    assert response.status_code == 302
    login = response.headers["Location"]
    assert login == "/auth/sign-in?next=" + quote(
        "/loyalty/owner/customers?q=anna&page=1", safe=""
    )
    back = sign_in(shop_client, login, "owner@example.com", "s3cret owner")
    assert back.status_code == 302
    assert back.headers["Location"] == "/loyalty/owner/customers?q=anna&page=1"
    assert shop_client.get(back.headers["Location"]).status_code == 200


def test_a_signed_in_customer_gets_403_not_a_login_page(
    shop_client: FlaskClient, owner: None
) -> None:
    sign_in(shop_client, "/auth/sign-in", "anna@example.com", "anna's secret")
    assert shop_client.get("/loyalty/owner/").status_code == 403


def test_a_signed_out_post_to_an_owner_page_is_refused_not_redirected(
    shop_client: FlaskClient, owner: None
) -> None:
    html = shop_client.get("/loyalty/newsletter").get_data(as_text=True)
    response = shop_client.post(
        "/loyalty/owner/newsletter/topics",
        data={"csrf_token": csrf_token(html), "name": "Sneaky"},
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/owner",
        "//evil.example/owner",
        "/\\evil.example/owner",
        "/\t/evil.example/owner",
        "/ /evil.example",
        "javascript:alert(1)",
        "evil.example",
    ],
)
def test_the_login_never_sends_her_to_another_site(
    shop_client: FlaskClient, owner: None, target: str
) -> None:
    page = "/auth/sign-in?next=" + quote(target, safe="")
    response = sign_in(shop_client, page, "owner@example.com", "s3cret owner")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_without_a_login_view_a_signed_out_visitor_gets_403(
    make_app: t.Callable[..., Flask],
) -> None:
    app = make_app()
    loyalty = app.extensions["loyalty"].extension
    loyalty.owner_check(lambda: False)
    assert app.test_client().get("/loyalty/owner/").status_code == 403


def test_the_login_view_can_be_a_path_and_a_bad_one_fails_at_start(
    make_app: t.Callable[..., Flask],
) -> None:
    app = make_app(LOYALTY_OWNER_LOGIN_VIEW="/login?from=loyalty")
    app.extensions["loyalty"].extension.owner_check(lambda: False)
    response = app.test_client().get("/loyalty/owner/")
    assert (
        response.headers["Location"] == "/login?from=loyalty&next=%2Floyalty%2Fowner%2F"
    )
    with pytest.raises(RuntimeError, match="LOYALTY_OWNER_LOGIN_VIEW"):
        make_app(LOYALTY_OWNER_LOGIN_VIEW="//evil.example/login")


def test_a_login_endpoint_the_app_lacks_fails_at_the_first_page_by_name(
    make_app: t.Callable[..., Flask],
) -> None:
    """It was a server error (BuildError) for the first signed-out owner."""
    app = make_app(LOYALTY_OWNER_LOGIN_VIEW="login")
    app.add_url_rule("/sign-in", "login_page", lambda: "the shop's login")
    with pytest.raises(RuntimeError) as refused:
        app.test_client().get("/loyalty/")
    assert "LOYALTY_OWNER_LOGIN_VIEW: the app has no endpoint 'login'." in str(
        refused.value
    )
    assert "Did you mean 'login_page'?" in str(refused.value)
    result = app.test_cli_runner().invoke(args=["loyalty", "worker", "--once"])
    assert "LOYALTY_OWNER_LOGIN_VIEW" in str(result.exception)
