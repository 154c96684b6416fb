"""SQL of the human review of proofs."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import asyncpg


async def layout_lookalikes(
    conn: asyncpg.Connection, proof_ids: list[int], max_bits: int, window_days: int
) -> list[asyncpg.Record]:
    """For each proof of `proof_ids`, the earlier proofs of the window whose photo has nearly
    its layout (64-bit hash), with their outcome, both photos' cuts, and whether the earlier
    photo is still kept (until its decision)."""
    return await conn.fetch(
        """
        SELECT mine.proof_id AS for_proof, pr.public_id, pr.status, pr.created_at, pr.reviewed_at,
               pr.review_reason, bit_count((h.phash # mine.phash)::bit(64)) AS bits_apart,
               mine.cuts AS own_cuts, h.cuts AS their_cuts,
               EXISTS (SELECT 1 FROM proof_photos ph WHERE ph.proof_id = h.proof_id) AS has_photo
        FROM photo_hashes mine
        JOIN photo_hashes h ON h.proof_id <> mine.proof_id AND h.created_at <= mine.created_at
                           AND h.created_at > now() - make_interval(days => $3)
                           AND bit_count((h.phash # mine.phash)::bit(64)) <= $2
        JOIN proofs pr ON pr.id = h.proof_id
        WHERE mine.proof_id = ANY($1::bigint[])
        ORDER BY for_proof, bits_apart, pr.created_at
        """,
        proof_ids,
        max_bits,
        window_days,
    )


_REVIEW_COLUMNS = """
    pr.id, pr.public_id, pr.method, pr.mode, pr.status, pr.arrival_date, pr.arrival_stop_id, pr.persons, pr.facts,
    pr.ot_id,
    pr.created_at, pr.reviewed_at, pr.review_reason, pr.lang, pr.email,
    (SELECT p.code FROM passes p WHERE p.proof_id = pr.id) AS pass_code
"""


# A person reviews the photos, and the rides held because an earlier one may be the same recording.
_REVIEWED = "(pr.method = 'manual' OR EXISTS (SELECT 1 FROM similar_rides s WHERE s.proof_id = pr.id))"


async def by_public_id(conn: asyncpg.Connection, public_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {_REVIEW_COLUMNS} FROM proofs pr WHERE pr.public_id = $1 AND {_REVIEWED}", public_id
    )


async def for_decision(conn: asyncpg.Connection, public_id: UUID) -> asyncpg.Record | None:
    """The proof, locked until the decision commits (two reviewers never both decide)."""
    return await conn.fetchrow(
        f"SELECT {_REVIEW_COLUMNS} FROM proofs pr WHERE pr.public_id = $1 AND {_REVIEWED} FOR UPDATE",
        public_id,
    )


async def queue(conn: asyncpg.Connection, ot_id: str | None, status: str, limit: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"""
        SELECT {_REVIEW_COLUMNS}, EXISTS (SELECT 1 FROM proof_photos ph WHERE ph.proof_id = pr.id) AS has_photo
        FROM proofs pr
        WHERE {_REVIEWED} AND pr.status = $2 AND ($1::text IS NULL OR pr.ot_id = $1 OR pr.ot_id IS NULL)
        ORDER BY pr.created_at
        LIMIT $3
        """,
        ot_id,
        status,
        limit,
    )


async def similar_rides(conn: asyncpg.Connection, proof_ids: list[int]) -> list[asyncpg.Record]:
    """For each held ride of `proof_ids`, the earlier proofs it may repeat, with their outcome now."""
    return await conn.fetch(
        """
        SELECT s.proof_id AS for_proof, s.time_gap_seconds, s.wobble_correlation, pr.public_id, pr.status,
               pr.persons, pr.created_at, pr.reviewed_at, pr.review_reason
        FROM similar_rides s JOIN proofs pr ON pr.id = s.earlier_proof_id
        WHERE s.proof_id = ANY($1::bigint[])
        ORDER BY s.proof_id, s.time_gap_seconds NULLS LAST, pr.created_at
        """,
        proof_ids,
    )


async def photo(conn: asyncpg.Connection, proof_id: int) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT content_type, content FROM proof_photos WHERE proof_id = $1", proof_id)


async def place(
    conn: asyncpg.Connection,
    proof_id: int,
    arrival_date: date,
    arrival_stop_id: str | None,
    ot_id: str | None,
    facts: dict[str, Any],
) -> None:
    """The date and place the reviewer read on the photo."""
    await conn.execute(
        "UPDATE proofs SET arrival_date = $2, arrival_stop_id = $3, ot_id = $4, facts = $5 WHERE id = $1",
        proof_id,
        arrival_date,
        arrival_stop_id,
        ot_id,
        facts,
    )


async def decide(
    conn: asyncpg.Connection,
    proof_id: int,
    status: str,
    reviewer_id: int,
    reason: str | None,
    confidence: str | None = None,
) -> None:
    """Record the decision and delete the photo: it served its purpose."""
    await conn.execute(
        """
        UPDATE proofs SET status = $2, confidence = $5, reviewed_by = $3, reviewed_at = now(), review_reason = $4
        WHERE id = $1
        """,
        proof_id,
        status,
        reviewer_id,
        reason,
        confidence,
    )
    await conn.execute("DELETE FROM proof_photos WHERE proof_id = $1", proof_id)
