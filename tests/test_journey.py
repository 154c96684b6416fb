"""The whole journey with the demo accounts: claim, pass, QR, redemption, report."""

from __future__ import annotations

import re

from service.settings import ROOT
from tests.helpers import issue_pass, nonce, qr_texts, refusal_statuses, staff_headers, trip_claim

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
    assert qr_texts(png.content) == [issued["token"]]
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


GUIDE = ROOT / "docs" / "API.md"


def _guide_operations() -> set[tuple[str, str]]:
    """`METHOD /path` of docs/API.md, query strings left out."""
    found = re.findall(r"`(GET|POST|PUT|PATCH|DELETE) (/[^`\s?]*)", GUIDE.read_text())
    return {(method.lower(), path) for method, path in found}


def _guide_codes() -> dict[str, int]:
    rows = re.findall(r"^\| `([a-z_]+(?:\.[a-z_]+)+)` \| (\d{3}) \|", GUIDE.read_text(), flags=re.MULTILINE)
    return {code: int(status) for code, status in rows}


async def test_the_api_guide_and_the_served_document_agree(client):
    """docs/API.md names every served operation and no other, and every error code with its status."""
    STATUS = refusal_statuses()

    schema = (await client.get("/schema/openapi.json")).json()
    served = {(method, path) for path, item in schema["paths"].items() for method in item}
    guide = _guide_operations()
    assert len(guide) > 25
    assert guide - served == set(), "in docs/API.md, not served"
    assert served - guide == set(), "served, not in docs/API.md"
    assert _guide_codes() == STATUS
    # the codes the guide names in its prose are codes too
    named = set(re.findall(r"`([a-z_]+\.[a-z_]+(?:\.[a-z_]+)*)`", GUIDE.read_text()))
    assert named - set(STATUS) <= {"rules.toml"}, named - set(STATUS)
    claim = schema["paths"]["/api/v1/claims"]["post"]["requestBody"]["content"]
    assert set(claim) == {"application/json", "multipart/form-data"}
    assert {"mode", "method", "persons", "evidence"} <= set(claim["application/json"]["schema"]["properties"])
    assert claim["multipart/form-data"]["schema"]["properties"]["file"]["format"] == "binary"
    redemption = schema["paths"]["/api/v1/redemptions"]["post"]["requestBody"]["content"]["application/json"]
    assert redemption["schema"]


def _operation_of(schema: dict, method: str, path: str) -> dict:
    """The operation of the document that serves a concrete path."""
    import re

    for template, item in schema["paths"].items():
        pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"
        if re.match(pattern, path.split("?")[0]) and method.lower() in item:
            return item[method.lower()]
    raise AssertionError(f"{method} {path} is not in the document")


def assert_documented(schema: dict, method: str, path: str, response) -> None:  # type: ignore[no-untyped-def]
    """A problem answer the service sent is in its operation's document, under its status and code."""
    operation = _operation_of(schema, method, path)
    documented = operation["responses"].get(str(response.status_code), {})
    examples = documented.get("content", {}).get("application/problem+json", {}).get("examples", {})
    assert response.json()["code"] in examples, (method, path, response.status_code, response.json()["code"])


async def test_openapi_completes_what_litestar_cannot_infer(client):
    STATUS = refusal_statuses()

    schema = (await client.get("/schema/openapi.json")).json()
    assert "status_code" not in str(schema)  # Litestar's generic error body is never sent
    assert schema["x-error-codes"] == STATUS
    assert schema["components"]["schemas"]["Problem"]["properties"]["code"]["enum"] == sorted(STATUS)
    assert len(STATUS) > 90  # every room's codes, the proof methods' included
    schemes = schema["components"]["securitySchemes"]
    assert schemes["staff"]["scheme"] == schemes["pass"]["scheme"] == "bearer"
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            where = (method, path)
            responses = operation["responses"]
            assert responses.get("500"), where  # every operation is in the table of service/core/openapi.py
            for status, answer in responses.items():
                if status[0] in "45":
                    media = answer["content"]["application/problem+json"]
                    assert media["schema"] == {"$ref": "#/components/schemas/Problem"}, where
                    assert all(STATUS[code] == int(status) for code in media["examples"]), where
            examples = [
                media
                for part in (*responses.values(), operation.get("requestBody", {}))
                for media in part.get("content", {}).values()
                if part is not responses.get("500") and (media.get("example") is not None or media.get("examples"))
            ]
            assert examples, f"{where}: no example"
    staff_only = schema["paths"]["/api/v1/reports/uptake"]["get"]
    assert staff_only["security"] == [{"staff": []}, {"staffSession": []}] and "401" in staff_only["responses"]
    assert schema["paths"]["/api/v1/passes/{code}"]["get"]["security"] == [{"pass": []}]
    assert schema["paths"]["/api/v1/ots"]["get"].get("security") is None
    claims = schema["paths"]["/api/v1/claims"]["post"]["responses"]
    assert claims["201"]["content"]["application/json"]["schema"]["$ref"].endswith("/ClaimAccepted")
    assert claims["202"]["content"]["application/json"]["schema"]["$ref"].endswith("/ClaimPending")
    assert "proof.already_used" in claims["409"]["content"]["application/problem+json"]["examples"]
    report = schema["paths"]["/api/v1/reports/uptake"]["get"]["responses"]["200"]["content"]
    assert set(report) == {"application/json", "text/csv"}


async def test_answers_sent_are_the_answers_documented(client):
    schema = (await client.get("/schema/openapi.json")).json()
    issued = await issue_pass(client)
    partner = await staff_headers(client, PARTNER)
    for method, path, kwargs in (
        ("GET", f"/api/v1/passes/{issued['code']}", {}),
        ("GET", f"/api/v1/passes/{issued['code']}/qr.png?expires=1&sig=forged", {}),
        ("GET", "/api/v1/reports/uptake?site=musee-champollion", {"headers": partner}),  # another site
        ("GET", "/api/v1/reports/uptake", {}),
        ("POST", "/api/v1/redemptions", {"headers": partner, "json": {"code": "nope", "nonce": nonce()}}),
        ("POST", "/api/v1/claims", {"json": trip_claim(persons=60)}),
        ("POST", "/api/v1/claims", {"json": trip_claim(stop="nowhere")}),
        ("POST", "/api/v1/bookings", {"json": {"token": "x.y.z", "slot_id": 1, "persons": 1}}),
        ("GET", "/api/v1/sites?ot=nowhere", {}),
        ("POST", "/api/v1/auth/token", {"json": {"username": "nobody", "password": "wrong"}}),
    ):
        response = await client.request(method, path, **kwargs)
        assert response.status_code >= 400, (method, path)
        assert_documented(schema, method, path, response)


async def test_the_schema_page_works_offline(client):
    """Swagger UI's files come from the app, not from a CDN, and no script is inline (the CSP)."""
    import re

    page = await client.get("/schema")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    references = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page.text)
    assert references and all(ref.startswith(("/schema/assets/", "/static/")) for ref in references), references
    assert "script-src" not in page.headers["content-security-policy"]  # default-src 'self': files only
    assert re.search(r"<script(?![^>]*\ssrc=)[^>]*>", page.text) is None  # every script is a file
    assert "http://" not in page.text.split("<body>")[0] and "https://" not in page.text.split("<body>")[0]
    for ref in references:
        asset = await client.get(ref)
        assert asset.status_code == 200 and len(asset.content) > 200, ref
    script = await client.get("/schema/assets/swagger-ui-bundle.js")
    assert "javascript" in script.headers["content-type"]


async def test_the_claim_body_lists_the_registered_methods(client):
    """The method enum, the evidence shapes and the mode table all come from METHODS."""
    from service.proofs.methods.registry import METHOD_MODES, METHODS

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
