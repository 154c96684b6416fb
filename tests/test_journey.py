"""The whole journey with the demo accounts: claim, pass, QR, redemption, report."""

from __future__ import annotations

import io

import zxingcpp
from PIL import Image

from tests.conftest import issue_pass, nonce, staff_headers, trip_claim

PARTNER = "demo-partner-musee-henri-martin"  # a site of the Cahors OT


async def test_visitor_to_partner_to_ot(client):
    before = (await client.get("/api/v1/reports/uptake", headers=await staff_headers(client, "demo-ot-cahors"))).json()

    # a visitor declares a train trip to Cahors
    response = await client.post("/api/v1/claims", json=trip_claim(persons=3))
    assert response.status_code == 201, response.text
    issued = response.json()["pass"]
    assert issued["persons"] == 3 and issued["mode"] == "train" and issued["confidence"] == "plausible"
    assert issued["checks"] == {"timetable_checked": False}
    holder = {"Authorization": f"Bearer {issued['token']}"}

    # the pass, for its holder
    shown = await client.get(f"/api/v1/passes/{issued['code']}", headers=holder)
    assert shown.status_code == 200, shown.text
    assert shown.json()["status"] == "valid" and shown.json()["redemptions"] == []

    # its QR reads back to the token with a real decoder
    png = await client.get(issued["qr_png_url"], headers=holder)
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.content)))
    assert [barcode.text for barcode in decoded] == [issued["token"]]
    svg = await client.get(issued["qr_svg_url"], params={"token": issued["token"]})
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in svg.content

    # the partner desk scans it
    partner = await staff_headers(client, PARTNER)
    scan = await client.post("/api/v1/redemptions", json={"token": issued["token"], "nonce": nonce()}, headers=partner)
    assert scan.status_code == 201, scan.text
    body = scan.json()
    assert body["status"] == "ok" and body["pass"]["persons"] == 3
    assert body["redemption"]["site_id"] == "musee-henri-martin" and body["redemption"]["persons"] == 3
    assert body["offer"]["label"]

    # a second scan at the same site is refused, saying when and by whom
    again = await client.post(
        "/api/v1/redemptions", json={"code": issued["code_display"].lower(), "nonce": nonce()}, headers=partner
    )
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("application/problem+json")
    assert again.json()["code"] == "redemption.already_redeemed"
    assert again.json()["first"]["device"] == PARTNER
    assert again.json()["first"]["redeemed_at"] == body["redemption"]["redeemed_at"]

    # the holder sees the use
    shown = (await client.get(f"/api/v1/passes/{issued['code']}", headers=holder)).json()
    assert [r["site_id"] for r in shown["redemptions"]] == ["musee-henri-martin"]

    # the Cahors OT sees one more pass, three more persons, one more use
    after = (await client.get("/api/v1/reports/uptake", headers=await staff_headers(client, "demo-ot-cahors"))).json()
    assert after["ot"] == "cahors"
    for field, added in (("passes", 1), ("persons", 3), ("redemptions", 1), ("passes_used", 1)):
        assert after["totals"][field] == before["totals"][field] + added, field
    assert after["totals"]["co2_avoided_kg"] > before["totals"]["co2_avoided_kg"]


async def test_redemption_at_another_site_counts_separately(client):
    issued = await issue_pass(client)
    for site in ("musee-henri-martin", "musee-champollion"):
        response = await client.post(
            "/api/v1/redemptions",
            json={"token": issued["token"], "nonce": nonce()},
            headers=await staff_headers(client, f"demo-partner-{site}"),
        )
        assert response.status_code == 201, response.text


CONTRACT = [  # API.md, path by path
    ("post", "/api/v1/auth/token"),
    ("get", "/api/v1/ots"),
    ("get", "/api/v1/sites"),
    ("get", "/api/v1/stops"),
    ("get", "/.well-known/jwks.json"),
    ("get", "/health/live"),
    ("get", "/health/ready"),
    ("post", "/api/v1/claims"),
    ("get", "/api/v1/claims/review/{review_id}"),
    ("get", "/api/v1/passes/{code}"),
    ("get", "/api/v1/passes/{code}/qr.svg"),
    ("get", "/api/v1/passes/{code}/qr.png"),
    ("post", "/api/v1/passes/{code}/revoke"),
    ("get", "/api/v1/revocations"),
    ("get", "/api/v1/sites/{site_id}/slots"),
    ("post", "/api/v1/bookings"),
    ("delete", "/api/v1/bookings/{booking_id}"),
    ("post", "/api/v1/redemptions"),
    ("post", "/api/v1/redemptions/sync"),
    ("post", "/api/v1/attestations"),
    ("get", "/api/v1/reports/uptake"),
    ("get", "/api/v1/review/proofs"),
    ("post", "/api/v1/review/proofs/{review_id}/approve"),
    ("post", "/api/v1/review/proofs/{review_id}/reject"),
]


async def test_openapi_documents_the_contract(client):
    schema = (await client.get("/schema/openapi.json")).json()
    for method, path in CONTRACT:
        assert method in schema["paths"].get(path, {}), (method, path)
    claim = schema["paths"]["/api/v1/claims"]["post"]["requestBody"]["content"]
    assert set(claim) == {"application/json", "multipart/form-data"}
    assert {"mode", "method", "persons", "evidence"} <= set(claim["application/json"]["schema"]["properties"])
    assert claim["multipart/form-data"]["schema"]["properties"]["file"]["format"] == "binary"
    redemption = schema["paths"]["/api/v1/redemptions"]["post"]["requestBody"]["content"]["application/json"]
    assert redemption["schema"]


async def test_the_claim_body_lists_the_registered_methods(client):
    """The method enum, the evidence shapes and the mode table all come from METHODS."""
    from service.proofs.methods import METHOD_MODES, METHODS

    schema = (await client.get("/schema/openapi.json")).json()
    body = schema["paths"]["/api/v1/claims"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert set(body["properties"]["method"]["enum"]) == set(METHODS)
    assert len(body["properties"]["evidence"]["oneOf"]) == len(METHODS)
    assert METHOD_MODES == {name: method.modes for name, method in METHODS.items()}
    for name, method in METHODS.items():
        outside = ({"train", "bus", "bike"} - method.modes) & {"train", "bus", "bike"}
        for mode in outside:
            response = await client.post(
                "/api/v1/claims", json={"mode": mode, "method": name, "persons": 1, "evidence": {}}
            )
            assert response.status_code == 422, (name, mode)
            assert response.json()["code"] == "proof.method_not_for_mode", (name, mode)
