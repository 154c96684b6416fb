"""SQL of passes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import asyncpg

# A pass as its readers take it (`p` is the passes table).
COLUMNS = """
    p.id, p.code, p.kid, p.mode, p.method, p.confidence, p.persons, p.arrival_date, p.arrival_stop_id,
    p.ot_id, p.valid_from, p.valid_until, p.created_at, p.revoked_at, p.revoked_reason, p.trip_km, p.proof_id
"""


@dataclass(frozen=True)
class NewPass:
    """What a pass is issued with: the proof's facts, and where its mail goes."""

    proof_id: int
    mode: str
    method: str
    confidence: str
    persons: int
    arrival_date: date
    arrival_stop_id: str | None
    ot_id: str | None
    trip_km: float | None
    email: str | None
    lang: str


async def insert(
    conn: asyncpg.Connection, new: NewPass, *, code: str, kid: str, valid_from: datetime, valid_until: datetime
) -> asyncpg.Record | None:
    """The new pass, or None if `code` is taken (the caller draws another)."""
    return await conn.fetchrow(
        """
        INSERT INTO passes (code, proof_id, kid, mode, method, confidence, persons, arrival_date, arrival_stop_id,
                            ot_id, trip_km, valid_from, valid_until, email, lang)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
        ON CONFLICT (code) DO NOTHING
        RETURNING id, code, valid_from, valid_until
        """,
        code,
        new.proof_id,
        kid,
        new.mode,
        new.method,
        new.confidence,
        new.persons,
        new.arrival_date,
        new.arrival_stop_id,
        new.ot_id,
        new.trip_km,
        valid_from,
        valid_until,
        new.email,
        new.lang,
    )


async def by_code(conn: asyncpg.Connection, code: str, *, for_update: bool = False) -> asyncpg.Record | None:
    lock = " FOR UPDATE" if for_update else ""
    return await conn.fetchrow(f"SELECT {COLUMNS} FROM passes p WHERE p.code = $1{lock}", code)


async def by_proof(conn: asyncpg.Connection, proof_id: int) -> asyncpg.Record | None:
    return await conn.fetchrow(f"SELECT {COLUMNS} FROM passes p WHERE p.proof_id = $1", proof_id)


async def to_send_again(conn: asyncpg.Connection, email: str, quiet_minutes: int) -> list[asyncpg.Record]:
    """(id, lang) of the passes issued to `email` that still hold (not ended, not revoked)
    and were not sent again in the last `quiet_minutes`: an address is not flooded."""
    return await conn.fetch(
        """
        SELECT p.id, p.lang FROM passes p
        WHERE p.email IS NOT NULL AND lower(p.email) = lower($1) AND p.valid_until > now() AND p.revoked_at IS NULL
          AND NOT EXISTS (
              SELECT 1 FROM mail_outbox m
              WHERE m.pass_id = p.id AND m.kind = 'pass_sent_again' AND m.created_at > now() - make_interval(mins => $2)
          )
        """,
        email,
        quiet_minutes,
    )


async def redemptions_of(conn: asyncpg.Connection, pass_id: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        """
        SELECT r.id, r.site_id, s.name AS site_name, r.persons, r.redeemed_at
        FROM redemptions r JOIN sites s ON s.id = r.site_id
        WHERE r.pass_id = $1 ORDER BY r.redeemed_at
        """,
        pass_id,
    )


async def bookings_of(conn: asyncpg.Connection, pass_id: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        """
        SELECT b.id, b.slot_id, b.site_id, s.name AS site_name, b.persons, sl.starts_at, sl.ends_at
        FROM bookings b JOIN slots sl ON sl.id = b.slot_id JOIN sites s ON s.id = b.site_id
        WHERE b.pass_id = $1 AND b.cancelled_at IS NULL ORDER BY sl.starts_at
        """,
        pass_id,
    )


async def revoke(conn: asyncpg.Connection, code: str, reason: str, account_id: int | None) -> asyncpg.Record | None:
    """Revoke the pass; a pass already revoked keeps its first revocation. None if unknown."""
    return await conn.fetchrow(
        """
        UPDATE passes SET revoked_at = coalesce(revoked_at, now()),
                          revoked_reason = coalesce(revoked_reason, $2),
                          revoked_by = coalesce(revoked_by, $3)
        WHERE code = $1
        RETURNING code, ot_id, revoked_at, revoked_reason
        """,
        code,
        reason,
        account_id,
    )


async def revoked_since(conn: asyncpg.Connection, since: datetime | None) -> list[asyncpg.Record]:
    """Revoked passes still worth listing: revoked after `since` and not yet expired."""
    return await conn.fetch(
        """
        SELECT code AS jti, revoked_at, valid_until FROM passes
        WHERE revoked_at IS NOT NULL AND ($1::timestamptz IS NULL OR revoked_at > $1) AND valid_until > now()
        ORDER BY revoked_at
        """,
        since,
    )


# --- the holder's rights: a copy of what is held, and its erasure ---------------------


async def held_about(conn: asyncpg.Connection, pass_id: int) -> dict[str, Any]:
    """Every row held about a pass and its proof, as stored (the arrival stop and sites named)."""
    row = await conn.fetchrow(
        f"""
        SELECT {COLUMNS}, p.email, st.name AS arrival_stop, pr.id AS proof_id, pr.method AS proof_method,
               pr.mode AS proof_mode, pr.status AS proof_status, pr.arrival_date AS proof_arrival_date,
               pr.persons AS proof_persons, pr.facts AS proof_facts, pr.email AS proof_email,
               pr.created_at AS proof_created_at, pr.reviewed_at AS proof_reviewed_at,
               pr.review_reason AS proof_review_reason,
               EXISTS (SELECT 1 FROM proof_photos ph WHERE ph.proof_id = pr.id) AS proof_photo,
               EXISTS (SELECT 1 FROM ride_signatures rs WHERE rs.proof_id = pr.id) AS ride_shape,
               EXISTS (SELECT 1 FROM photo_hashes h WHERE h.proof_id = pr.id) AS photo_hash
        FROM passes p
        LEFT JOIN proofs pr ON pr.id = p.proof_id
        LEFT JOIN stops st ON st.id = p.arrival_stop_id
        WHERE p.id = $1
        """,
        pass_id,
    )
    mail = await conn.fetch(
        "SELECT kind, lang, created_at, sent_at FROM mail_outbox WHERE pass_id = $1 OR proof_id = $2 ORDER BY id",
        pass_id,
        row["proof_id"],
    )
    return {"row": row, "mail": [dict(m) for m in mail]}


async def erase_for_holder(conn: asyncpg.Connection, pass_id: int, proof_id: int | None) -> None:
    """What the pass and its proof hold beyond the reuse checks and the figures: the
    addresses, the queued mail, what the proof said (kept: its keyed fingerprint, and the
    ride's shape or the photo's hash until the reuse window ends)."""
    await conn.execute("UPDATE passes SET email = NULL WHERE id = $1", pass_id)
    await conn.execute("DELETE FROM mail_outbox WHERE pass_id = $1 OR proof_id = $2", pass_id, proof_id)
    if proof_id is not None:
        await conn.execute(
            "UPDATE proofs SET email = NULL, facts = '{}'::jsonb, review_reason = NULL WHERE id = $1", proof_id
        )
        await conn.execute("DELETE FROM proof_photos WHERE proof_id = $1", proof_id)
