"""Passes and uses of a past season written straight into a test database, at the moments
a test chooses (as another system's history would be loaded): the rollup triggers count
them as they would count claims and scans."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import asyncpg

# A pass's code from its proof's id `pr.id`, in the codes' alphabet (unique as the id is).
PASS_CODE_OF_PROOF = """(SELECT string_agg(substr('23456789ABCDEFGHJKLMNPQRSTUVWXYZ', ((pr.id >> (5 * k)) & 31)::int + 1, 1), ''
                              ORDER BY k) FROM generate_series(0, 9) k)"""


async def add_passes(
    conn: asyncpg.Connection,
    count: int,
    *,
    mode: str,
    ot: str | None,
    at: datetime,
    persons: Sequence[int] = (1,),
    tag: str,
) -> list[int]:
    """`count` passes issued at `at` (a second apart) to arrivals by `mode` in `ot`'s territory,
    the i-th for `persons[i % len(persons)]` persons; their ids. `tag` keeps fingerprints apart."""
    rows = await conn.fetch(
        f"""
        WITH made AS (
            INSERT INTO proofs (method, mode, fingerprint, confidence, status, arrival_date, persons, ot_id,
                                created_at)
            SELECT 'declared_trip', $2, sha256(convert_to($6 || '-' || g, 'UTF8')), 'plausible', 'accepted',
                   ($4::timestamptz AT TIME ZONE 'Europe/Paris')::date, ($5::int[])[1 + g % cardinality($5::int[])],
                   $3, $4::timestamptz + g * interval '1 second'
            FROM generate_series(0, $1 - 1) g
            RETURNING *
        )
        INSERT INTO passes (code, proof_id, kid, mode, method, confidence, persons, arrival_date, ot_id,
                            valid_from, valid_until, created_at)
        SELECT {PASS_CODE_OF_PROOF}, pr.id, (SELECT kid FROM signing_keys ORDER BY created_at DESC LIMIT 1), pr.mode,
               pr.method, pr.confidence, pr.persons, pr.arrival_date, pr.ot_id, pr.created_at,
               pr.created_at + interval '7 days', pr.created_at
        FROM made pr
        RETURNING id
        """,
        count,
        mode,
        ot,
        at,
        list(persons),
        tag,
    )
    return [row["id"] for row in rows]


async def add_uses(conn: asyncpg.Connection, pass_ids: Sequence[int], site: str, at: datetime) -> None:
    """Each pass used once at `site` at `at`, scanned by the site's demo desk."""
    await conn.execute(
        """
        INSERT INTO redemptions (pass_id, site_id, account_id, device, persons, redeemed_at)
        SELECT p.id, $2, a.id, 'history', p.persons, $3
        FROM passes p, staff_accounts a
        WHERE p.id = ANY($1::bigint[]) AND a.username = 'demo-partner-' || $2
        """,
        list(pass_ids),
        site,
        at,
    )
