"""SQL of proofs."""

from __future__ import annotations

from collections.abc import Iterable

import asyncpg

from service.proofs.gpx import Endpoint
from service.proofs.methods import photos
from service.proofs.methods.photos import CleanPhoto
from service.proofs.ride_recording import Recording
from service.proofs.ride_shape import RideShape
from service.proofs.rules import StopFacts, Verdict
from service.territory import repository as territory


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


async def by_fingerprint(conn: asyncpg.Connection, fingerprint: bytes) -> asyncpg.Record | None:
    """The proof first sent with this fingerprint: (id, public_id, status, review_reason)."""
    return await conn.fetchrow(
        "SELECT id, public_id, status, review_reason FROM proofs WHERE fingerprint = $1", fingerprint
    )


async def lot_endpoints(conn: asyncpg.Connection) -> list[Endpoint]:
    """The places a bike ride may end: the Lot's stations and coach stops, the gateway
    stations, the active partner sites (as `GET /api/v1/stops?mode=bike` lists them)."""
    return [Endpoint(row["lat"], row["lon"], row["ot_id"], row["name"]) for row in await territory.bike_endpoints(conn)]


async def lock_reuse_checks(conn: asyncpg.Connection, kind: str) -> None:
    """Serialise the look-alike checks of one kind until the transaction ends: two
    copies of one ride (or photo) sent at once cannot both pass the check."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext('proof-reuse:' || $1))", kind)


async def rides_on_road(
    conn: asyncpg.Connection, cells: Iterable[int], window_days: int
) -> list[tuple[int, list[int]]]:
    """(proof id, kept shape) of the window's rides that cross any of `cells`."""
    rows = await conn.fetch(
        """
        SELECT proof_id, cells FROM ride_signatures
        WHERE cells && $1::bigint[] AND created_at > now() - make_interval(days => $2)
        """,
        list(cells),
        window_days,
    )
    return [(row["proof_id"], row["cells"]) for row in rows]


async def kept_recordings(conn: asyncpg.Connection, proof_ids: list[int]) -> dict[int, Recording | None]:
    """The recordings of these kept rides; None for a ride kept before recordings were."""
    rows = await conn.fetch(
        "SELECT proof_id, mark_cells, mark_seconds, wobble FROM ride_signatures WHERE proof_id = ANY($1::bigint[])",
        proof_ids,
    )
    return {
        row["proof_id"]: None
        if row["mark_cells"] is None
        else Recording(
            tuple(row["mark_cells"]),
            tuple(row["mark_seconds"]),
            None if row["wobble"] is None else tuple(row["wobble"]),
        )
        for row in rows
    }


async def keep_ride(conn: asyncpg.Connection, proof_id: int, shape: RideShape, recording: Recording | None) -> None:
    await conn.execute(
        "INSERT INTO ride_signatures (proof_id, cells, mark_cells, mark_seconds, wobble) VALUES ($1, $2, $3, $4, $5)",
        proof_id,
        list(shape.cells),
        None if recording is None else list(recording.mark_cells),
        None if recording is None else list(recording.mark_seconds),
        None if recording is None or recording.wobble is None else list(recording.wobble),
    )


async def hold_for_review(
    conn: asyncpg.Connection,
    proof_id: int,
    similar: list[tuple[int, float | None, float | None]],
    lang: str,
    email: str | None,
) -> asyncpg.Record:
    """The proof waits for a person instead of its pass; `similar` are the earlier
    proofs it may repeat, with (time gap, wobble correlation). Returns (public_id, status)."""
    await conn.executemany(
        """
        INSERT INTO similar_rides (proof_id, earlier_proof_id, time_gap_seconds, wobble_correlation)
        VALUES ($1, $2, $3, $4)
        """,
        [(proof_id, earlier, gap, correlation) for earlier, gap, correlation in similar],
    )
    return await conn.fetchrow(
        """
        UPDATE proofs SET status = 'pending', confidence = NULL, lang = $2, email = $3
        WHERE id = $1 RETURNING public_id, status
        """,
        proof_id,
        lang,
        email,
    )


# A photo queued for a person (the manual method)


async def insert_pending(
    conn: asyncpg.Connection, mode: str, verdict: Verdict, photo: CleanPhoto, lang: str, email: str | None
) -> asyncpg.Record | None:
    """The new pending proof (id, public_id), or None when its fingerprint was already used."""
    row = await conn.fetchrow(
        """
        INSERT INTO proofs (method, mode, fingerprint, status, arrival_date, arrival_stop_id, persons, facts, ot_id,
                            lang, email)
        VALUES ('manual', $1, $2, 'pending', $3, $4, $5, $6, $7, $8, $9)
        ON CONFLICT (fingerprint) DO NOTHING
        RETURNING id, public_id, status
        """,
        mode,
        verdict.fingerprint,
        verdict.arrival_date,
        verdict.arrival_stop_id,
        verdict.persons,
        verdict.facts,
        verdict.ot_id,
        lang,
        email,
    )
    if row is not None:
        await conn.execute(
            "INSERT INTO proof_photos (proof_id, content_type, content) VALUES ($1, 'image/jpeg', $2)",
            row["id"],
            photo.jpeg,
        )
        await conn.execute(
            "INSERT INTO photo_hashes (proof_id, phash, fine, cuts) VALUES ($1, $2, $3::text::bit(256), $4)",
            row["id"],
            photo.phash,
            photo.fine,
            photo.cuts,
        )
    return row


async def fingerprint_used(conn: asyncpg.Connection, fingerprint: str) -> bool:
    """The same file was already sent (checked before any pixel of it is decoded)."""
    return await conn.fetchval("SELECT EXISTS (SELECT 1 FROM proofs WHERE fingerprint = $1)", fingerprint)


async def same_photo_seen(conn: asyncpg.Connection, photo: CleanPhoto, window_days: int) -> bool:
    """An earlier photo of the window is the same picture: by the fine hash, or by the
    64-bit one for photos kept before the fine hash."""
    return await conn.fetchval(
        """
        SELECT EXISTS (
            SELECT 1 FROM photo_hashes h
            WHERE h.created_at > now() - make_interval(days => $3)
              AND CASE WHEN h.fine IS NULL THEN bit_count((h.phash # $1::bigint)::bit(64)) <= $4
                       ELSE bit_count(h.fine # $2::text::bit(256)) <= $5 END)
        """,
        photo.phash,
        photo.fine,
        window_days,
        photos.SAME_PHOTO_BITS,
        photos.SAME_PHOTO_FINE_BITS,
    )
