"""POST /api/v1/auth/token: staff sign-in."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar.params import JSONBody
from litestar import Controller, post
from litestar.datastructures import State

from service.core.db import DB
from service.accounts import repository, tokens
from service.accounts.passwords import verify_password
from service.core.errors import Problem
from service.settings import Role


class Credentials(msgspec.Struct, forbid_unknown_fields=True):
    username: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    password: Annotated[str, msgspec.Meta(min_length=1, max_length=256)]


class AccessToken(msgspec.Struct):
    access_token: str
    token_type: str
    expires_in: int
    role: Role
    ot: str | None
    site: str | None


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ["staff"]

    @post("/token", status_code=200, summary="Sign in as staff")
    async def token(self, data: JSONBody[Credentials], db: DB, state: State) -> AccessToken:
        row = await repository.by_username(db, data.username.strip().lower())
        usable = row is not None and row["active"]
        if not await verify_password(row["password_hash"] if usable else None, data.password):
            raise Problem(401, "auth.invalid_credentials")
        assert row is not None
        await repository.touch_login(db, row["id"])
        settings = state.settings
        lifetime = settings.staff_token_minutes * 60
        token = tokens.issue(row["id"], row["role"], state.derived_keys.session, settings.config.rules.passes.issuer, lifetime)
        return AccessToken(token, "bearer", lifetime, row["role"], row["ot_id"], row["site_id"])
