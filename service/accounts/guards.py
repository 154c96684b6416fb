"""Who is calling: staff authentication and role guards.

A guard reads the bearer token — from the Authorization header (programs, scanners)
or from the staff session cookie (the staff pages) — loads the account (so a
disabled account loses access at once) and puts it on `request.user`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import msgspec
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from service.accounts import repository, tokens
from service.core import db
from service.core.errors import Problem
from service.core.requests import is_options_handler
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
    # when the presented token ends (seconds since the epoch)
    token_expires: int = 0

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
# SameSite=Strict (no other site's page can make the browser send it).
SESSION_COOKIE = "tbc_staff"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def bearer_token(connection: ASGIConnection) -> str | None:
    header = connection.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _same_origin(connection: ASGIConnection) -> bool:
    """A cookie-borne write must come from our own pages. SameSite=Strict already keeps
    other sites out; the Fetch Metadata and Origin headers are the second lock."""
    site = connection.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return False
    origin = connection.headers.get("origin")
    if origin is None:
        return True
    own = f"{connection.url.scheme}://{connection.headers.get('host', '')}"
    public = connection.app.state.settings.public_url.rstrip("/")
    return origin in (own, public)


def presented_token(connection: ASGIConnection) -> str | None:
    """The staff token of this request: the header first, else the session cookie."""
    token = bearer_token(connection)
    if token is not None:
        return token
    cookie = connection.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    if connection.method not in _SAFE_METHODS and not _same_origin(connection):
        raise Problem(403, "auth.forbidden")
    return cookie


def verified_bearer(connection: ASGIConnection, token: str) -> tokens.Bearer:
    state = connection.app.state
    who = tokens.bearer(token, state.derived_keys.session, state.settings.config.rules.passes.issuer)
    if who is None:
        raise Problem(401, "auth.invalid_token", headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
    return who


async def authenticate(connection: ASGIConnection) -> Staff:
    token = presented_token(connection)
    if token is None:
        raise Problem(401, "auth.required", headers={"WWW-Authenticate": "Bearer"})
    state = connection.app.state
    who = verified_bearer(connection, token)
    async with db.acquire(state.pool) as conn:
        row = await repository.active_by_id(conn, who.account_id)
        device = await repository.active_device(conn, who.device_id, who.account_id) if who.device_id else None
    if row is None or (who.device_id is not None and device is None):
        raise Problem(401, "auth.invalid_token", headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
    return Staff(
        id=row["id"],
        username=row["username"],
        role=row["role"],
        ot_id=row["ot_id"],
        site_id=row["site_id"],
        device_id=device["id"] if device else None,
        device_name=device["name"] if device else None,
        token_expires=who.expires,
    )


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
