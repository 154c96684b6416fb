"""The uptake report: an OT sees its own territory, the pilot all of it."""

from __future__ import annotations

import csv
import io

import pytest

from tests.conftest import issue_pass, nonce, staff_headers


async def _report(client, user, **params):
    return await client.get("/api/v1/reports/uptake", params=params, headers=await staff_headers(client, user))


async def test_an_ot_sees_only_its_own_territory(client):
    assert (await _report(client, "demo-ot-figeac", ot="cahors")).status_code == 403
    own = await _report(client, "demo-ot-figeac")
    assert own.status_code == 200 and own.json()["ot"] == "figeac"
    assert (await _report(client, "demo-ot-figeac", ot="figeac")).status_code == 200
    partner = await _report(client, "demo-partner-musee-champollion")
    assert partner.status_code == 403


async def test_pilot_sees_the_department_and_each_ot(client):
    department = await _report(client, "demo-pilot")
    assert department.status_code == 200 and department.json()["ot"] is None
    per_ot = [
        (await _report(client, "demo-pilot", ot=ot)).json()["totals"]
        for ot in ("cahors", "dordogne", "figeac", "gourdon", "labastide")
    ]
    totals = department.json()["totals"]
    # every pass arrived in one OT's territory, every use happened at one OT's site
    assert totals["passes"] == sum(t["passes"] for t in per_ot)
    assert totals["redemptions"] == sum(t["redemptions"] for t in per_ot)
    assert (await _report(client, "demo-pilot", ot="atlantis")).status_code == 404


async def test_rows_by_mode_site_week_method_and_stop(client):
    bus = await issue_pass(client, mode="bus", stop="lio:figeac-gare-routiere", persons=2)
    train = await issue_pass(client, stop="StopArea:OCE87613091", persons=1)  # Figeac station
    headers = await staff_headers(client, "demo-partner-musee-champollion")
    for issued in (bus, train):
        scan = await client.post(
            "/api/v1/redemptions", json={"token": issued["token"], "nonce": nonce()}, headers=headers
        )
        assert scan.status_code == 201

    by_mode = {row["mode"]: row for row in (await _report(client, "demo-ot-figeac", group_by="mode")).json()["rows"]}
    assert by_mode["bus"]["passes"] >= 1 and by_mode["train"]["passes"] >= 1
    assert by_mode["bus"]["co2_avoided_kg"] > 0

    by_site = {row["site"]: row for row in (await _report(client, "demo-ot-figeac", group_by="site")).json()["rows"]}
    assert set(by_site) == {"musee-champollion"}  # the Figeac OT's demo site, even with no use
    assert by_site["musee-champollion"]["redemptions"] >= 2

    by_stop = {row["stop"]: row for row in (await _report(client, "demo-ot-figeac", group_by="stop")).json()["rows"]}
    assert by_stop["StopArea:OCE87613091"]["name"] == "Figeac"

    weeks = (await _report(client, "demo-ot-figeac", group_by="week")).json()["rows"]
    assert weeks and all(row["week"][4:6] == "-W" for row in weeks)

    methods = (await _report(client, "demo-ot-figeac", group_by="method")).json()["rows"]
    assert [row["method"] for row in methods] == ["declared_trip"]


@pytest.mark.parametrize("how", [{"headers": {"Accept": "text/csv"}}, {"params": {"format": "csv"}}])
async def test_csv_export(client, how):
    headers = {**await staff_headers(client, "demo-pilot"), **how.get("headers", {})}
    response = await client.get(
        "/api/v1/reports/uptake", params={"group_by": "mode", **how.get("params", {})}, headers=headers
    )
    assert response.status_code == 200 and response.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    json_rows = (await _report(client, "demo-pilot", group_by="mode")).json()["rows"]
    assert [row["mode"] for row in rows] == [row["mode"] for row in json_rows]
    assert [int(row["passes"]) for row in rows] == [row["passes"] for row in json_rows]


async def test_period_is_checked(client):
    response = await _report(client, "demo-pilot", **{"from": "2026-05-01", "to": "2026-04-01"})
    assert response.status_code == 400 and response.json()["code"] == "report.invalid_period"
    response = await _report(client, "demo-pilot", **{"from": "2020-01-01", "to": "2026-04-01"})
    assert response.status_code == 400
    response = await _report(client, "demo-pilot", **{"from": "not-a-date"})
    assert response.status_code == 400 and response.json()["code"] == "request.invalid"
