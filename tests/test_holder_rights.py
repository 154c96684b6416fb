"""The pass holder's rights with the pass token as the credential: a copy of what is held
(GET /api/v1/passes/{code}/data) and its erasure (DELETE /api/v1/passes/{code})."""

from __future__ import annotations

from tests.helpers import issue_pass, nonce, staff_headers, trip_claim


def _bearer(issued) -> dict[str, str]:
    return {"Authorization": f"Bearer {issued['token']}"}


async def test_the_holder_gets_everything_held_about_the_pass(client, settings):
    address = f"rights-{nonce()[:8]}@example.org"
    claimed = await client.post("/api/v1/claims", json={**trip_claim(persons=3), "email": address})
    issued = claimed.json()["pass"]
    desk = await staff_headers(client, "demo-partner-musee-henri-martin")
    await client.post("/api/v1/redemptions", json={"token": issued["token"], "nonce": nonce()}, headers=desk)
    answer = await client.get(f"/api/v1/passes/{issued['code']}/data", headers=_bearer(issued))
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-disposition"].startswith("attachment;")
    assert "no-store" in answer.headers["cache-control"]
    held = answer.json()
    assert held["pass"]["code"] == issued["code"] and held["pass"]["email"] == address
    assert held["pass"]["persons"] == 3 and held["pass"]["arrival_stop"] == "Cahors"
    facts = held["proof"]["facts"]
    assert held["proof"]["method"] == "declared_trip" and "871234" in (facts.get("line"), facts.get("train_number"))
    assert [use["site_id"] for use in held["uses"]] == ["musee-henri-martin"]
    assert [mail["kind"] for mail in held["mail"]] == ["pass_issued"]
    assert held["retention_days"]["ride_shape_and_photo_hash"] == settings.config.rules.privacy.reuse_window_days
    other = await issue_pass(client)
    assert (await client.get(f"/api/v1/passes/{issued['code']}/data", headers=_bearer(other))).status_code == 403
    assert (await client.get(f"/api/v1/passes/{issued['code']}/data")).status_code == 401


async def test_erasure_revokes_erases_and_leaves_the_figures(client, conn):
    address = f"erase-{nonce()[:8]}@example.org"
    claimed = await client.post("/api/v1/claims", json={**trip_claim(), "email": address})
    issued = claimed.json()["pass"]
    ot = await staff_headers(client, "demo-ot-cahors")
    figures = "/api/v1/reports/figures?ot=cahors"
    before = (await client.get(figures, headers=ot)).json()

    erased = await client.delete(f"/api/v1/passes/{issued['code']}", headers=_bearer(issued))
    assert erased.status_code == 200, erased.text
    assert "email" in erased.json()["erased"] and "proof_fingerprint" in erased.json()["kept"]
    row = await conn.fetchrow(
        "SELECT p.email, p.revoked_at, pr.email AS proof_email, pr.facts, pr.fingerprint"
        " FROM passes p JOIN proofs pr ON pr.id = p.proof_id WHERE p.code = $1",
        issued["code"],
    )
    assert row["email"] is None and row["proof_email"] is None and row["facts"] == {}
    assert row["revoked_at"] is not None and row["fingerprint"] is not None  # one proof, one pass: kept
    assert (
        await conn.fetchval(
            "SELECT count(*) FROM mail_outbox mo JOIN passes p ON p.id = mo.pass_id WHERE p.code = $1", issued["code"]
        )
        == 0
    )
    # the desks refuse it, offline ones through the revocation list
    desk = await staff_headers(client, "demo-partner-musee-henri-martin")
    scanned = await client.post("/api/v1/redemptions", json={"token": issued["token"], "nonce": nonce()}, headers=desk)
    assert scanned.status_code == 410 and scanned.json()["code"] == "pass.revoked"
    listed = (await client.get("/api/v1/revocations", headers=desk)).json()
    assert issued["code"] in {entry["jti"] for entry in listed["revoked"]}
    # the figures do not move; the audit says that it happened, not who
    after = (await client.get(figures, headers=ot)).json()
    assert after["figures"] == before["figures"]
    entry = await conn.fetchrow("SELECT actor, actor_id, action FROM audit_log WHERE object_id = $1", issued["code"])
    assert (entry["action"], entry["actor"], entry["actor_id"]) == ("pass.erased", "holder", None)
    again = await client.delete(f"/api/v1/passes/{issued['code']}", headers=_bearer(issued))
    assert again.status_code == 200
    assert await conn.fetchval("SELECT count(*) FROM audit_log WHERE object_id = $1", issued["code"]) == 1
