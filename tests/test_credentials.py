"""Staff credentials end when they should (issue 15, rows 2 and 3): a sign-out ends that
session's token for good; a new password, disabling and "sign out everywhere" end every
token of the account, its scanner devices' included; re-enabling revives none. Cookie-borne
writes are JSON from our configured origin, never trusted by the request's own Host.

Each test makes its own accounts (the suite's demo tokens are cached and must stay alive).
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from service.accounts import repository as accounts
from service.accounts.guards import SECURE_SESSION_COOKIE, SESSION_COOKIE
from service.accounts.passwords import hash_password_async
from tests.helpers import PUBLIC_URL, staff_headers

SITE = "musee-henri-martin"  # a Cahors site
PASSWORD = "a long enough secret"
OUR_PAGE = {"Origin": PUBLIC_URL, "Content-Type": "application/json"}


@pytest.fixture
async def browser(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A client with its own cookie jar, as a browser has."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=PUBLIC_URL) as http:
        yield http


async def new_account(conn, role: str = "partner") -> tuple[str, int]:
    username = f"cred-{role}-{secrets.token_hex(4)}"
    site, ot = (SITE, None) if role == "partner" else (None, "cahors" if role == "ot" else None)
    account_id, _ = await accounts.upsert(conn, username, await hash_password_async(PASSWORD), role, ot, site)
    return username, account_id


async def sign_in(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> str:
    response = await client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


async def enrol(client: httpx.AsyncClient, token: str) -> str:
    response = await client.post(
        "/api/v1/devices", json={"name": f"desk {secrets.token_hex(3)}"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 201, response.text
    return response.json()["access_token"]


async def status_with(client: httpx.AsyncClient, token: str) -> int:
    response = await client.get("/api/v1/auth/session", headers={"Authorization": f"Bearer {token}"})
    if response.status_code == 401:
        assert response.json()["code"] == "auth.invalid_token"
    return response.status_code


async def test_signing_out_ends_that_sessions_token_for_good_and_no_other(client, conn, browser):
    username, _ = await new_account(conn)
    other_session = await sign_in(client, username)
    token = await sign_in(client, username)
    opened = await browser.post("/api/v1/auth/session", headers={"Authorization": f"Bearer {token}"})
    cookie = opened.cookies[SESSION_COOKIE]
    assert (await browser.delete("/api/v1/auth/session", headers=OUR_PAGE)).status_code == 204
    # the same cookie replayed, and the token it held, are refused from now on
    browser.cookies.set(SESSION_COOKIE, cookie)
    replayed = await browser.get("/api/v1/auth/session")
    assert replayed.status_code == 401 and replayed.json()["code"] == "auth.invalid_token"
    assert await status_with(client, token) == 401
    # the account's other session goes on
    assert await status_with(client, other_session) == 200


async def test_a_new_password_ends_every_token_of_the_account_devices_included(client, conn):
    username, account_id = await new_account(conn)
    person = await sign_in(client, username)
    device = await enrol(client, person)
    assert await status_with(client, device) == 200
    # what `tbc create-user` does for an existing account (tests/test_cli.py runs the command itself)
    await accounts.upsert(conn, username, await hash_password_async("a brand new secret"), "partner", None, SITE)
    assert await status_with(client, person) == 401
    assert await status_with(client, device) == 401
    assert await status_with(client, await sign_in(client, username, "a brand new secret")) == 200


async def test_disabling_ends_every_token_and_enabling_again_revives_none(client, conn):
    username, account_id = await new_account(conn)
    person = await sign_in(client, username)
    device = await enrol(client, person)
    ot = await staff_headers(client, "demo-ot-cahors")
    path = f"/api/v1/sites/{SITE}/staff/{account_id}"
    assert (await client.patch(path, json={"active": False}, headers=ot)).status_code == 200
    assert [await status_with(client, t) for t in (person, device)] == [401, 401]
    assert (await client.patch(path, json={"active": True}, headers=ot)).status_code == 200
    assert [await status_with(client, t) for t in (person, device)] == [401, 401]
    assert await status_with(client, await sign_in(client, username)) == 200


async def test_signing_out_everywhere_ends_every_token_of_that_account_only(client, conn):
    username, _ = await new_account(conn, "ot")
    neighbour, _ = await new_account(conn, "ot")
    phone, laptop, other = (
        await sign_in(client, username),
        await sign_in(client, username),
        await sign_in(client, neighbour),
    )
    ended = await client.delete("/api/v1/auth/sessions", headers={"Authorization": f"Bearer {laptop}"})
    assert ended.status_code == 204
    assert [await status_with(client, t) for t in (phone, laptop, other)] == [401, 401, 200]


async def test_an_ot_signs_a_partners_lost_phone_out_but_not_another_territorys(client, conn):
    username, account_id = await new_account(conn)
    person = await sign_in(client, username)
    device = await enrol(client, person)
    path = f"/api/v1/sites/{SITE}/staff/{account_id}/sign-out"
    figeac = await client.post(path, headers=await staff_headers(client, "demo-ot-figeac"))
    assert figeac.status_code == 403 and figeac.json()["code"] == "auth.forbidden"
    assert await status_with(client, device) == 200
    done = await client.post(path, headers=await staff_headers(client, "demo-ot-cahors"))
    assert done.status_code == 204, done.text
    assert [await status_with(client, t) for t in (person, device)] == [401, 401]
    # an account of another site is not this site's to sign out
    _, elsewhere = await new_account(conn)
    await conn.execute("UPDATE staff_accounts SET site_id = 'grotte-pech-merle' WHERE id = $1", elsewhere)
    wrong_site = await client.post(
        f"/api/v1/sites/{SITE}/staff/{elsewhere}/sign-out", headers=await staff_headers(client, "demo-ot-cahors")
    )
    assert wrong_site.status_code == 404


async def test_a_token_of_the_old_shape_is_refused(client, app, conn):
    """Tokens issued before credential versions (no `ver`, no `jti`) end with the upgrade."""
    import time

    import jwt

    _, account_id = await new_account(conn)
    now = int(time.time())
    payload = {"sub": str(account_id), "role": "partner", "iss": app.state.settings.config.rules.passes.issuer}
    old = jwt.encode({**payload, "aud": "tbc-staff", "iat": now, "exp": now + 600}, app.state.derived_keys.session)
    assert await status_with(client, old) == 401


# --- cookie-borne writes: CSRF by construction (row 3) ------------------------------------


async def _cookie_session(browser: httpx.AsyncClient, conn) -> None:
    username, _ = await new_account(conn)
    token = await sign_in(browser, username)
    opened = await browser.post("/api/v1/auth/session", headers={"Authorization": f"Bearer {token}"})
    assert opened.status_code == 200


@pytest.mark.parametrize(
    ("content", "headers"),
    [
        # a cross-site HTML form can send text/plain without a preflight: never accepted
        ("{}", {"Content-Type": "text/plain", "Origin": PUBLIC_URL}),
        ("{}", {"Content-Type": "text/plain"}),
        ("", {"Content-Type": "application/x-www-form-urlencoded", "Origin": PUBLIC_URL}),
        # JSON, but nothing says it comes from our pages
        ("{}", {"Content-Type": "application/json"}),
        # the request's own Host is not our origin
        ("{}", {"Content-Type": "application/json", "Host": "evil.example", "Origin": "http://evil.example"}),
        ("{}", {"Content-Type": "application/json", "Origin": "null"}),
        ("{}", {"Content-Type": "application/json", "Sec-Fetch-Site": "same-site"}),
    ],
    ids=["text-plain", "text-plain-no-origin", "form", "json-no-origin", "host-spoof", "null-origin", "same-site"],
)
async def test_a_cookie_borne_write_needs_json_from_our_origin(browser, conn, content, headers):
    await _cookie_session(browser, conn)
    before = await conn.fetchval("SELECT count(*) FROM staff_accounts")
    refused = await browser.post(f"/api/v1/sites/{SITE}/staff", content=content or "username=x", headers=headers)
    assert refused.status_code == 403, refused.text
    assert refused.json()["code"] == "auth.forbidden"
    assert await conn.fetchval("SELECT count(*) FROM staff_accounts") == before


async def test_a_json_write_with_our_origin_or_same_origin_fetch_metadata_is_accepted(browser, conn):
    await _cookie_session(browser, conn)
    for headers in (OUR_PAGE, {"Content-Type": "application/json", "Sec-Fetch-Site": "same-origin"}):
        accepted = await browser.post("/api/v1/attestations", json={}, headers=headers)
        assert accepted.status_code == 201, accepted.text


async def test_the_office_pages_sign_out_form_needs_its_form_token(browser, conn):
    username, _ = await new_account(conn, "ot")
    token = await sign_in(browser, username)
    await browser.post("/api/v1/auth/session", headers={"Authorization": f"Bearer {token}"})
    page = await browser.get("/ot")
    assert page.status_code == 200
    form_token = page.text.split('name="form_token" value="')[1].split('"')[0]
    forged = await browser.post("/ot/sign-out", data={"form_token": "0" * 64}, headers={"Origin": PUBLIC_URL})
    assert forged.status_code == 403
    elsewhere = await browser.post("/ot/sign-out", data={"form_token": form_token}, headers={"Origin": "http://x.test"})
    assert elsewhere.status_code == 403
    assert await status_with(browser, token) == 200
    done = await browser.post("/ot/sign-out", data={"form_token": form_token}, headers={"Origin": PUBLIC_URL})
    assert done.status_code == 303
    assert await status_with(browser, token) == 401


async def test_over_https_the_cookie_is_host_prefixed_and_secure(app, conn):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://tbc.test") as https:
        username, _ = await new_account(conn)
        token = await sign_in(https, username)
        opened = await https.post("/api/v1/auth/session", headers={"Authorization": f"Bearer {token}"})
        cookie = opened.headers["set-cookie"]
        assert cookie.startswith(f"{SECURE_SESSION_COOKIE}=") and "secure" in cookie.lower()
        assert "path=/" in cookie.lower() and "domain" not in cookie.lower()
        assert (await https.get("/api/v1/auth/session")).status_code == 200
        # a plain-named cookie (set by a sibling host, say) is not read over https
        https.cookies.clear()
        https.cookies.set(SESSION_COOKIE, token)
        assert (await https.get("/api/v1/auth/session")).status_code == 401
