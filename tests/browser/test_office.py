"""The tourist offices' dashboard and work queues in Chromium: figures equal to the
report API's, an OT kept to its own territory, the pilot's choice of OT, the CSV
export, and a manual proof approved from the queue."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import openpyxl
from playwright.async_api import BrowserContext, Page, expect

from tests.browser.pages import OfficePage, WorkPage, _
from tests.gpx_factory import CAHORS_STATION
from tests.helpers import days_ago, issue_pass, nonce, open_session, staff_headers
from tests.photo_factory import OFFICE_PHOTO_SEEDS as PHOTO_SEEDS
from tests.photo_factory import app_screenshot, cut, ticket_photo
from tests.rider_factory import companions_ride, road

CATUS = (44.5589, 1.3336)
FIGURES = ("passes", "persons", "redemptions", "uptake_rate", "uses_per_pass", "co2_avoided_kg")


async def ot_names(client: httpx.AsyncClient) -> dict[str, str]:
    return {ot["id"]: ot["name"] for ot in (await client.get("/api/v1/ots")).json()}


async def api_report(client: httpx.AsyncClient, user: str, **params: str) -> dict[str, Any]:
    response = await client.get("/api/v1/reports/uptake", params=params, headers=await staff_headers(client, user))
    assert response.status_code == 200, response.text
    return response.json()


def shown_number(text: str) -> float:
    """A figure as the page writes it (« 1 234,5 », « 42,0 % »), read back."""
    cleaned = re.sub(r"[\s\u00a0\u202f%]", "", text).replace(",", ".")
    return float(cleaned)


async def assert_figures_match(office: OfficePage, report: dict[str, Any]) -> None:
    figures = await office.figures()
    for key in FIGURES:
        expected = report["totals"][key]
        value, text = figures[key]
        assert value == ("" if expected is None else str(expected)), (key, value, expected)
        if expected is not None:
            shown = shown_number(text)
            assert abs(shown - expected * (100 if key == "uptake_rate" else 1)) < 0.06, (key, text, expected)


async def record_a_use(client: httpx.AsyncClient, stop: str, site: str) -> None:
    issued = await issue_pass(client, stop=stop, persons=2)
    scan = await client.post(
        "/api/v1/redemptions",
        json={"token": issued["token"], "nonce": nonce()},
        headers=await staff_headers(client, f"demo-partner-{site}"),
    )
    assert scan.status_code == 201, scan.text


async def a_bike_pass(client: httpx.AsyncClient, site: str) -> dict[str, Any]:
    """A bike pass on a partner's attestation code (the partner saw the bike)."""
    partner = await staff_headers(client, f"demo-partner-{site}")
    attestation = (await client.post("/api/v1/attestations", json={"persons": 2}, headers=partner)).json()
    claim = {"mode": "bike", "method": "attestation", "persons": 2, "evidence": {"code": attestation["code"]}}
    response = await client.post("/api/v1/claims", json=claim)
    assert response.status_code == 201, response.text
    return response.json()["pass"]


async def a_cahors_season(client: httpx.AsyncClient) -> None:
    """Arrivals by train, coach and bike at Cahors' partners, some passes used twice, one not at all."""
    museum = await staff_headers(client, "demo-partner-musee-henri-martin")
    canoe = await staff_headers(client, "demo-partner-canoe-bouzies")
    passes = [
        await issue_pass(client, stop="StopArea:OCE87613000", persons=2),
        await issue_pass(client, stop="StopArea:OCE87613000", persons=4),
        await issue_pass(client, stop="StopArea:OCE87613323", persons=1),  # Lalbenque-Fontanes
        await issue_pass(client, mode="bus", stop="lio:cahors-gare-routiere", line="889", persons=2),
        await issue_pass(client, mode="bus", stop="lio:saint-cirq-lapopie", line="889", persons=3),
        await a_bike_pass(client, "canoe-bouzies"),
    ]
    for issued, desks in zip(
        passes, [(museum, canoe), (museum,), (canoe,), (museum, canoe), (), (canoe,)], strict=True
    ):
        for desk in desks:
            scan = await client.post(
                "/api/v1/redemptions", json={"token": issued["token"], "nonce": nonce()}, headers=desk
            )
            assert scan.status_code == 201, scan.text


async def test_an_ot_signs_in_and_sees_its_own_figures_and_charts(page: Page, client: httpx.AsyncClient) -> None:
    names = await ot_names(client)
    await a_cahors_season(client)
    office = await OfficePage(page).open()
    assert await office.heading() == _("Tourist offices: sign in")
    await office.assert_accessible()
    await office.screenshot("office-sign-in")
    await office.sign_in("nobody", "wrong", refused=True)  # the form stays, with the API's reason
    await expect(page.get_by_role("alert")).to_have_text(_("Wrong username or password."))

    await office.sign_in("demo-ot-cahors")
    assert names["cahors"] in await office.heading()
    # this season to date: from April 1st
    start, end = await office.period()
    assert start.endswith("-04-01") and end == days_ago(0).isoformat()
    # an OT chooses no other OT
    await expect(page.get_by_role("combobox", name=_("Tourist office"), exact=True)).to_have_count(0)

    report = await api_report(client, "demo-ot-cahors", **{"from": start, "to": end})
    assert report["totals"]["passes"] >= 1 and report["totals"]["redemptions"] >= 1
    await assert_figures_match(office, report)

    # one chart above each table that has rows, and the tables hold the API's rows
    assert await office.chart_count() == await page.locator("table[data-chart]").count() >= 4
    by_site = await api_report(client, "demo-ot-cahors", **{"from": start, "to": end, "group_by": "site"})
    site_rows = await office.rows(_("Uses, by partner site"))
    assert [row[0] for row in site_rows] == [row["name"] for row in by_site["rows"]]
    assert [int(shown_number(row[1])) for row in site_rows] == [row["redemptions"] for row in by_site["rows"]]

    # a use recorded now shows after a reload
    await record_a_use(client, "StopArea:OCE87613000", "musee-henri-martin")
    await page.reload()
    after = await api_report(client, "demo-ot-cahors", **{"from": start, "to": end})
    assert after["totals"]["redemptions"] == report["totals"]["redemptions"] + 1
    assert after["totals"]["passes"] == report["totals"]["passes"] + 1
    await assert_figures_match(office, after)

    await office.assert_accessible()
    assert not await office.has_horizontal_scroll()
    await office.screenshot("office-dashboard")
    await office.screenshot("office-dashboard-desktop", desktop=True)
    await office.screenshot("office-dashboard-desktop-full", desktop=True, full_page=True)


async def test_an_ot_cannot_reach_another_ots_figures(page: Page, context: BrowserContext) -> None:
    await open_session(context, "demo-ot-cahors")
    refused = await page.goto("/ot?ot=figeac")
    assert refused is not None and refused.status == 403
    assert await OfficePage(page).heading() == _("Access refused")
    api = await context.request.get("/api/v1/reports/uptake?ot=figeac")
    assert api.status == 403 and (await api.json())["code"] == "auth.forbidden"
    queue = await context.request.get("/api/v1/review/proofs?ot=figeac")
    assert queue.status == 403
    await OfficePage(page).assert_accessible()


async def test_the_pilot_switches_between_ots_and_the_department(
    page: Page, context: BrowserContext, client: httpx.AsyncClient
) -> None:
    names = await ot_names(client)
    await record_a_use(client, "StopArea:OCE87613091", "musee-champollion")  # Figeac station, Figeac museum
    await open_session(context, "demo-pilot")
    office = await OfficePage(page).open()
    assert _("Whole department (Lot)") in await office.heading()
    start, end = await office.period()
    department = await api_report(client, "demo-pilot", **{"from": start, "to": end})
    await assert_figures_match(office, department)

    # the OTs side by side: one row per OT, each equal to that OT's report
    compared = await office.rows(_("Passes issued and uses, by tourist office"))
    assert [row[0] for row in compared] == [names[ot] for ot in sorted(names)]
    for ot, row in zip(sorted(names), compared, strict=True):
        totals = (await api_report(client, "demo-pilot", ot=ot, **{"from": start, "to": end}))["totals"]
        assert int(shown_number(row[1])) == totals["passes"] and int(shown_number(row[3])) == totals["redemptions"]

    await office.show(ot_name=names["figeac"])
    assert names["figeac"] in await office.heading()
    figeac = await api_report(client, "demo-pilot", ot="figeac", **{"from": start, "to": end})
    assert figeac["totals"]["redemptions"] >= 1
    await assert_figures_match(office, figeac)
    await expect(office.table(_("Passes issued and uses, by tourist office"))).to_have_count(0)

    # a shorter period, then the department again
    await office.show(ot_name=_("Whole department (Lot)"), start=days_ago(6).isoformat(), end=days_ago(0).isoformat())
    assert _("Whole department (Lot)") in await office.heading()
    week = await api_report(client, "demo-pilot", **{"from": days_ago(6).isoformat(), "to": days_ago(0).isoformat()})
    await assert_figures_match(office, week)
    await office.assert_accessible()
    await office.screenshot("office-pilot-desktop", desktop=True)


async def test_the_csv_export_has_the_apis_rows(page: Page, context: BrowserContext, client: httpx.AsyncClient) -> None:
    await record_a_use(client, "StopArea:OCE87613000", "musee-henri-martin")
    await open_session(context, "demo-ot-cahors")
    office = await OfficePage(page).open()
    start, end = await office.period()
    async with page.expect_download() as download_info:
        await page.get_by_role("link", name=_("Export CSV"), exact=True).click()
    download = await download_info.value
    assert download.suggested_filename.endswith(".csv")
    raw = (await download.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # French Excel reads UTF-8 only after a byte order mark
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    weeks = (await api_report(client, "demo-ot-cahors", group_by="week", **{"from": start, "to": end}))["rows"]
    assert rows and [row["week"] for row in rows] == [row["week"] for row in weeks]
    for column in ("passes", "redemptions"):
        assert [int(row[column]) for row in rows] == [row[column] for row in weeks]
    for row, week in zip(rows, weeks, strict=True):  # a decimal comma, as French Excel reads numbers
        assert row["uptake_rate"] == ("" if week["uptake_rate"] is None else str(week["uptake_rate"]).replace(".", ","))
    # the print button is there once the script runs; the print layout drops the controls
    await expect(page.get_by_role("button", name=_("Print"), exact=True)).to_be_visible()
    await page.emulate_media(media="print")
    await expect(page.get_by_role("link", name=_("Export CSV"), exact=True)).to_be_hidden()
    await expect(page.get_by_role("link", name=_("Export Excel"), exact=True)).to_be_hidden()
    await expect(page.get_by_role("heading", name=_("Key figures"))).to_be_visible()
    await office.screenshot("office-dashboard-print", desktop=True, full_page=True)


async def test_the_excel_export_has_a_sheet_per_breakdown(
    page: Page, context: BrowserContext, client: httpx.AsyncClient
) -> None:
    await record_a_use(client, "StopArea:OCE87613000", "musee-henri-martin")
    await open_session(context, "demo-pilot")
    office = await OfficePage(page).open(ot="cahors")
    start, end = await office.period()
    async with page.expect_download() as download_info:
        await page.get_by_role("link", name=_("Export Excel"), exact=True).click()
    download = await download_info.value
    assert download.suggested_filename == f"tbc-cahors-{start}-{end}.xlsx"
    book = openpyxl.load_workbook(io.BytesIO((await download.path()).read_bytes()), read_only=True)
    sheets = {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets}
    answer = await client.get(
        "/api/v1/reports/breakdowns",
        params={"ot": "cahors", "from": start, "to": end},
        headers=await staff_headers(client, "demo-pilot"),
    )
    report = answer.json()
    assert report["breakdowns"]["site"] and report["totals"]["redemptions"] >= 1
    for name, rows in report["breakdowns"].items():
        header, *body = sheets[name]
        assert body == [[row.get(column) for column in header] for row in rows], name
        assert all(set(row) <= set(header) for row in rows), name
    header, totals = sheets["totals"]
    assert dict(zip(header, totals, strict=True)) == report["totals"]


async def test_the_work_page_lists_offline_conflicts(
    page: Page, context: BrowserContext, client: httpx.AsyncClient
) -> None:
    """Two scanners of one desk used the same pass offline: the later use waits for the OT."""
    partner = await staff_headers(client, "demo-partner-musee-henri-martin")
    desks = []
    for name in ("Accueil", "Boutique"):
        enrolled = await client.post("/api/v1/devices", json={"name": f"{name} {nonce()[:6]}"}, headers=partner)
        desks.append(enrolled.json())
    issued = await issue_pass(client, stop="StopArea:OCE87613000")
    for desk, minutes in zip(desks, (30, 20), strict=True):
        scanned_at = (datetime.now(UTC) - timedelta(minutes=minutes)).isoformat()
        synced = await client.post(
            "/api/v1/redemptions/sync",
            json={"items": [{"nonce": nonce(), "token": issued["token"], "scanned_at": scanned_at}]},
            headers={"Authorization": f"Bearer {desk['access_token']}"},
        )
        assert synced.status_code == 200, synced.text
    await open_session(context, "demo-ot-cahors")
    work = await WorkPage(page).open()
    rows = await work.rows(_("Uses counted once, scanned twice"))
    mine = [row for row in rows if row[0] == issued["code"]]
    assert len(mine) == 1, rows
    assert mine[0][1] == "Musée de Cahors Henri-Martin"
    assert mine[0][2].startswith(desks[0]["name"]) and mine[0][3].startswith(desks[1]["name"])
    await work.assert_accessible()

    # acknowledged, with a note: it leaves the open list; who, when and the note are kept
    acknowledge = page.get_by_role(
        "form", name=_("Acknowledge the conflict of pass %(code)s") % {"code": issued["code"]}
    )
    await acknowledge.scroll_into_view_if_needed()
    await work.screenshot("office-work-conflicts")
    await acknowledge.get_by_label(_("Note (optional)")).fill("Two desks, one family: no harm")
    async with page.expect_navigation():
        await acknowledge.get_by_role("button", name=_("Acknowledge"), exact=True).click()
    await expect(page.get_by_role("status")).to_have_text(_("The conflict is acknowledged: it leaves the open list."))
    await expect(page.get_by_role("form", name=re.compile(issued["code"]))).to_have_count(0)
    headers = await staff_headers(client, "demo-ot-cahors")
    still_open = (await client.get("/api/v1/redemptions/conflicts", headers=headers)).json()
    assert issued["code"] not in [row["code"] for row in still_open]
    done = (
        await client.get("/api/v1/redemptions/conflicts", params={"status": "acknowledged"}, headers=headers)
    ).json()
    [ours] = [row for row in done if row["code"] == issued["code"]]
    assert ours["acknowledged_by"] == "demo-ot-cahors" and ours["note"] == "Two desks, one family: no harm"
    await work.assert_accessible()


async def submit_photo(client: httpx.AsyncClient, seed: str, **evidence: Any) -> str:
    return await submit_picture(client, ticket_photo(seed), **evidence)


async def submit_picture(client: httpx.AsyncClient, photo: bytes, **evidence: Any) -> str:
    form = {"mode": "train", "method": "manual", "persons": "2", "lang": "en"}
    if evidence:
        form["evidence"] = json.dumps(evidence)
    response = await client.post("/api/v1/claims", data=form, files={"file": ("ticket.jpg", photo, "image/jpeg")})
    assert response.status_code == 202, response.text
    return response.json()["review"]["id"]


async def focused_proof(page: Page) -> str | None:
    """The review id of the proof whose heading has the focus."""
    return await page.evaluate(
        "() => document.activeElement.matches('article[data-review] h3')"
        " ? document.activeElement.closest('article').dataset.review : null"
    )


async def test_a_reviewer_compares_a_crop_zooms_and_decides_from_the_keyboard(
    page: Page, context: BrowserContext, client: httpx.AsyncClient
) -> None:
    day = {"date": days_ago(0).isoformat(), "arrival_stop_id": "StopArea:OCE87613000"}
    first = await submit_picture(client, app_screenshot("office-first"), **day)
    crop = await submit_picture(client, cut(app_screenshot("office-first"), top=0.05), **day)
    other = await submit_picture(client, app_screenshot("office-other"), **day)
    await open_session(context, "demo-ot-cahors")
    work = await WorkPage(page).open()

    # another ticket in the same app is no look-alike; the crop shows the earlier photo beside its own
    await expect(work.proof(first).locator(".warning")).to_have_count(0)
    await expect(work.proof(other).locator(".warning")).to_have_count(0)
    compare = work.proof(crop).locator(".warning figure")
    await expect(compare).to_have_count(2)
    await expect(compare.nth(1).get_by_role("img")).to_have_attribute("src", f"/api/v1/review/proofs/{first}/photo")
    await work.proof(crop).locator(".warning").scroll_into_view_if_needed()
    for image in await compare.get_by_role("img").all():
        loaded = "img => img.complete && img.naturalWidth > 0"
        await page.wait_for_function(loaded, arg=await image.element_handle(), timeout=5000)
    await work.assert_accessible()
    await work.screenshot("office-review-lookalike")
    await work.screenshot("office-review-lookalike-desktop", desktop=True)

    # the keyboard: J and K go from proof to proof, Z opens the photo at full size, + zooms in
    await work.proof(first).locator("h3").focus()
    order = await page.locator("article[data-review]").evaluate_all("all => all.map(a => a.dataset.review)")
    await page.keyboard.press("j")
    assert await focused_proof(page) == order[order.index(first) + 1]
    await page.keyboard.press("k")
    assert await focused_proof(page) == first
    await work.proof(crop).locator("h3").focus()
    await page.keyboard.press("z")
    zoom = page.get_by_role("dialog", name=_("Photo at full size"))
    await expect(zoom).to_be_visible()
    await page.keyboard.press("+")
    await page.keyboard.press("+")
    await expect(zoom.locator("output")).to_have_text(re.compile(r"^200\s?%$"))
    width = await zoom.locator("img").evaluate("img => img.getBoundingClientRect().width")
    assert width > page.viewport_size["width"] * 1.5
    await work.assert_accessible()
    await work.screenshot("office-review-zoom")
    await page.keyboard.press("Escape")
    await expect(zoom).to_be_hidden()
    # the dialog's `close` event (a task after it closes) gives the focus back to the photo's link
    back = f"/api/v1/review/proofs/{crop}/photo"
    await page.wait_for_function("zoom => document.activeElement?.dataset.zoom === zoom", arg=back, timeout=5000)

    # R goes to the reason, Ctrl+Enter rejects; the page comes back on the next proof, focused
    await page.keyboard.press("r")
    reason = work.proof(crop).get_by_role("group", name=_("Reject")).get_by_role("textbox")
    await expect(reason).to_be_focused()
    await page.keyboard.type("The same ticket as an earlier proof, cropped.")
    async with page.expect_navigation():
        await page.keyboard.press("Control+Enter")
    await expect(page.get_by_role("status")).to_have_text(_("The proof is rejected: the visitor will read the reason."))
    await expect(work.proof(crop)).to_have_count(0)
    following = order[order.index(crop) + 1] if order.index(crop) + 1 < len(order) else order[order.index(crop) - 1]
    await page.wait_for_function(
        "id => document.activeElement.closest('article[data-review]')?.dataset.review === id", arg=following
    )
    assert await focused_proof(page) == following
    await work.screenshot("office-review-next")

    # A goes to the approval's button when the visitor's date and stop are there: Enter approves
    await work.proof(other).locator("h3").focus()
    await page.keyboard.press("a")
    await expect(work.proof(other).get_by_role("button", name=_("Approve"))).to_be_focused()
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    await expect(page.get_by_role("status")).to_have_text(_("The proof is approved: the visitor's pass is issued."))
    assert (await client.get(f"/api/v1/claims/review/{other}")).json()["review"]["status"] == "accepted"
    # typing in a field is never a shortcut
    await page.get_by_label(_("Pass code")).focus()
    await page.keyboard.type("jkaz")
    await expect(page.get_by_label(_("Pass code"))).to_have_value("jkaz")
    await expect(page.get_by_role("dialog")).to_have_count(0)


async def test_a_manual_proof_is_approved_from_the_queue(
    page: Page, context: BrowserContext, client: httpx.AsyncClient
) -> None:
    review_id = await submit_photo(client, PHOTO_SEEDS["approve"])  # a photo alone: any OT may place it
    await open_session(context, "demo-ot-cahors")
    work = await WorkPage(page).open()
    assert await work.heading() == _("Work queues")
    proof = work.proof(review_id)
    await expect(proof.get_by_role("img")).to_be_visible()
    # a photo is loaded when it comes into view (other tests' proofs may come first)
    await proof.get_by_role("img").scroll_into_view_if_needed()
    loaded = "img => img.complete && img.naturalWidth > 0"
    await page.wait_for_function(loaded, arg=await proof.get_by_role("img").element_handle(), timeout=5000)
    assert await proof.get_by_role("img").evaluate("img => img.complete && img.naturalWidth > 0")
    await work.assert_accessible()
    await work.screenshot("office-work")
    await work.screenshot("office-work-desktop", desktop=True)

    # approving needs the date the photo shows: the API's refusal is shown in the form
    approve = proof.get_by_role("group", name=_("Approve: what the photo shows"))
    await approve.get_by_label(_("Arrival stop")).select_option(label="Cahors")
    await approve.get_by_label(_("Travel date")).fill(days_ago(1).isoformat())
    async with page.expect_navigation():
        await approve.get_by_role("button", name=_("Approve")).click()
    await expect(page.get_by_role("status")).to_have_text(_("The proof is approved: the visitor's pass is issued."))
    await expect(work.proof(review_id)).to_have_count(0)

    outcome = (await client.get(f"/api/v1/claims/review/{review_id}")).json()
    assert outcome["review"]["status"] == "accepted"
    assert outcome["pass"]["confidence"] == "verified" and outcome["pass"]["code"]
    # and the visitor, back on their review page, finds the pass
    await page.goto(f"/review/{review_id}")
    await expect(page.get_by_role("heading", level=1)).to_have_text(_("Your proof was accepted"))
    await expect(page.get_by_role("link", name=_("Open my pass"))).to_be_visible()


async def test_a_held_bike_ride_shows_the_earlier_ride_and_is_approved(
    page: Page, context: BrowserContext, client: httpx.AsyncClient
) -> None:
    review_id = await companions_ride(client, road("Catus → Cahors", CATUS, CAHORS_STATION), 700, ended_minutes_ago=40)

    await open_session(context, "demo-ot-cahors")
    work = await WorkPage(page).open()
    proof = work.proof(review_id)
    await expect(proof.get_by_role("img")).to_have_count(0)
    await expect(proof.get_by_text(re.compile(r"\d+,\d km en \d+ min"))).to_be_visible()
    warning = proof.locator(".warning")
    await expect(warning).to_contain_text(
        _(
            "This ride keeps the pace of an earlier ride, along the same road: a companion's phone, or a copy of its file?"
        )
    )
    await expect(warning.get_by_role("listitem")).to_have_count(1)
    await expect(warning.get_by_role("listitem")).to_contain_text(_("approved"))
    await expect(warning.get_by_role("listitem")).to_contain_text(re.compile(r"Allures à \d+,\d s"))
    await proof.scroll_into_view_if_needed()
    await work.assert_accessible()
    await work.screenshot("office-work-held-ride")

    # the day and the end come from the track: approving asks for nothing more
    approve = proof.get_by_role("group", name=_("Approve: the ride is the visitor's own"))
    await expect(approve.get_by_role("textbox")).to_have_count(0)
    async with page.expect_navigation():
        await approve.get_by_role("button", name=_("Approve")).click()
    await expect(page.get_by_role("status")).to_have_text(_("The proof is approved: the visitor's pass is issued."))
    await expect(work.proof(review_id)).to_have_count(0)
    outcome = (await client.get(f"/api/v1/claims/review/{review_id}")).json()
    assert outcome["pass"]["method"] == "gpx" and outcome["pass"]["persons"] == 2


async def test_a_proof_is_rejected_and_a_pass_revoked_with_a_reason(
    page: Page, context: BrowserContext, client: httpx.AsyncClient
) -> None:
    review_id = await submit_photo(
        client, PHOTO_SEEDS["reject"], date=days_ago(0).isoformat(), arrival_stop_id="StopArea:OCE87613000"
    )
    await open_session(context, "demo-ot-cahors")
    work = await WorkPage(page).open()
    reject = work.proof(review_id).get_by_role("group", name=_("Reject"))
    await reject.get_by_role("textbox").fill("The photo shows a ticket to Toulouse, not to the Lot.")
    async with page.expect_navigation():
        await reject.get_by_role("button", name=_("Reject")).click()
    outcome = (await client.get(f"/api/v1/claims/review/{review_id}")).json()["review"]
    assert outcome == {
        "id": review_id,
        "status": "rejected",
        "reason": "The photo shows a ticket to Toulouse, not to the Lot.",
    }

    issued = await issue_pass(client, stop="StopArea:OCE87613000")
    revoke = page.get_by_role("region", name=_("Revoke a pass"))
    await revoke.get_by_label(_("Pass code")).fill(issued["code_display"])
    await revoke.get_by_label(_("Reason")).fill("Ticket bought for someone else")
    async with page.expect_navigation():
        await revoke.get_by_role("button", name=_("Revoke")).click()
    await expect(page.get_by_role("status")).to_contain_text(issued["code_display"])
    shown = await client.get(f"/api/v1/passes/{issued['code']}", headers={"Authorization": f"Bearer {issued['token']}"})
    assert shown.json()["status"] == "revoked"

    # another OT's pass: the API's refusal, in the form
    figeac = await issue_pass(client, stop="StopArea:OCE87613091")
    await revoke.get_by_label(_("Pass code")).fill(figeac["code"])
    await revoke.get_by_label(_("Reason")).fill("Not ours")
    await revoke.get_by_role("button", name=_("Revoke")).click()
    await expect(revoke.get_by_role("alert")).to_have_text(re.compile(".+"))


async def test_a_slot_is_opened_and_its_places_shown(
    page: Page, context: BrowserContext, client: httpx.AsyncClient
) -> None:
    await open_session(context, "demo-ot-cahors")
    work = await WorkPage(page).open(site="grotte-pech-merle", date=days_ago(-20).isoformat())
    slots = page.get_by_role("region", name=_("Slots of bookable sites"))
    opening = slots.get_by_role("group")
    await opening.get_by_label(_("Start"), exact=True).fill("11:15")
    await opening.get_by_label(_("End"), exact=True).fill("12:45")
    await opening.get_by_label(_("Low-carbon places"), exact=True).fill("7")
    async with page.expect_navigation():
        await opening.get_by_role("button", name=_("Open the slot")).click()
    await expect(page.get_by_role("status")).to_have_text(_("The slot is open."))
    listed = (
        await client.get("/api/v1/sites/grotte-pech-merle/slots", params={"date": days_ago(-20).isoformat()})
    ).json()
    opened = [slot for slot in listed if slot["capacity"] == 7]
    assert len(opened) == 1 and opened[0]["start"].startswith(f"{days_ago(-20).isoformat()}T")
    rows = await work.rows(slots.get_by_role("table"))
    assert any(row[0] == "11:15–12:45" and row[1] == "7" and row[2] == "7" for row in rows), rows
