"""POST /api/v1/redemptions: a partner desk scans a pass; GET /api/v1/revocations: the
revoked passes an offline desk refuses."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery, JSONBody

from service.accounts.guards import Alert, OfficeRoutes, PartnerRoutes, Staff, authenticate, presented_token, requires
from service.core import audit, logs
from service.core.db import DB, RowId
from service.core.errors import PROBLEM_JSON, Problem, request_lang
from service.core.i18n import N_, text
from service.core.validation import expected_in
from service.passes import repository as passes_repository
from service.redemptions import repository
from service.redemptions.service import Desk, Scan, redeem, sync_result

Nonce = Annotated[str, msgspec.Meta(min_length=8, max_length=128, pattern=r"^[A-Za-z0-9._:-]+$")]


class RedemptionRequest(msgspec.Struct, forbid_unknown_fields=True):
    nonce: Nonce
    token: Annotated[str, msgspec.Meta(min_length=1, max_length=2048)] | None = None
    code: Annotated[str, msgspec.Meta(min_length=1, max_length=40)] | None = None
    persons: Annotated[int, msgspec.Meta(ge=1, le=50)] | None = None
    scanned_at: datetime | None = None
    device: Annotated[str, msgspec.Meta(min_length=1, max_length=80)] | None = None


MAX_SYNC_ITEMS = 500


class SyncItem(msgspec.Struct, forbid_unknown_fields=True):
    nonce: Nonce
    scanned_at: datetime
    token: Annotated[str, msgspec.Meta(min_length=1, max_length=2048)] | None = None
    code: Annotated[str, msgspec.Meta(min_length=1, max_length=40)] | None = None
    persons: Annotated[int, msgspec.Meta(ge=1, le=50)] | None = None


class SyncBatch(msgspec.Struct, forbid_unknown_fields=True):
    items: Annotated[list[SyncItem], msgspec.Meta(min_length=1, max_length=MAX_SYNC_ITEMS)]
    device: Annotated[str, msgspec.Meta(min_length=1, max_length=80)] | None = None


class SyncResults(msgspec.Struct):
    results: list[dict[str, Any]]


class Conflict(msgspec.Struct):
    """Two offline desks accepted one pass at one site: the first use counts, this later one is kept."""

    id: int
    code: str
    site_id: str
    site_name: str
    ot_id: str
    first_device: str
    first_scanned_at: datetime | None
    first_redeemed_at: datetime
    first_persons: int
    device: str
    scanned_at: datetime | None
    received_at: datetime
    persons: int
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    note: str | None


class Acknowledgement(msgspec.Struct, forbid_unknown_fields=True):
    note: Annotated[str, msgspec.Meta(max_length=500)] | None = None


def _check_presented(presented: RedemptionRequest | SyncItem) -> None:
    if (presented.token is None) == (presented.code is None):
        raise Problem(400, "request.invalid", reason=text(N_("give exactly one of token and code")))
    if presented.scanned_at is not None and presented.scanned_at.tzinfo is None:
        raise Problem(400, "request.invalid", reason=expected_in("scanned_at"))


def _scan(presented: RedemptionRequest | SyncItem, staff: Staff, device: str, source: str) -> Scan:
    return Scan(
        nonce=presented.nonce,
        token=presented.token,
        code=presented.code,
        persons=presented.persons,
        scanned_at=presented.scanned_at,
        device=device,
        device_id=staff.device_id,
        source=source,
    )


def _device_label(staff: Staff, declared: str | None) -> str:
    """Which desk scanned: the enrolled device, else what the scanner says, else the account."""
    return staff.device_name or declared or staff.username


class RedemptionController(PartnerRoutes):
    path = "/api/v1/redemptions"

    @post("", summary="Redeem a pass at the caller's site (token from the QR, or the typed code)")
    async def redeem(
        self, request: Request[Staff, Any, Any], data: JSONBody[RedemptionRequest], db: DB, state: State
    ) -> Response[dict[str, Any]]:
        _check_presented(data)
        staff = request.user
        assert staff.site_id is not None
        scan = _scan(data, staff, _device_label(staff, data.device), "online")
        status, body = await redeem(
            db,
            state.settings,
            state.keyring,
            state.pool,
            state.folder,
            Desk(staff.id, staff.site_id),
            scan,
            request_lang(request),
        )
        if status >= 400:
            logs.note_refusal(body["code"])
        return Response(body, status_code=status, media_type="application/json" if status < 400 else PROBLEM_JSON)

    @post(
        "/sync",
        status_code=200,
        summary="Uses queued by an offline scanner, answered item by item (idempotent by nonce)",
    )
    async def sync(
        self, request: Request[Staff, Any, Any], data: JSONBody[SyncBatch], db: DB, state: State
    ) -> SyncResults:
        for item in data.items:
            _check_presented(item)
        staff = request.user
        assert staff.site_id is not None
        desk, lang = Desk(staff.id, staff.site_id), request_lang(request)
        device = _device_label(staff, data.device)
        results = []
        for item in data.items:
            scan = _scan(item, staff, device, "sync")
            status, body = await redeem(db, state.settings, state.keyring, state.pool, state.folder, desk, scan, lang)
            results.append(sync_result(item.nonce, device, status, body))
        return SyncResults(results)


class ConflictController(Controller):
    path = "/api/v1/redemptions/conflicts"
    tags = ["reports"]
    guards = [requires("ot", "pilot", "admin", "partner")]

    @get("", summary="Uses of one pass at one site by two offline devices, kept until the OT acknowledges them")
    async def list(
        self,
        request: Request[Staff, Any, Any],
        db: DB,
        status: FromQuery[Literal["open", "acknowledged", "all"]] = "open",
    ) -> list[Conflict]:
        staff = request.user
        # a partner's desk sees its own site's, so they stay on its screen until the OT has seen them
        rows = await repository.conflicts(
            db, staff.ot_id if staff.role == "ot" else None, status, limit=500, site_id=staff.site_id
        )
        return [Conflict(**dict(row)) for row in rows]

    @post(
        "/{conflict_id:int}/acknowledge",
        status_code=200,
        guards=[requires("ot", "pilot", "admin")],
        summary="Acknowledge a conflict (who and when are kept)",
    )
    async def acknowledge(
        self,
        request: Request[Staff, Any, Any],
        db: DB,
        conflict_id: FromPath[RowId],
        data: JSONBody[Acknowledgement | None] = None,
    ) -> Conflict:
        staff = request.user
        async with db.transaction():
            row = await repository.conflict(db, conflict_id)
            if row is None or not staff.may_see_ot(row["ot_id"]):
                raise Problem(404, "request.not_found")
            note = data.note.strip() if data and data.note and data.note.strip() else None
            if not await repository.acknowledge_conflict(db, conflict_id, staff.id, note):
                first = await repository.conflict(db, conflict_id)
                raise Problem(
                    409,
                    "conflict.already_acknowledged",
                    acknowledged_at=first["acknowledged_at"].isoformat(),
                    acknowledged_by=first["acknowledged_by"],
                )
            await audit.record(
                db,
                "conflict.acknowledged",
                "redemption_conflict",
                str(conflict_id),
                by=staff,
                details={"note": note} if note else None,
            )
            return Conflict(**dict(await repository.conflict(db, conflict_id)))


class ScanAlert(Alert):
    site_id: str
    device: str
    code: str | None


class AlertController(OfficeRoutes):
    path = "/api/v1/redemptions/alerts"
    tags = ["reports"]

    @get(
        "",
        summary="What to look at about the sites' scanners: revoked passes accepted offline, bursts of unknown codes",
    )
    async def list(self, request: Request[Staff, Any, Any], db: DB) -> list[ScanAlert]:
        rows = await repository.alerts(db, request.user.ot_scope(None), limit=500)
        return [ScanAlert(**dict(row)) for row in rows]


class RevokedItem(msgspec.Struct):
    jti: str
    revoked_at: datetime
    valid_until: datetime


class RevocationList(msgspec.Struct):
    revoked: list[RevokedItem]
    generated_at: datetime


# A revocation committed a moment after another process read the clock must
# still reach the next delta: `generated_at` looks back this far.
REVOCATION_OVERLAP = timedelta(seconds=30)


class RevocationController(Controller):
    path = "/api/v1/revocations"
    tags = ["passes"]

    @get(
        "",
        summary="Revoked passes still valid, for offline scanners",
        description="Public. A partner device that sends its token is recorded as knowing the list up to "
        "`generated_at`: its synced scans of passes revoked before that moment are refused.",
    )
    async def list(self, request: Request, db: DB, since: FromQuery[datetime | None] = None) -> RevocationList:
        if since is not None and since.tzinfo is None:
            raise Problem(
                400,
                "request.invalid",
                reason=expected_in("since"),
            )
        scanner = await authenticate(request) if presented_token(request) is not None else None
        generated_at = await db.fetchval("SELECT clock_timestamp()") - REVOCATION_OVERLAP
        rows = await passes_repository.revoked_since(db, since)
        if scanner is not None and scanner.role == "partner":
            await repository.record_revocations_known(db, scanner.id, scanner.device_id, generated_at)
        return RevocationList([RevokedItem(r["jti"], r["revoked_at"], r["valid_until"]) for r in rows], generated_at)
