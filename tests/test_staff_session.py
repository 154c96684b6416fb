"""The staff pages' session: a bearer token traded for an HttpOnly, SameSite=Strict
cookie that the role guards accept, with writes refused from other origins."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from service.accounts.guards import SESSION_COOKIE


@pytest.fixture
async def browser(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A client with its own cookie jar, as a browser has (the suite's client must stay cookie-free)."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://tbc.test") as http:
        yield http


async def _open_session(browser: httpx.AsyncClient, username: str) -> httpx.Response:
    signed_in = await browser.post("/api/v1/auth/token", json={"username": username, "password": "demo"})
    assert signed_in.status_code == 200, signed_in.text
    token = signed_in.json()["access_token"]
    return await browser.post("/api/v1/auth/session", headers={"Authorization": f"Bearer {token}"})


async def test_a_session_cookie_is_httponly_strict_and_lasts_as_long_as_the_token(browser):
    opened = await _open_session(browser, "demo-ot-cahors")
    assert opened.status_code == 200, opened.text
    body = opened.json()
    assert (body["username"], body["role"], body["ot"]) == ("demo-ot-cahors", "ot", "cahors")
    cookie = opened.headers["set-cookie"]
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert {"httponly", "samesite", "path", "max-age"} <= attributes
    assert "samesite=strict" in cookie.lower()
    max_age = int(cookie.lower().split("max-age=")[1].split(";")[0])
    assert 7 * 3600 < max_age <= 8 * 3600


async def test_the_cookie_alone_opens_staff_endpoints_in_the_accounts_scope(browser):
    await _open_session(browser, "demo-ot-cahors")
    assert (await browser.get("/api/v1/auth/session")).json()["username"] == "demo-ot-cahors"
    own = await browser.get("/api/v1/reports/uptake", params={"ot": "cahors"})
    assert own.status_code == 200, own.text
    other = await browser.get("/api/v1/reports/uptake", params={"ot": "figeac"})
    assert other.status_code == 403 and other.json()["code"] == "auth.forbidden"


@pytest.mark.parametrize(
    "headers",
    [{"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"}],
)
async def test_a_cookie_borne_write_from_another_origin_is_refused(browser, headers):
    await _open_session(browser, "demo-partner-musee-henri-martin")
    refused = await browser.post("/api/v1/attestations", json={}, headers=headers)
    assert refused.status_code == 403
    assert refused.json()["code"] == "auth.forbidden"


async def test_a_cookie_borne_write_from_our_own_pages_is_accepted(browser):
    await _open_session(browser, "demo-partner-musee-henri-martin")
    accepted = await browser.post(
        "/api/v1/attestations", json={}, headers={"Origin": "http://tbc.test", "Sec-Fetch-Site": "same-origin"}
    )
    assert accepted.status_code == 201, accepted.text


# What a browser's fetch from our own page sends with a write.
OUR_PAGE = {"Origin": "http://tbc.test", "Content-Type": "application/json"}


async def test_closing_the_session_clears_the_cookie(browser):
    await _open_session(browser, "demo-pilot")
    closed = await browser.delete("/api/v1/auth/session", headers=OUR_PAGE)
    assert closed.status_code == 204
    assert "max-age=0" in closed.headers["set-cookie"].lower()
    after = await browser.get("/api/v1/auth/session")
    assert after.status_code == 401 and after.json()["code"] == "auth.required"


async def test_a_forged_cookie_is_refused(browser):
    browser.cookies.set(SESSION_COOKIE, "eyJhbGciOiJIUzI1NiJ9.e30.forged")
    refused = await browser.get("/api/v1/auth/session")
    assert refused.status_code == 401 and refused.json()["code"] == "auth.invalid_token"


async def test_a_session_needs_a_token_to_open(browser):
    refused = await browser.post("/api/v1/auth/session")
    assert refused.status_code == 401 and refused.json()["code"] == "auth.required"
