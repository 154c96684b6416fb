"""No honest person stuck without their pass: the same proof gives it back (tests of
the API in test_claims.py and test_proof_methods.py), the pass page says how, and the
pass is sent again to the address it was issued to."""

from __future__ import annotations

import asyncio
import re
import uuid

import httpx

from tests.helpers import SmtpSink, staff_headers, trip_claim


def _link_code(message) -> str:
    return re.search(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{2}", message.get_body(preferencelist=("plain",)).get_content())[
        0
    ]


async def _outbox_count(conn, code: str) -> int:
    return await conn.fetchval(
        "SELECT count(*) FROM mail_outbox m JOIN passes p ON p.id = m.pass_id WHERE p.code = $1", code
    )


async def test_a_pass_is_sent_again_to_the_address_it_was_issued_to(
    client: httpx.AsyncClient, conn, smtp_sink: SmtpSink
) -> None:
    address = f"again-{uuid.uuid4().hex[:8]}@example.org"
    issued = await client.post("/api/v1/claims", json={**trip_claim(), "email": address, "lang": "es"})
    assert issued.status_code == 201, issued.text
    code = issued.json()["pass"]["code"]
    first = await smtp_sink.one_to(address)
    # typed otherwise on another phone: the same address
    asked = await client.post("/api/v1/passes/send-again", json={"email": address.upper()})
    assert asked.status_code == 202, asked.text
    for _attempt in range(100):
        if len(smtp_sink.to(address)) == 2:
            break
        await asyncio.sleep(0.1)
    again = smtp_sink.to(address)[1]
    assert first["Subject"] == "Su pase Tarif bas carbone"
    assert again["Subject"] == "Su pase Tarif bas carbone, de nuevo"  # in the pass's language
    assert _link_code(again) == _link_code(first)
    assert await _outbox_count(conn, code) == 2
    # asked again at once: the address is not flooded; an unknown one is answered alike
    assert (await client.post("/api/v1/passes/send-again", json={"email": address})).status_code == 202
    unknown = await client.post("/api/v1/passes/send-again", json={"email": "nobody-here@example.org"})
    assert unknown.status_code == 202 and unknown.content == asked.content
    assert await _outbox_count(conn, code) == 2
    # a revoked pass is not sent again
    await conn.execute(
        "UPDATE mail_outbox SET created_at = now() - interval '1 hour' WHERE pass_id = "
        "(SELECT id FROM passes WHERE code = $1)",
        code,
    )
    await conn.execute("UPDATE passes SET revoked_at = now(), revoked_reason = 'test' WHERE code = $1", code)
    assert (await client.post("/api/v1/passes/send-again", json={"email": address})).status_code == 202
    assert await _outbox_count(conn, code) == 2
    refused = await client.post("/api/v1/passes/send-again", json={"email": "not an address"})
    assert refused.status_code == 400 and refused.json()["code"] == "request.invalid"


async def test_the_pass_page_form_sends_the_pass_again(client: httpx.AsyncClient, conn) -> None:
    address = f"page-{uuid.uuid4().hex[:8]}@example.org"
    issued = await client.post("/api/v1/claims", json={**trip_claim(), "email": address})
    code = issued.json()["pass"]["code"]
    sent = await client.post("/pass/send-again?lang=en", data={"email": address})
    assert sent.status_code == 303 and sent.headers["location"] == "/pass?lang=en&sent=true"
    assert await _outbox_count(conn, code) == 2
    page = await client.get(sent.headers["location"])
    assert "If a pass was issued to this address and still holds, we have sent it there again" in page.text
    assert "we have sent it there again" not in (await client.get("/pass?lang=en")).text
    wrong = await client.post("/pass/send-again?lang=fr", data={"email": "pas-une-adresse"})
    assert wrong.status_code == 422
    assert 'aria-invalid="true"' in wrong.text and 'value="pas-une-adresse"' in wrong.text


async def test_my_pass_is_linked_from_every_visitor_page_not_the_staff_ones(client: httpx.AsyncClient) -> None:
    for path in ("/?lang=en", "/co2?lang=en", "/pass?lang=en"):
        page = await client.get(path)
        assert 'href="/pass?lang=en"' in page.text and ">My pass<" in page.text, path
    assert 'aria-current="page">My pass<' in (await client.get("/pass?lang=en")).text
    without_pass = (await client.get("/pass?lang=en")).text
    assert "I already have a pass" in without_pass and 'action="/pass/send-again?lang=en"' in without_pass
    for path in ("/desk?lang=en", "/ot/sign-in?lang=en"):
        assert ">My pass<" not in (await client.get(path, headers=await staff_headers(client, "demo-pilot"))).text
