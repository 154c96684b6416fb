"""A partner site's own figures (issue 23): its desk sees its site's numbers — never another
site's — from the rollups, with its share of its OT's uses and, from its offer's stated
prices, the discount it granted (an estimate)."""

from __future__ import annotations

import pytest

from service.core import clock
from tests.helpers import issue_pass, nonce, staff_headers
from tests.sit_factory import imported_site

HENRI_MARTIN = "musee-henri-martin"  # Cahors; its offer states 5 € and 3 €


async def _figures(client, user, **params):
    return await client.get("/api/v1/reports/figures", params=params, headers=await staff_headers(client, user))


def _row(table, key, value):
    return next((row for row in table if row[key] == value), {"redemptions": 0, "persons": 0})


@pytest.mark.lot_day  # this week is the Lot's
async def test_a_partner_sees_its_site_move_by_exactly_one_scan(client, settings):
    desk = f"demo-partner-{HENRI_MARTIN}"
    before = (await _figures(client, desk)).json()
    assert before["site"] == HENRI_MARTIN and before["ot"] == "cahors"
    issued = await issue_pass(client, persons=2)
    headers = await staff_headers(client, desk)
    scan = await client.post("/api/v1/redemptions", json={"token": issued["token"], "nonce": nonce()}, headers=headers)
    assert scan.status_code == 201, scan.text
    after = (await _figures(client, desk)).json()
    moved = {
        name: after["figures"][name]["value"] - before["figures"][name]["value"]
        for name in ("redemptions", "redeemed_persons")
    }
    assert moved == {"redemptions": 1, "redeemed_persons": 2}
    assert after["figures"]["discount_eur"]["value"] - before["figures"]["discount_eur"]["value"] == 4.0  # 2 × (5 − 3)
    assert after["discount"] == {"per_person_eur": 2.0, "estimate": True}
    for table, key, value in (("mode", "mode", "train"), ("method", "method", "declared_trip")):
        was, now = _row(before["breakdowns"][table], key, value), _row(after["breakdowns"][table], key, value)
        assert (now["redemptions"] - was["redemptions"], now["persons"] - was["persons"]) == (1, 2)
    year, number, _ = clock.local_date(settings).isocalendar()
    week = next(row for row in after["breakdowns"]["week"] if row["week"] == f"{year}-W{number:02d}")
    assert week["redemptions"] >= 1
    assert "previous" in after["figures"]["redemptions"]

    # its share of its OT's uses, beside the OT's own report
    ot = (await _figures(client, "demo-ot-cahors")).json()
    share = after["figures"]["share_of_ot_redemptions"]["value"]
    assert share == round(after["figures"]["redemptions"]["value"] / ot["figures"]["redemptions"]["value"], 4)


async def test_never_another_sites_figures(client):
    desk = f"demo-partner-{HENRI_MARTIN}"
    assert (await _figures(client, desk, site="musee-champollion")).status_code == 403
    assert (await _figures(client, desk, ot="figeac")).json()["site"] == HENRI_MARTIN
    assert (await _figures(client, "demo-ot-cahors", site=HENRI_MARTIN)).status_code == 200
    figeac_site = await _figures(client, "demo-ot-cahors", site="musee-champollion")
    assert figeac_site.status_code == 403 and figeac_site.json()["code"] == "auth.forbidden"
    assert (await _figures(client, "demo-pilot", site="musee-champollion")).json()["ot"] == "figeac"
    assert (await _figures(client, "demo-pilot", site="no-such-site")).status_code == 404


async def test_a_site_without_prices_has_no_discount_and_exports_for_french_excel(client):
    plain = await imported_site(client, f"Atelier sans prix {nonce()[:6]}", [])  # an offer without prices
    no_prices = (await _figures(client, "demo-pilot", site=plain)).json()
    assert "discount_eur" not in no_prices["figures"] and no_prices["discount"] is None
    desk = await staff_headers(client, f"demo-partner-{HENRI_MARTIN}")
    csv = await client.get(
        "/api/v1/reports/uptake", params={"group_by": "mode", "format": "csv", "dialect": "excel-fr"}, headers=desk
    )
    assert csv.status_code == 200 and csv.content.startswith(b"\xef\xbb\xbf")
    header = csv.content.decode("utf-8-sig").splitlines()[0]
    assert header.split(";")[:3] == ["mode", "redemptions", "persons"]
    workbook = await client.get("/api/v1/reports/breakdowns", params={"format": "xlsx"}, headers=desk)
    assert workbook.status_code == 200 and workbook.content[:2] == b"PK"
    refused = await client.get("/api/v1/reports/uptake", params={"group_by": "ot"}, headers=desk)
    assert refused.status_code == 400


async def test_the_ot_dashboard_links_each_site_to_its_figures(client):
    office = await staff_headers(client, "demo-ot-cahors")
    dashboard = await client.get("/ot", headers=office)
    assert f'href="/ot/sites/{HENRI_MARTIN}/figures?lang=fr"' in dashboard.text
    page = await client.get(f"/ot/sites/{HENRI_MARTIN}/figures", headers=office)
    assert page.status_code == 200
    figures = (await _figures(client, "demo-ot-cahors", site=HENRI_MARTIN)).json()
    text = " ".join(page.text.split())
    assert f"Visiteurs reçus</dt><dd>{figures['figures']['redeemed_persons']['value']}" in text
    assert "Remise accordée" in text
    other = await client.get("/ot/sites/musee-champollion/figures", headers=office)
    assert other.status_code == 403
