"""Staff sign-in (POST /api/v1/auth/token), the staff pages' session cookie, and partners' scanner devices."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, delete, get, post
from litestar.datastructures import Cookie, State
from litestar.params import FromPath, JSONBody

from service.accounts import repository, tokens
from service.accounts.guards import SESSION_COOKIE, Staff, presented_token, requires
from service.accounts.passwords import PASSWORD_MAX_LENGTH, verify_password
from service.core import clock, ratelimit
from service.core.db import DB, RowId
from service.core.errors import Problem
from service.settings import ROLES, Role


class Credentials(msgspec.Struct, forbid_unknown_fields=True):
    username: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    password: Annotated[str, msgspec.Meta(min_length=1, max_length=PASSWORD_MAX_LENGTH)]


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
    async def token(self, request: Request, data: JSONBody[Credentials], db: DB, state: State) -> AccessToken:
        username = data.username.strip().lower()
        attempts = await _count_sign_in(request, db, state, username)
        row = await repository.by_username(db, username)
        usable = row is not None and row["active"]
        if not await verify_password(row["password_hash"] if usable else None, data.password):
            raise Problem(401, "auth.invalid_credentials")
        assert row is not None
        await attempts.succeeded()
        await repository.touch_login(db, row["id"])
        settings = state.settings
        lifetime = settings.staff_token_minutes * 60
        token = tokens.issue(
            row["id"], row["role"], state.derived_keys.session, settings.config.rules.passes.issuer, lifetime
        )
        return AccessToken(token, "bearer", lifetime, row["role"], row["ot_id"], row["site_id"])


class Session(msgspec.Struct):
    username: str
    role: Role
    ot: str | None
    site: str | None
    device: str | None
    expires_at: datetime


def _session_of(staff: Staff) -> Session:
    return Session(
        staff.username,
        staff.role,
        staff.ot_id,
        staff.site_id,
        staff.device_name,
        datetime.fromtimestamp(staff.token_expires, UTC),
    )


class SessionController(Controller):
    """The staff pages' session: a page signs in with POST /auth/token, then trades the
    bearer token for an HttpOnly cookie here, so no script keeps the token afterwards."""

    path = "/api/v1/auth/session"
    tags = ["staff"]

    @post("", status_code=200, guards=[requires(*ROLES)], summary="Open a page session from a bearer token")
    async def open(self, request: Request[Staff, Any, Any], state: State) -> Response[Session]:
        staff = request.user
        token = presented_token(request)
        assert token is not None  # the guard let the request in
        lifetime = max(0, staff.token_expires - int(clock.now().timestamp()))
        cookie = Cookie(
            key=SESSION_COOKIE,
            value=token,
            max_age=lifetime,
            path="/",
            httponly=True,
            samesite="strict",
            secure=state.settings.public_url.startswith("https://"),
        )
        return Response(_session_of(staff), cookies=[cookie])

    @get("", guards=[requires(*ROLES)], summary="Who the current session or token speaks for")
    async def current(self, request: Request[Staff, Any, Any]) -> Session:
        return _session_of(request.user)

    @delete("", status_code=204, summary="Close the page session")
    async def close(self) -> Response[None]:
        return Response(None, status_code=204, cookies=[Cookie(key=SESSION_COOKIE, value="", max_age=0, path="/")])


class SignInAttempt:
    """One sign-in attempt, counted before the password is checked (so parallel guesses
    cannot slip past the limit); a good password clears the account's strikes."""

    def __init__(self, db: DB, account_bucket: str, address_bucket: str, address_count: ratelimit.Count) -> None:
        self.db, self.account_bucket, self.address_bucket = db, account_bucket, address_bucket
        self.address_count = address_count

    async def succeeded(self) -> None:
        await ratelimit.forget(self.db, self.account_bucket)
        await ratelimit.give_back(self.db, self.address_bucket, self.address_count)


def _too_many_attempts(counted: ratelimit.Count) -> Problem:
    return Problem(
        429,
        "auth.too_many_attempts",
        headers={"Retry-After": str(counted.retry_after)},
        retry_after=counted.retry_after,
        minutes=-(-counted.retry_after // 60),
        retry_at=(clock.now() + timedelta(seconds=counted.retry_after)).isoformat(timespec="seconds"),
    )


async def _count_sign_in(request: Request, db: DB, state: State, username: str) -> SignInAttempt:
    """429 `auth.too_many_attempts` when this address has failed too often for this
    username, or for all usernames together; else the attempt, counted."""
    limits = state.settings.config.rules.rate_limits
    window = limits.sign_in_window_minutes * 60
    key = state.derived_keys.session
    account_bucket = ratelimit.client_bucket("sign-in-account", request, key, username)
    account = await ratelimit.count(db, account_bucket, window)
    if account.hits > limits.sign_in_failures_per_account:
        raise _too_many_attempts(account)  # the address is not charged for a locked account
    address_bucket = ratelimit.client_bucket("sign-in", request, key)
    address = await ratelimit.count(db, address_bucket, window)
    if address.hits > limits.sign_in_failures_per_address:
        await ratelimit.give_back(db, account_bucket, account)
        raise _too_many_attempts(address)
    return SignInAttempt(db, account_bucket, address_bucket, address)


class DeviceEnrolment(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=80)]


class Device(msgspec.Struct):
    id: int
    name: str
    active: bool
    created_at: datetime
    last_scan_at: datetime | None = None


class EnrolledDevice(msgspec.Struct):
    id: int
    name: str
    access_token: str
    token_type: str
    expires_in: int


class DeviceController(Controller):
    """Scanner devices of a partner desk: each has its own name and token, and can be disabled."""

    path = "/api/v1/devices"
    tags = ["partners"]
    guards = [requires("partner")]

    @post("", summary="Enrol a scanner device; its token identifies it on every scan")
    async def enrol(
        self, request: Request[Staff, Any, Any], data: JSONBody[DeviceEnrolment], db: DB, state: State
    ) -> EnrolledDevice:
        staff = request.user
        if staff.device_id is not None:
            raise Problem(403, "auth.forbidden")  # a device does not enrol others
        row = await repository.add_device(db, staff.id, data.name.strip())
        if row is None:
            raise Problem(409, "device.name_taken", name=data.name.strip())
        settings = state.settings
        lifetime = settings.device_token_days * 86400
        token = tokens.issue(
            staff.id,
            staff.role,
            state.derived_keys.session,
            settings.config.rules.passes.issuer,
            lifetime,
            device_id=row["id"],
        )
        return EnrolledDevice(row["id"], row["name"], token, "bearer", lifetime)

    @get("", summary="The devices of this partner account")
    async def list(self, request: Request[Staff, Any, Any], db: DB) -> list[Device]:
        return [Device(**dict(row)) for row in await repository.devices_of(db, request.user.id)]

    @post("/{device_id:int}/disable", status_code=200, summary="Disable a device (lost, stolen, replaced)")
    async def disable(self, request: Request[Staff, Any, Any], db: DB, device_id: FromPath[RowId]) -> Device:
        row = await repository.disable_device(db, device_id, request.user.id)
        if row is None:
            raise Problem(404, "request.not_found")
        return Device(**dict(row))
