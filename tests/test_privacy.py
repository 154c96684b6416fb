"""Retention: `tbc purge` deletes what has outlived its purpose."""

from __future__ import annotations

import asyncio
import io
import json
import subprocess
import sys

from service.settings import ROOT
from tests.helpers import days_ago, issue_pass, nonce, staff_headers, trip_claim
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


async def test_purge_ends_the_audit_trail_and_the_scan_answers_at_their_retention(client, conn, settings):
    """`[privacy]`: audit entries older than audit_retention_days and scan answers older than
    scan_retention_days go; younger ones stay, and a replay of a young scan still answers."""
    from service.privacy.commands import purge

    rules = settings.config.rules.privacy
    old, young = [
        await conn.fetchval(
            """
            INSERT INTO audit_log (at, actor, action, object_type, object_id)
            VALUES (now() - make_interval(days => $1), 'test', 'pass.revoked', 'pass', $2) RETURNING id
            """,
            days,
            f"retention-{days}",
        )
        for days in (rules.audit_retention_days + 1, rules.audit_retention_days - 1)
    ]
    partner = await staff_headers(client, "demo-partner-musee-henri-martin")
    scans = []
    for _ in range(2):
        issued = await issue_pass(client)
        scan = {"token": issued["token"], "nonce": nonce()}
        assert (await client.post("/api/v1/redemptions", json=scan, headers=partner)).status_code == 201
        scans.append(scan)
    await conn.execute(
        "UPDATE scan_requests SET received_at = now() - make_interval(days => $2) WHERE nonce = $1",
        scans[0]["nonce"],
        rules.scan_retention_days + 1,
    )

    done = await purge(conn, settings)

    assert done["audit_entries_deleted"] >= 1 and done["scan_answers_deleted"] >= 1
    kept = {
        row["id"] for row in await conn.fetch("SELECT id FROM audit_log WHERE id = ANY($1::bigint[])", [old, young])
    }
    assert kept == {young}
    stored = {
        row["nonce"]
        for row in await conn.fetch(
            "SELECT nonce FROM scan_requests WHERE nonce = ANY($1::text[])", [s["nonce"] for s in scans]
        )
    }
    assert stored == {scans[1]["nonce"]}
    # the purge itself is in the trail, with what it did
    purged = await conn.fetchval(
        "SELECT details FROM audit_log WHERE action = 'privacy.purged' ORDER BY id DESC LIMIT 1"
    )
    assert purged["audit_entries_deleted"] == done["audit_entries_deleted"]
    replay = await client.post("/api/v1/redemptions", json=scans[1], headers=partner)
    assert replay.status_code == 201
