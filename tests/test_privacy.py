"""Retention: `tbc purge` deletes what has outlived its purpose."""

from __future__ import annotations

import asyncio
import io
import json
import subprocess
import sys

from service.settings import ROOT
from tests.conftest import days_ago, trip_claim
from tests.photo_factory import ticket_photo


async def test_purge_closes_stale_reviews_and_forgets_emails(client, conn, settings, database_url):
    photo = io.BytesIO(ticket_photo("privacy-purge"))
    submitted = await client.post(
        "/api/v1/claims",
        data={
            "mode": "bus",
            "method": "manual",
            "persons": "1",
            "evidence": json.dumps({"date": days_ago(0).isoformat(), "arrival_stop_id": "lio:cajarc"}),
        },
        files={"file": ("photo.jpg", photo.getvalue(), "image/jpeg")},
    )
    review_id = submitted.json()["review"]["id"]
    await conn.execute(
        "UPDATE proofs SET created_at = now() - interval '31 days' WHERE public_id = $1::uuid", review_id
    )
    expired = await client.post(
        "/api/v1/claims", json={**trip_claim(travel_date=days_ago(20)), "email": "old@example.org"}
    )
    current = await client.post("/api/v1/claims", json={**trip_claim(), "email": "now@example.org"})
    assert expired.status_code == current.status_code == 201
    # that pass ended 13 days ago: its e-mail stays a while (30 days by default)…
    from service.privacy.commands import purge

    await purge(conn, settings)
    assert await conn.fetchval("SELECT email FROM passes WHERE code = $1", expired.json()["pass"]["code"])
    # …and goes once the retention is over
    await conn.execute(
        "UPDATE passes SET valid_until = now() - interval '31 days', valid_from = now() - interval '38 days' WHERE code = $1",
        expired.json()["pass"]["code"],
    )

    result = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "service", "purge"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={
            "PATH": "/usr/bin:/bin",
            "HOME": "/tmp",
            "DATABASE_URL": database_url,
            "TBC_SECRET_KEY": settings.secret_key,
        },
    )
    assert result.returncode == 0, result.stderr
    assert "stale_reviews_closed: " in result.stdout

    outcome = (await client.get(f"/api/v1/claims/review/{review_id}")).json()["review"]
    assert outcome["status"] == "rejected" and outcome["reason"]
    assert (
        await conn.fetchval(
            "SELECT count(*) FROM proof_photos ph JOIN proofs p ON p.id = ph.proof_id WHERE p.public_id = $1::uuid",
            review_id,
        )
        == 0
    )
    emails = dict(
        await conn.fetch(
            "SELECT code, email FROM passes WHERE code = ANY($1::text[])",
            [expired.json()["pass"]["code"], current.json()["pass"]["code"]],
        )
    )
    assert emails == {expired.json()["pass"]["code"]: None, current.json()["pass"]["code"]: "now@example.org"}
