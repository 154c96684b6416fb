"""Partner sites managed from the dashboard in Chromium: a tourist office adds a site of
its territory, visitors see it on the home page and in the public API, it is edited,
and its desk gets a partner account that signs in."""

from __future__ import annotations

import httpx
from playwright.async_api import BrowserContext, Page, expect

from service.territory.sit_import import site_id_of
from tests.browser.pages import HomePage, SitesPage, _
from tests.helpers import nonce, open_session, staff_headers
from tests.sit_factory import SEASONAL_HOURS, export, record


async def test_an_ot_adds_a_site_that_visitors_then_see(
    page: Page, context: BrowserContext, client: httpx.AsyncClient
) -> None:
    site_id = f"ferme-{nonce()[:8].lower()}"
    name = f"Ferme des Causses {site_id[-4:]}"
    await open_session(context, "demo-ot-cahors")
    sites = await SitesPage(page).open()
    assert await sites.heading() == _("Partner sites")
    await sites.assert_accessible()
    await sites.screenshot("office-sites")
    await sites.screenshot("office-sites-desktop", desktop=True)

    legend = _("The site and its offer")
    form = await sites.fill_site(
        legend,
        **{
            _("Identifier"): site_id,
            _("Name"): name,
            _("Latitude"): "44.4475",
            _("Longitude"): "1.4410",
            _("Offer (French)"): "Dégustation offerte",
            _("Offer (English, optional)"): "Free tasting",
            _("Offer (Spanish, optional)"): "Degustación gratuita",
            _("Oldest arrival accepted (days)"): "3",
            _("Full price per person (€, optional)"): "8",
            _("Reduced price per person (€, optional)"): "6.5",
        },
    )
    await form.get_by_role("checkbox", name=_("liO coach")).uncheck()
    await form.get_by_label(_("Minimum confidence of the proof")).select_option("verified")
    async with page.expect_navigation():
        await form.get_by_role("button", name=_("Add the site")).click()
    await expect(page.get_by_role("status")).to_have_text(_("The site is added."))
    await expect(page.get_by_role("heading", name=_("Edit %(site)s") % {"site": name})).to_be_visible()

    public = {site["id"]: site for site in (await client.get("/api/v1/sites")).json()}
    assert public[site_id]["name"] == name and public[site_id]["ot"] == "cahors"
    assert public[site_id]["modes"] == ["train", "bike"] and public[site_id]["min_confidence"] == "verified"
    assert public[site_id]["proof_max_age_days"] == 3
    assert public[site_id]["offer"]["label_en"] == "Free tasting"
    assert (public[site_id]["offer"]["normal_price_eur"], public[site_id]["offer"]["reduced_price_eur"]) == (8.0, 6.5)

    home = await HomePage(page).open()
    await expect(home.offer(name)).to_be_visible()
    await expect(home.offer(name)).to_contain_text("Dégustation offerte")

    # edited: another name, no Spanish label, bookable
    sites = await SitesPage(page).open(site=site_id)
    renamed = f"{name} (bio)"
    form = await sites.fill_site(legend, **{_("Name"): renamed, _("Offer (Spanish, optional)"): ""})
    await form.get_by_role("checkbox", name=_("Takes bookings (slots)")).check()
    async with page.expect_navigation():
        await form.get_by_role("button", name=_("Save the changes")).click()
    await expect(page.get_by_role("status")).to_have_text(_("The changes are saved."))
    edited = (await client.get(f"/api/v1/sites/{site_id}")).json()
    assert edited["name"] == renamed and edited["bookable"] is True and "label_es" not in edited["offer"]
    assert edited["modes"] == ["train", "bike"]  # what was not changed stays

    # its desk's account, which then signs in
    account = sites.form(_("Add a partner account"))
    username = f"desk-{site_id}"
    await account.get_by_label(_("Username")).fill(username)
    await account.get_by_label(_("Password (12 characters or more)")).fill("causse-et-vigne-2026")
    async with page.expect_navigation():
        await account.get_by_role("button", name=_("Create the account")).click()
    await expect(page.get_by_role("status")).to_have_text(
        _("The partner account is created: give its username and password to the site.")
    )
    await expect(page.get_by_role("list", name=_("Partner accounts"))).to_contain_text(username)
    token = await client.post("/api/v1/auth/token", json={"username": username, "password": "causse-et-vigne-2026"})
    assert token.status_code == 200, token.text
    await sites.assert_accessible()
    assert not await sites.has_horizontal_scroll()
    await sites.screenshot("office-sites-edit", full_page=True)


async def test_refusals_are_shown_in_the_form(page: Page, context: BrowserContext) -> None:
    await open_session(context, "demo-ot-cahors")
    sites = await SitesPage(page).open()
    form = await sites.fill_site(
        _("The site and its offer"),
        **{
            _("Identifier"): "musee-henri-martin",  # taken
            _("Name"): "Doublon",
            _("Latitude"): "44.45",
            _("Longitude"): "1.44",
            _("Offer (French)"): "Entrée réduite",
        },
    )
    await form.get_by_role("button", name=_("Add the site")).click()
    await expect(form.get_by_role("alert")).to_contain_text("musee-henri-martin")


async def test_an_ot_cannot_edit_another_ots_site(page: Page, context: BrowserContext) -> None:
    await open_session(context, "demo-ot-cahors")
    refused = await page.goto("/ot/sites?site=musee-champollion")
    assert refused is not None and refused.status == 403
    listed = await SitesPage(page).open()
    await expect(page.get_by_role("link", name="Musée de Cahors Henri-Martin")).to_be_visible()
    await expect(page.get_by_role("link", name="Musée Champollion", exact=False)).to_have_count(0)
    assert await listed.heading() == _("Partner sites")


async def test_the_pilot_lists_every_ots_sites_as_the_managed_endpoint(
    page: Page, context: BrowserContext, client: httpx.AsyncClient
) -> None:
    await open_session(context, "demo-pilot")
    sites = await SitesPage(page).open()
    rows = await sites.rows(_("Partner sites, inactive ones included"))
    managed = (await client.get("/api/v1/sites/managed", headers=await staff_headers(client, "demo-pilot"))).json()
    ots = {ot["id"]: ot["name"] for ot in (await client.get("/api/v1/ots")).json()}
    assert [(row[0], row[1]) for row in rows] == [(site["name"], ots[site["ot"]]) for site in managed]
    await sites.assert_accessible()


async def test_an_ot_imports_its_sites_from_datatourisme_after_a_preview(
    page: Page, context: BrowserContext, client: httpx.AsyncClient, tmp_path
) -> None:
    tag = nonce()[:6].upper()
    new, outside = f"Maison du Causse {tag}", f"Musée de Toulouse {tag}"
    path = export(
        tmp_path / "export.jsonld",
        [
            record(f"MC{tag}", new, hours=SEASONAL_HOURS),
            record(f"TL{tag}", outside, position=(43.6045, 1.444), insee=None),
        ],
    )
    await open_session(context, "demo-ot-cahors")
    sites = await SitesPage(page).open()
    await sites.preview_import(path)
    expected = {"created": 1, "updated": 0, "unchanged": 0, "skipped": 1}
    assert await sites.import_summary() == _(
        "To create: {created} · to update: {updated} · unchanged: {unchanged} · skipped: {skipped}."
    ).format(**expected)
    preview = await sites.rows(_("What the import would do, record by record"))
    assert preview == [
        [f"{new} (MC{tag})", site_id_of(new), _("created")],
        [
            f"{outside} (TL{tag})",
            "–",
            _("{outcome}: {reason}").format(outcome=_("skipped"), reason=_("outside the Lot")),
        ],
    ]
    managed = await client.get("/api/v1/sites/managed", headers=await staff_headers(client, "demo-ot-cahors"))
    assert site_id_of(new) not in {site["id"] for site in managed.json()}  # a preview writes nothing
    await sites.assert_accessible()
    await page.evaluate("document.getElementById('sit-report').scrollIntoView()")
    await sites.screenshot("office-sites-import-preview")

    await sites.confirm_import()
    assert await sites.import_summary() == _(
        "Import done. Created: {created} · updated: {updated} · unchanged: {unchanged} · skipped: {skipped}."
    ).format(**expected)
    await expect(page.get_by_role("button", name=_("Confirm the import"))).to_be_hidden()
    await sites.assert_accessible()
    assert not await sites.has_horizontal_scroll()
    await page.set_viewport_size({"width": 1280, "height": 800})
    await page.locator("#import-title").scroll_into_view_if_needed()
    await page.evaluate("document.getElementById('import-title').scrollIntoView()")
    await sites.screenshot("office-sites-import-done", desktop=True)
    async with page.expect_navigation():
        await page.get_by_role("link", name=_("See the sites")).click()
    rows = {row[0]: row for row in await sites.rows(_("Partner sites, inactive ones included"))}
    assert rows[new][-1] == _("inactive")  # until the OT gives it an offer
