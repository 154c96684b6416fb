"""Who is calling: staff authentication and role guards.

A guard reads the bearer token — from the Authorization header (programs, scanners)
or from the staff session cookie (the staff pages) — checks it against the account
in one query (active, at the token's credential version, its device active, the
token not signed out: so a new password, a disabled account or device, a sign-out
end access at once) and puts the account on `request.user`.

Cookie-borne writes are CSRF-proof by construction: they must be JSON (no HTML form
of another site can send that without a preflight we never grant) and carry an
`Origin` equal to the configured public origin, or `Sec-Fetch-Site: same-origin`.
The request's own `Host` is never trusted for that.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import msgspec
from litestar import Controller
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.handlers.base import BaseRouteHandler

from service.accounts import repository, tokens
from service.core import db
from service.core.db import from_row
from service.core.errors import Problem
from service.core.requests import is_json, is_options_handler
from service.core.security import origin_of, over_https
from service.settings import Role


class Staff(msgspec.Struct, frozen=True):
    id: int
    username: str
    role: Role
    ot_id: str | None
    site_id: str | None
    # set when the call comes from an enrolled scanner device
    device_id: int | None = None
    device_name: str | None = None
    # when the presented token ends (seconds since the epoch), and its id
    token_expires: int = 0
    token_id: uuid.UUID | None = None
    credential_version: int = 0

    def may_see_ot(self, ot_id: str) -> bool:
        return self.role in ("pilot", "admin") or self.ot_id == ot_id

    def ot_scope(self, asked: str | None) -> str | None:
        """The OT a question is about: the asked one if the caller may see it (403 otherwise),
        an OT user's own by default; None is the whole department."""
        scope = asked or (self.ot_id if self.role == "ot" else None)
        if scope is None and self.role not in ("pilot", "admin"):
            raise Problem(403, "auth.forbidden")
        if scope is not None and not self.may_see_ot(scope):
            raise Problem(403, "auth.forbidden")
        return scope


# The staff pages keep the access token in this cookie: HttpOnly (no script reads it),
# SameSite=Strict (no other site's page can make the browser send it). Over https it is
# `__Host-` prefixed and Secure: no other host of the domain, and no plain-http page, can
# set or read it.
SESSION_COOKIE = "tbc_staff"
SECURE_SESSION_COOKIE = "__Host-tbc_staff"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def session_cookie_name(connection: ASGIConnection) -> str:
    https = over_https(connection.scope, connection.app.state.settings.public_url)
    return SECURE_SESSION_COOKIE if https else SESSION_COOKIE


def session_cookie(connection: ASGIConnection, token: str = "", max_age: int = 0) -> Cookie:
    """The session cookie holding `token` for `max_age` seconds; without them, the one that clears it."""
    name = session_cookie_name(connection)
    return Cookie(
        key=name,
        value=token,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="strict",
        secure=name == SECURE_SESSION_COOKIE,
    )


def bearer_token(connection: ASGIConnection) -> str | None:
    header = connection.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def from_our_origin(connection: ASGIConnection) -> bool:
    """The browser says the request comes from a page of ours: its `Origin` is the configured
    public origin, or (browsers that send no Origin) its Fetch Metadata says same-origin."""
    origin = connection.headers.get("origin")
    if origin is not None:
        return origin.lower() == origin_of(connection.app.state.settings.public_url)
    return connection.headers.get("sec-fetch-site") == "same-origin"


def session_cookie_token(connection: ASGIConnection) -> str | None:
    return connection.cookies.get(session_cookie_name(connection)) or None


def presented_token(connection: ASGIConnection) -> str | None:
    """The staff token of this request: the header first, else the session cookie (for a
    write, only a JSON one from our origin: 403 `auth.forbidden` otherwise)."""
    token = bearer_token(connection)
    if token is not None:
        return token
    cookie = session_cookie_token(connection)
    if cookie is None:
        return None
    json_body = is_json(connection.headers.get("content-type", ""))
    if connection.method not in _SAFE_METHODS and not (json_body and from_our_origin(connection)):
        raise Problem(403, "auth.forbidden")
    return cookie


def form_token(connection: ASGIConnection, staff: Staff) -> str:
    """The token a staff page's own HTML form carries (it cannot send JSON): bound to the
    session's token id, so another site cannot know it."""
    key = connection.app.state.derived_keys.session
    return hmac.new(key, f"form:{staff.token_id}".encode(), hashlib.sha256).hexdigest()


def check_form_post(connection: ASGIConnection, staff: Staff, given: str | None) -> None:
    """A staff page's form post: from our origin, with the session's form token."""
    if not (from_our_origin(connection) and given and hmac.compare_digest(given, form_token(connection, staff))):
        raise Problem(403, "auth.forbidden")


def verified_bearer(connection: ASGIConnection, token: str) -> tokens.Bearer:
    state = connection.app.state
    who = tokens.bearer(token, state.derived_keys.session, state.settings.config.rules.passes.issuer)
    if who is None:
        raise Problem(401, "auth.invalid_token", headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
    return who


async def authenticate(connection: ASGIConnection, token: str | None = None) -> Staff:
    token = token or presented_token(connection)
    if token is None:
        raise Problem(401, "auth.required", headers={"WWW-Authenticate": "Bearer"})
    who = verified_bearer(connection, token)
    conn = await db.request_connection(connection)  # the one the handler then uses
    row = await repository.authenticated(conn, who.account_id, who.device_id, who.credential_version, who.token_id)
    if row is None:
        raise Problem(401, "auth.invalid_token", headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
    return from_row(
        Staff,
        row,
        token_expires=who.expires,
        token_id=who.token_id,
        credential_version=who.credential_version,
    )


async def end_token(connection: ASGIConnection, conn: db.Connection, token: str) -> None:
    """End one genuine token for good (sign-out); a forged or expired one needs no ending."""
    try:
        who = verified_bearer(connection, token)
    except Problem:
        return
    if who.token_id is not None:
        await repository.end_token(conn, who.token_id, datetime.fromtimestamp(who.expires, UTC))


def requires(*roles: Role) -> Callable[[ASGIConnection, BaseRouteHandler], Awaitable[None]]:
    """A guard letting in staff of the given roles only."""

    async def guard(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
        if is_options_handler(handler):
            return
        staff = await authenticate(connection)
        if staff.role not in roles:
            raise Problem(403, "auth.forbidden")
        connection.scope["user"] = staff

    return guard


class Alert(msgspec.Struct):
    """Something an OT should look at: what happened (`kind`, `details`) and when."""

    id: int
    kind: str
    details: dict[str, Any]
    created_at: datetime


class PartnerRoutes(Controller):
    """Routes of a partner's desk (its account, or one of its devices)."""

    tags = ["partners"]
    guards = [requires("partner")]


class OfficeRoutes(Controller):
    """Routes of the tourist offices, the pilot and the admins."""

    guards = [requires("ot", "pilot", "admin")]
