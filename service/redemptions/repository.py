"""SQL of redemptions and of the scan idempotency record."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import asyncpg

from service.passes import repository as passes_repository


class NonceTaken(Exception):
    """This scan's nonce already has its answer at the site: the scan is a replay."""


async def stored_answer(conn: asyncpg.Connection, site_id: str, nonce: str) -> tuple[int, dict[str, Any]]:
    row = await conn.fetchrow(
        "SELECT status_code, response FROM scan_requests WHERE site_id = $1 AND nonce = $2", site_id, nonce
    )
    return row["status_code"], row["response"]


def _nonce_taken(error: asyncpg.UniqueViolationError) -> bool:
    return error.constraint_name == "scan_requests_pkey"


async def store_answer(
    conn: asyncpg.Connection, site_id: str, nonce: str, account_id: int, status: int, response: dict[str, Any]
) -> None:
    """The scan's answer under its nonce; `NonceTaken` when a scan with that nonce got there
    first (a concurrent one is waited for)."""
    try:
        await conn.execute(
            """
            INSERT INTO scan_requests (site_id, nonce, account_id, status_code, response)
            VALUES ($1, $2, $3, $4, $5)
            """,
            site_id,
            nonce,
            account_id,
            status,
            response,
        )
    except asyncpg.UniqueViolationError as error:
        if _nonce_taken(error):
            raise NonceTaken from None
        raise


# The desk's site as a scan reads it, prefixed `site_` beside the pass's columns.
_SITE = ("active", "bookable", "booking_required", "modes", "min_confidence", "proof_max_age_days")


# A scan's pass (its columns, `admitted`, what was declared) and the desk's site (None: no such site).
ScanFacts = tuple[asyncpg.Record, dict[str, Any] | None]


async def scan_facts(
    conn: asyncpg.Connection, site_id: str, nonce: str, code: str | None
) -> tuple[tuple[int, dict[str, Any]] | None, ScanFacts | None]:
    """In one round trip: the answer already stored under `nonce` at the site (a replay),
    and what a desk of `site_id` judges a scan of `code` by — the pass (None: no such pass,
    or no code) with the persons of it already in at the site (`admitted`) and what the
    visitor declared (`line`, `arrival_stop`, `arrival_time`: what a desk may ask to see on
    the ticket, never the ticket reference nor anything personal); and the site with its
    offer (None: no such site)."""
    row = await conn.fetchrow(
        f"""
        SELECT sr.status_code AS stored_status, sr.response AS stored_response, facts.*
        FROM (SELECT 1) AS one
        LEFT JOIN scan_requests sr ON sr.site_id = $2 AND sr.nonce = $3
        LEFT JOIN (
            SELECT {passes_repository.COLUMNS},
                   coalesce((SELECT max(r.persons) FROM redemptions r WHERE r.pass_id = p.id AND r.site_id = $2), 0)
                       AS admitted,
                   st.name AS arrival_stop, coalesce(pr.facts->>'line', pr.facts->>'train_number') AS line,
                   pr.facts->>'arrival_time' AS arrival_time,
                   s.id AS site_id, {", ".join(f"s.{name} AS site_{name}" for name in _SITE)},
                   o.label AS site_offer_label, o.details AS site_offer_details
            FROM passes p
            LEFT JOIN proofs pr ON pr.id = p.proof_id
            LEFT JOIN stops st ON st.id = p.arrival_stop_id
            LEFT JOIN sites s ON s.id = $2
            LEFT JOIN offers o ON o.site_id = s.id
            WHERE p.code = $1
        ) AS facts ON true
        """,
        code,
        site_id,
        nonce,
    )
    stored = (row["stored_status"], row["stored_response"]) if row["stored_status"] is not None else None
    if row["id"] is None:
        return stored, None
    site = {key.removeprefix("site_"): row[key] for key in row.keys() if key.startswith("site_")}
    return stored, (row, site if site["id"] is not None else None)


# The moment of a use as the answers write every moment (Python's isoformat in UTC).
_ISO = """to_char(a.redeemed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
          || CASE WHEN to_char(a.redeemed_at, 'US') = '000000' THEN '' ELSE '.' || to_char(a.redeemed_at, 'US') END
          || '+00:00'"""


async def admit(
    conn: asyncpg.Connection,
    *,
    pass_id: int,
    site_id: str,
    account_id: int,
    device: str,
    device_id: int | None,
    persons: int,
    most: int,
    source: str,
    scanned_at: datetime | None,
    nonce: str,
    answer: tuple[str, str],
) -> dict[str, Any] | None:
    """Admit `persons` more at the site and store the answer under the scan's nonce, in one
    statement; the answer, or None when that would pass `most` (nothing written). The use is
    the pass's at the site, created by its first visit and counting up at later ones; it
    keeps its first visit's moment and desk. `answer` is the answer's JSON text around its
    `redemption` (before, after), which the statement writes: the use's id, the persons in
    after this visit (`admitted`) and before it, its moment. `NonceTaken` when a scan with
    that nonce got there first: then nothing is admitted either."""
    try:
        return await conn.fetchval(
            f"""
            WITH a AS (
                INSERT INTO redemptions AS r (pass_id, site_id, account_id, device, device_id, persons, source,
                                              scanned_at)
                SELECT $1::bigint, $2::text, $3::bigint, $4::text, $8::bigint, $5::integer, $6::text, $7::timestamptz
                WHERE $5::integer <= $9::integer
                ON CONFLICT (pass_id, site_id) DO UPDATE SET persons = r.persons + EXCLUDED.persons
                    WHERE r.persons + EXCLUDED.persons <= $9
                RETURNING id, site_id, persons AS admitted, redeemed_at
            )
            INSERT INTO scan_requests (site_id, nonce, account_id, status_code, response)
            SELECT $2, $10, $3, 201, ($11 || json_build_object(
                'id', a.id, 'site_id', a.site_id, 'persons', $5::integer, 'admitted', a.admitted,
                'admitted_before', a.admitted - $5::integer, 'redeemed_at', {_ISO},
                'scanned_at', $13::text)::text || $12)::json
            FROM a
            RETURNING response
            """,
            pass_id,
            site_id,
            account_id,
            device,
            persons,
            source,
            scanned_at,
            device_id,
            most,
            nonce,
            *answer,
            scanned_at.astimezone(UTC).isoformat() if scanned_at else None,
        )
    except asyncpg.UniqueViolationError as error:
        if _nonce_taken(error):
            raise NonceTaken from None
        raise


async def existing(conn: asyncpg.Connection, pass_id: int, site_id: str) -> asyncpg.Record:
    return await conn.fetchrow(
        "SELECT id, redeemed_at, device, persons FROM redemptions WHERE pass_id = $1 AND site_id = $2", pass_id, site_id
    )


async def active_booking(conn: asyncpg.Connection, pass_id: int, site_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        """
        SELECT b.id, b.slot_id, b.persons, sl.starts_at, sl.ends_at
        FROM bookings b JOIN slots sl ON sl.id = b.slot_id
        WHERE b.pass_id = $1 AND b.site_id = $2 AND b.cancelled_at IS NULL
        """,
        pass_id,
        site_id,
    )


async def insert_conflict(
    conn: asyncpg.Connection,
    *,
    redemption_id: int,
    account_id: int,
    device: str,
    device_id: int | None,
    persons: int,
    scanned_at: datetime | None,
) -> None:
    await conn.execute(
        """
        INSERT INTO redemption_conflicts (redemption_id, account_id, device, device_id, persons, scanned_at)
        VALUES ($1, $2, $3, $4, $5, $6)
        """,
        redemption_id,
        account_id,
        device,
        device_id,
        persons,
        scanned_at,
    )


_CONFLICT_SELECT = """
    SELECT c.id, p.code, r.site_id, s.name AS site_name, s.ot_id, r.device AS first_device,
           r.scanned_at AS first_scanned_at, r.redeemed_at AS first_redeemed_at, r.persons AS first_persons,
           c.device, c.scanned_at, c.received_at, c.persons,
           c.resolved_at AS acknowledged_at, a.username AS acknowledged_by, c.resolution_note AS note
    FROM redemption_conflicts c
    JOIN redemptions r ON r.id = c.redemption_id
    JOIN passes p ON p.id = r.pass_id
    JOIN sites s ON s.id = r.site_id
    LEFT JOIN staff_accounts a ON a.id = c.resolved_by
"""


async def conflicts(
    conn: asyncpg.Connection, ot_id: str | None, status: str, limit: int, site_id: str | None = None
) -> list[asyncpg.Record]:
    """Conflicts at the scope's sites (or one site, for its desk): `open` (not yet
    acknowledged), `acknowledged` or `all`."""
    return await conn.fetch(
        _CONFLICT_SELECT
        + """
        WHERE ($1::text IS NULL OR s.ot_id = $1)
          AND ($2 = 'all' OR ($2 = 'open') = (c.resolved_at IS NULL))
          AND ($4::text IS NULL OR r.site_id = $4)
        ORDER BY c.received_at DESC, c.id DESC
        LIMIT $3
        """,
        ot_id,
        status,
        limit,
        site_id,
    )


async def revocations_known_at(conn: asyncpg.Connection, account_id: int, device_id: int | None) -> datetime | None:
    """When the scanner (the device, else the account) last fetched the revocation list."""
    if device_id is not None:
        return await conn.fetchval("SELECT revocations_known_at FROM devices WHERE id = $1", device_id)
    return await conn.fetchval("SELECT revocations_known_at FROM staff_accounts WHERE id = $1", account_id)


async def record_revocations_known(
    conn: asyncpg.Connection, account_id: int, device_id: int | None, known_at: datetime
) -> None:
    table = "devices" if device_id is not None else "staff_accounts"
    await conn.execute(
        f"UPDATE {table} SET revocations_known_at = greatest(revocations_known_at, $2) WHERE id = $1",  # noqa: S608
        device_id if device_id is not None else account_id,
        known_at,
    )


async def insert_alert(
    conn: asyncpg.Connection,
    *,
    kind: str,
    site_id: str,
    account_id: int,
    device: str,
    device_id: int | None,
    pass_id: int | None = None,
    details: dict[str, Any] | None = None,
    once_key: str | None = None,
) -> None:
    await conn.execute(
        """
        INSERT INTO scan_alerts (kind, site_id, account_id, device, device_id, pass_id, details, once_key)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
        ON CONFLICT (once_key) DO NOTHING
        """,
        kind,
        site_id,
        account_id,
        device,
        device_id,
        pass_id,
        details or {},
        once_key,
    )


async def alerts(conn: asyncpg.Connection, ot_id: str | None, limit: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        """
        SELECT a.id, a.kind, a.site_id, a.device, p.code, a.details, a.created_at
        FROM scan_alerts a
        JOIN sites s ON s.id = a.site_id
        LEFT JOIN passes p ON p.id = a.pass_id
        WHERE $1::text IS NULL OR s.ot_id = $1
        ORDER BY a.created_at DESC, a.id DESC
        LIMIT $2
        """,
        ot_id,
        limit,
    )


async def conflict(conn: asyncpg.Connection, conflict_id: int) -> asyncpg.Record | None:
    return await conn.fetchrow(_CONFLICT_SELECT + " WHERE c.id = $1", conflict_id)


async def acknowledge_conflict(conn: asyncpg.Connection, conflict_id: int, account_id: int, note: str | None) -> bool:
    """Mark the conflict acknowledged by the account; False when someone already had."""
    return bool(
        await conn.fetchval(
            """
            UPDATE redemption_conflicts SET resolved_at = now(), resolved_by = $2, resolution_note = $3
            WHERE id = $1 AND resolved_at IS NULL
            RETURNING true
            """,
            conflict_id,
            account_id,
            note,
        )
    )
