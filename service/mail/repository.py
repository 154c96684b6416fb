"""SQL of the mail outbox."""

from __future__ import annotations

import asyncpg

# after a failed attempt: 1, 2, 4 … minutes, at most a day; then given up
MAX_ATTEMPTS = 12


async def enqueue(
    conn: asyncpg.Connection, kind: str, lang: str, *, pass_id: int | None = None, proof_id: int | None = None
) -> None:
    await conn.execute(
        "INSERT INTO mail_outbox (kind, lang, pass_id, proof_id) VALUES ($1, $2, $3, $4)",
        kind,
        lang,
        pass_id,
        proof_id,
    )


async def take_due(conn: asyncpg.Connection, limit: int) -> list[asyncpg.Record]:
    """Due messages with what they tell, locked for this sender (inside its transaction);
    the address comes from the pass or the proof, where `tbc purge` forgets it."""
    return await conn.fetch(
        """
        SELECT m.id, m.kind, m.lang, m.attempts,
               coalesce(p.email, pr.email) AS email,
               p.code, p.persons, p.mode, p.confidence, p.valid_from, p.valid_until,
               pr.public_id AS review_id, pr.status AS review_status, pr.review_reason
        FROM mail_outbox m
        LEFT JOIN proofs pr ON pr.id = m.proof_id
        LEFT JOIN passes p ON p.id = coalesce(m.pass_id, (SELECT id FROM passes WHERE proof_id = m.proof_id))
        WHERE m.sent_at IS NULL AND m.next_attempt_at <= now() AND m.attempts < $2
        ORDER BY m.next_attempt_at
        LIMIT $1
        FOR UPDATE OF m SKIP LOCKED
        """,
        limit,
        MAX_ATTEMPTS,
    )


async def mark_sent(conn: asyncpg.Connection, message_id: int) -> None:
    await conn.execute("UPDATE mail_outbox SET sent_at = now(), last_error = NULL WHERE id = $1", message_id)


async def mark_failed(conn: asyncpg.Connection, message_id: int, error: str) -> None:
    await conn.execute(
        """
        UPDATE mail_outbox
        SET attempts = attempts + 1, last_error = left($2, 500),
            next_attempt_at = now() + least(interval '1 day', interval '1 minute' * power(2, attempts))
        WHERE id = $1
        """,
        message_id,
        error,
    )


async def forget_old(conn: asyncpg.Connection, days: int) -> int:
    """Sent or given-up messages older than the e-mail retention: nothing left to tell."""
    status = await conn.execute(
        "DELETE FROM mail_outbox WHERE created_at < now() - make_interval(days => $1)"
        " AND (sent_at IS NOT NULL OR attempts >= $2)",
        days,
        MAX_ATTEMPTS,
    )
    return int(status.split()[-1])
