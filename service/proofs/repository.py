"""SQL of proofs."""

from __future__ import annotations

from collections.abc import Iterable

import asyncpg

from service.proofs.rules import StopFacts, Verdict


async def stop_facts(conn: asyncpg.Connection, stop_id: str) -> StopFacts | None:
    """The stop named, as the territory knows it: a feed's id for one of its stops gives that stop."""
    row = await conn.fetchrow(
        """
        SELECT place.id, place.mode, place.in_lot, place.gateway, place.ot_id
        FROM stops named JOIN stops place ON place.id = coalesce(named.same_as, named.id)
        WHERE named.id = $1
        """,
        stop_id,
    )
    return StopFacts(row["id"], row["mode"], row["in_lot"], row["gateway"], row["ot_id"]) if row else None


async def lot_train_stops(conn: asyncpg.Connection) -> list[StopFacts]:
    """The train stations where an arrival counts: in the Lot, or a gateway."""
    rows = await conn.fetch(
        "SELECT id, mode, in_lot, gateway, ot_id FROM stops WHERE mode = 'train' AND (in_lot OR gateway) ORDER BY id"
    )
    return [StopFacts(row["id"], row["mode"], row["in_lot"], row["gateway"], row["ot_id"]) for row in rows]


async def insert_accepted(conn: asyncpg.Connection, method: str, mode: str, verdict: Verdict) -> int | None:
    """The new proof's id, or None when its fingerprint was already used."""
    return await conn.fetchval(
        """
        INSERT INTO proofs (method, mode, fingerprint, confidence, status, arrival_date, arrival_stop_id, persons,
                            facts, ot_id)
        VALUES ($1, $2, $3, $4, 'accepted', $5, $6, $7, $8, $9)
        ON CONFLICT (fingerprint) DO NOTHING
        RETURNING id
        """,
        method,
        mode,
        verdict.fingerprint,
        verdict.confidence,
        verdict.arrival_date,
        verdict.arrival_stop_id,
        verdict.persons,
        verdict.facts,
        verdict.ot_id,
    )


async def lot_endpoints(conn: asyncpg.Connection) -> list[tuple[float, float, str | None]]:
    """(lat, lon, OT) of the places a bike ride may end: Lot stations and gateways, partner sites."""
    rows = await conn.fetch(
        """
        SELECT lat, lon, ot_id FROM stops WHERE mode = 'train' AND (in_lot OR gateway)
        UNION ALL
        SELECT lat, lon, ot_id FROM sites WHERE active
        """
    )
    return [(row["lat"], row["lon"], row["ot_id"]) for row in rows]


async def lock_reuse_checks(conn: asyncpg.Connection, kind: str) -> None:
    """Serialise the look-alike checks of one kind until the transaction ends: two
    copies of one ride (or photo) sent at once cannot both pass the check."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext('proof-reuse:' || $1))", kind)


async def rides_sharing_cells(conn: asyncpg.Connection, cells: Iterable[int], window_days: int) -> list[list[int]]:
    """The kept shapes of the window's rides that cross any of `cells`."""
    rows = await conn.fetch(
        """
        SELECT cells FROM ride_signatures
        WHERE cells && $1::bigint[] AND created_at > now() - make_interval(days => $2)
        """,
        list(cells),
        window_days,
    )
    return [row["cells"] for row in rows]


async def keep_ride_shape(conn: asyncpg.Connection, proof_id: int, cells: Iterable[int]) -> None:
    await conn.execute("INSERT INTO ride_signatures (proof_id, cells) VALUES ($1, $2)", proof_id, list(cells))
