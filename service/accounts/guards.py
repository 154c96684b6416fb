"""Who is calling: staff authentication and role guards.

A guard reads the bearer token, loads the account (so a disabled account loses
access at once) and puts it on `request.user`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import msgspec
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from service.accounts import repository, tokens
from service.core.errors import Problem
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


def bearer_token(connection: ASGIConnection) -> str | None:
    header = connection.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


async def authenticate(connection: ASGIConnection) -> Staff:
    token = bearer_token(connection)
    if token is None:
        raise Problem(401, "auth.required", headers={"WWW-Authenticate": "Bearer"})
    state = connection.app.state
    who = tokens.bearer(token, state.derived_keys.session, state.settings.config.rules.passes.issuer)
    if who is None:
        raise Problem(401, "auth.invalid_token", headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
    async with state.pool.acquire() as conn:
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
    )


def requires(*roles: Role) -> Callable[[ASGIConnection, BaseRouteHandler], Awaitable[None]]:
    """A guard letting in staff of the given roles only."""

    async def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        staff = await authenticate(connection)
        if staff.role not in roles:
            raise Problem(403, "auth.forbidden")
        connection.scope["user"] = staff

    return guard
