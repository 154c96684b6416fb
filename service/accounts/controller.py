"""Staff sign-in (POST /api/v1/auth/token), the staff pages' session cookie, and partners' scanner devices."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, delete, get, post
from litestar.datastructures import State
from litestar.params import FromPath, JSONBody

from service.accounts import repository, tokens
from service.accounts.guards import (
    Alert,
    OfficeRoutes,
    PartnerRoutes,
    Staff,
    end_token,
    presented_token,
    requires,
    session_cookie,
)
from service.accounts.passwords import PASSWORD_MAX_LENGTH, verify_password
from service.core import audit, clock, ratelimit
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
            row["id"],
            row["role"],
            state.derived_keys.session,
            settings.config.rules.passes.issuer,
            lifetime,
            credential_version=row["credential_version"],
        )
        return AccessToken(token, "bearer", lifetime, row["role"], row["ot_id"], row["site_id"])

    @delete(
        "/sessions",
        status_code=204,
        guards=[requires(*ROLES)],
        summary="Sign out everywhere: every token of this account ends (its scanner devices' too)",
    )
    async def end_everywhere(self, request: Request[Staff, Any, Any], db: DB) -> Response[None]:
        staff = request.user
        async with db.transaction():
            await repository.end_every_token(db, staff.id)
            await audit.record(
                db,
                "account.signed_out_everywhere",
                "staff_account",
                str(staff.id),
                by=staff,
            )
        return Response(None, status_code=204, cookies=[session_cookie(request)])


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
    async def open(self, request: Request[Staff, Any, Any]) -> Response[Session]:
        staff = request.user
        token = presented_token(request)
        assert token is not None  # the guard let the request in
        lifetime = max(0, staff.token_expires - int(clock.now().timestamp()))
        return Response(_session_of(staff), cookies=[session_cookie(request, token, lifetime)])

    @get("", guards=[requires(*ROLES)], summary="Who the current session or token speaks for")
    async def current(self, request: Request[Staff, Any, Any]) -> Session:
        return _session_of(request.user)

    @delete("", status_code=204, summary="Sign out: the session's token is ended for good, and its cookie cleared")
    async def close(self, request: Request, db: DB) -> Response[None]:
        token = presented_token(request)
        if token is not None:
            await end_token(request, db, token)
        return Response(None, status_code=204, cookies=[session_cookie(request)])


class AccountAlert(Alert):
    username: str
    role: Role
    ot_id: str | None


class AccountAlertController(OfficeRoutes):
    path = "/api/v1/auth/alerts"
    tags = ["staff"]

    @get("", summary="What an OT should know of its people's accounts: lockouts after many wrong passwords")
    async def list(self, request: Request[Staff, Any, Any], db: DB) -> list[AccountAlert]:
        rows = await repository.account_alerts(db, request.user.ot_scope(None), limit=500)
        return [AccountAlert(**dict(row)) for row in rows]


class SignInAttempt:
    """One sign-in attempt, counted before the password is checked (so parallel guesses
    cannot slip past the limit); a good password clears the account's strikes."""

    def __init__(
        self, db: DB, username: str, account_bucket: str, address_bucket: str, address_count: ratelimit.Count
    ) -> None:
        self.db, self.username, self.account_bucket, self.address_bucket = db, username, account_bucket, address_bucket
        self.address_count = address_count

    async def succeeded(self) -> None:
        await ratelimit.forget(self.db, self.account_bucket)
        await ratelimit.give_back(self.db, self.address_bucket, self.address_count)
        await repository.clear_sign_in_failures(self.db, self.username)


def _too_many_attempts(retry_after: int) -> Problem:
    return Problem(
        429,
        "auth.too_many_attempts",
        headers={"Retry-After": str(retry_after)},
        retry_after=retry_after,
        minutes=-(-retry_after // 60),
        retry_at=(clock.now() + timedelta(seconds=retry_after)).isoformat(timespec="seconds"),
    )


# Lockouts in a row double, up to a day.
_LONGEST_LOCKOUT_SECONDS = 24 * 3600


async def _count_sign_in(request: Request, db: DB, state: State, username: str) -> SignInAttempt:
    """429 `auth.too_many_attempts` when this address has failed too often for this
    username, or for all usernames together, or every address together for this username
    (then the account is locked a while and its OT alerted); else the attempt, counted."""
    limits = state.settings.config.rules.rate_limits
    window = limits.sign_in_window_minutes * 60
    key = state.derived_keys.session
    everywhere = await repository.count_sign_in_attempt(db, username, window)
    if everywhere["locked_for"] > 0:
        raise _too_many_attempts(everywhere["locked_for"])
    if everywhere["failures"] > limits.sign_in_failures_per_username:
        await _lock(db, username, limits.sign_in_lockout_minutes * 60, everywhere["failures"])
    account_bucket = ratelimit.client_bucket("sign-in-account", request, key, username)
    account = await ratelimit.count(db, account_bucket, window)
    if account.hits > limits.sign_in_failures_per_account:
        raise _too_many_attempts(account.retry_after)  # the address is not charged for a locked account
    address_bucket = ratelimit.client_bucket("sign-in", request, key)
    address = await ratelimit.count(db, address_bucket, window)
    if address.hits > limits.sign_in_failures_per_address:
        await ratelimit.give_back(db, account_bucket, account)
        raise _too_many_attempts(address.retry_after)
    return SignInAttempt(db, username, account_bucket, address_bucket, address)


async def _lock(db: DB, username: str, base_seconds: int, failures: int) -> None:
    """Lock the username everywhere (the one attempt that locks it alerts its OT); always 429."""
    async with db.transaction():
        locked = await repository.lock_sign_in(db, username, base_seconds, _LONGEST_LOCKOUT_SECONDS)
        if locked is not None:
            until = locked["locked_until"].isoformat(timespec="seconds")
            details = {"failures": failures - 1, "lockouts_in_a_row": locked["lockouts"], "locked_until": until}
            await repository.alert_lockout(db, username, details)
            await audit.record(
                db, "account.sign_in_locked", "staff_account", username, actor="sign-in", details=details
            )
    raise _too_many_attempts(locked["locked_for"] if locked is not None else base_seconds)


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


class DeviceController(PartnerRoutes):
    """Scanner devices of a partner desk: each has its own name and token, and can be disabled."""

    path = "/api/v1/devices"

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
            credential_version=staff.credential_version,
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
