"""The visitor's pages: the offers and the claim form (`/`, `POST /claim`), a manual
proof's review (`/review/{id}`), the pass (`/pass#<token>`, offline through `/sw.js`
and the web app manifest) and how the CO2 is counted (`/co2`)."""

from __future__ import annotations

import base64
import time
from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State, UploadFile
from litestar.enums import RequestEncodingType
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.params import Body, FromPath, FromQuery
from litestar.response import File, Redirect, Template

from service.core import clock, i18n, ratelimit
from service.core.db import DB
from service.core.errors import Problem
from service.core.validation import is_email
from service.mail import outbox
from service.pages import claim_form
from service.pages.assets import DIST_DIR, asset_url
from service.pages.templating import Lang, page
from service.passes import codes, qr
from service.passes import service as passes
from service.passes.views import wallet_links, wallet_opening
from service.proofs import service as proofs
from service.proofs.service import MAX_CLAIM_BYTES, MAX_FILE_BYTES
from service.reports import co2
from service.reviews import service as reviews
from service.settings import ClaimRules
from service.territory import service as territory

# The home-screen icon: the service's green with a leaf-like pass mark, no text to translate.
ICON_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 192 192">'
    '<rect width="192" height="192" rx="32" fill="#1f5c34"/>'
    '<path d="M52 140c0-56 36-88 92-92-4 56-36 92-92 92z" fill="#fff"/><path d="M60 132l48-48" stroke="#1f5c34" '
    'stroke-width="8" stroke-linecap="round"/></svg>'
)


async def _form_context(request: Request, db: DB, form: claim_form.FormState | None = None) -> dict[str, Any]:
    settings = request.app.state.settings
    rules = settings.config.rules
    sites = await territory.partner_sites(db)
    offers_by_ot = [(ot, [site for site in sites if site.ot == ot["id"]]) for ot in await territory.ots(db)]
    stops = await territory.stops(db)
    modes = list(rules.claims.modes)
    form = form or claim_form.FormState()
    values = {"mode": modes[0], "persons": "1", "date": clock.local_date(settings).isoformat(), **form.values}
    return {
        "offers_by_ot": [(ot, ot_sites) for ot, ot_sites in offers_by_ot if ot_sites],
        "validity_days": rules.passes.validity_days,
        "privacy": rules.privacy,
        "max_persons": rules.claims.max_persons,
        "modes": modes,
        "methods_by_mode": claim_form.methods_by_mode(modes),
        "stops": _places_once(stops, modes),
        "form": form,
        "values": values,
        "labels": claim_form.LABELS,
        "mode_names": claim_form.MODE_NAMES,
        "method_names": claim_form.METHOD_NAMES,
        "evidence_fields": claim_form.EVIDENCE_FIELDS,
        "methods_of": claim_form.METHODS_OF_FIELD,
        "hints": claim_form.hints(i18n.request_lang(request.scope), rules),
    }


def _places_once(stops: list[Any], modes: list[str]) -> list[Any]:
    """The stops of the claimable modes, one option per name and mode (a feed's platforms
    and a territory's stop of one place read alike to the visitor)."""
    seen: set[tuple[str, str]] = set()
    places = []
    for stop in stops:
        key = (stop["mode"], stop["name"].casefold())
        if stop["mode"] in modes and key not in seen:
            seen.add(key)
            places.append(stop)
    return places


def _stop_id(stops: list[Any], mode: str, typed: str) -> str | None:
    """The stop the visitor named (by its name as listed, or its id); else what they typed."""
    typed = typed.strip()
    if not typed:
        return None
    wanted = typed.casefold()
    for stop in stops:
        if stop["id"] == typed or (stop["mode"] == mode and stop["name"].casefold() == wanted):
            return stop["id"]
    for stop in stops:
        if stop["name"].casefold() == wanted:
            return stop["id"]  # another mode's stop: the rules say why it does not fit
    return typed


async def _upload(value: Any) -> bytes | None:
    if not isinstance(value, UploadFile) or not value.filename:
        return None
    content = await value.read(MAX_FILE_BYTES + 1)
    if len(content) > MAX_FILE_BYTES:
        raise RequestEntityTooLarge  # the route's handler brings the form back, saying why
    return content or None


def _too_large_for_the_form(request: Request, _exc: RequestEntityTooLarge) -> Response:
    """A claim body past the limit never reaches the handler: back to the form, which says why."""
    lang = i18n.request_lang(request.scope)
    return Redirect(f"/?lang={lang}&refused=too_large#error-summary", status_code=303)


# The pass page's own form: « send my pass again » to the address it was issued to.
_SEND_AGAIN_LABELS = {"email": i18n.N_("The e-mail address you gave")}
# What both forms say of an address they cannot use.
_NOT_AN_EMAIL = i18n.N_("An e-mail address, for example name@example.org.")


def _pass_page(
    state: State,
    lang: str,
    issued: dict[str, Any] | None = None,
    *,
    sent: bool = False,
    form: claim_form.FormState | None = None,
) -> Template:
    return page(
        "visitor/pass.html.j2",
        lang,
        timezone=state.settings.config.territory.timezone,
        issued=issued,
        sent=sent,
        form=form or claim_form.FormState(),
        labels=_SEND_AGAIN_LABELS,
    )


def _issued(row: Any, token: str, lang: str, state: State, *, again: bool = False) -> dict[str, Any]:
    """A pass just issued (or given `again` to its proof), as the page shows it before (or without) its script."""
    settings = state.settings
    links = wallet_links(state.qr_links, state.wallet_kinds, row["code"], time.time()) or {}
    zone = settings.config.territory.timezone
    kg = co2.avoided_kg(row["mode"], row["persons"], row["trip_km"], settings.config.factors)
    return {
        "token": token,
        "code_display": codes.display(row["code"]),
        "qr": "data:image/svg+xml;base64," + base64.b64encode(qr.svg(token)).decode(),
        "persons": i18n.ngettext("{count} person", "{count} persons", row["persons"], lang).format(
            count=row["persons"]
        ),
        "status": "not_yet_valid" if clock.now() < row["valid_from"] else "valid",
        "valid_from": i18n.format_moment(row["valid_from"], lang, zone),
        "valid_until": i18n.format_moment(row["valid_until"], lang, zone, end=True),
        "co2_kg": f"{kg:.1f}" if kg < 10 else f"{kg:.0f}",
        "again": again,
        "wallet": {wallet: wallet_opening(link, wallet) for wallet, link in links.items()},
    }


def _checked_form(
    values: dict[str, str], files: dict[str, bytes | None], rules: ClaimRules, lang: str
) -> claim_form.FormState:
    """The form as sent, with what it lacks before any proof is judged."""
    form = claim_form.FormState(values=values)
    method = values.get("method", "")
    if values.get("mode", "") not in rules.modes:
        form.refuse("mode", i18n.gettext("Choose how you arrived.", lang))
    if method not in claim_form.METHOD_NAMES:
        form.refuse("method", i18n.gettext("Choose your proof of arrival.", lang))
    for name in claim_form.REQUIRED.get(method, ()):
        if not (files.get(name) if name in files else values.get(name)):
            form.refuse(name, i18n.gettext("Fill in this field.", lang))
    persons = values.get("persons", "1")
    if not persons.isdigit() or not 1 <= int(persons) <= rules.max_persons:
        form.refuse("persons", i18n.gettext("A number from 1 to {max}.", lang).format(max=rules.max_persons))
    email = values.get("email") or None
    if email is not None and not is_email(email):
        form.refuse("email", i18n.gettext(_NOT_AN_EMAIL, lang))
    return form


class VisitorPages(Controller):
    @get("/", name="visitor.home")
    async def home(self, request: Request, db: DB, lang: Lang, refused: FromQuery[str | None] = None) -> Template:
        """What the Tarif bas carbone is, the partner offers grouped by OT (as /api/v1/sites), the
        claim form; `refused=too_large` after a claim whose file was past the limit."""
        form = None
        if refused == "too_large":
            form = claim_form.FormState()
            limit = i18n.format_number(MAX_FILE_BYTES / 1024 / 1024, lang)
            form.refuse(None, i18n.gettext(claim_form.TOO_LARGE, lang).format(max_mib=limit))
        return page("visitor/home.html.j2", lang, **await _form_context(request, db, form))

    @post(
        "/claim",
        name="visitor.claim",
        request_max_body_size=MAX_CLAIM_BYTES,
        # the form, not a JSON body, tells a visitor that the file is too large
        exception_handlers={RequestEntityTooLarge: _too_large_for_the_form},
    )
    async def claim(
        self,
        request: Request,
        db: DB,
        state: State,
        lang: Lang,
        data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> Template | Redirect:
        """The claim form sent without JavaScript as with: a pass opens the pass page (its
        token in the fragment), a manual proof its review page, a refusal shows the form
        again with the message beside its field."""
        settings = state.settings
        values = {name: value.strip() for name, value in data.items() if isinstance(value, str)}
        files = {f.name: await _upload(data.get(f.name)) for f in claim_form.EVIDENCE_FIELDS if f.kind == "file"}
        form = _checked_form(values, files, settings.config.rules.claims, lang)
        mode, method, persons = values.get("mode", ""), values.get("method", ""), values.get("persons", "1")
        email = values.get("email") or None
        if not form.summary:
            stops = await territory.stops(db)
            evidence = claim_form.evidence_of(method, values, _stop_id(stops, mode, values.get("stop", "")))
            upload = files.get(claim_form.upload_field(method) or "")
            claim = proofs.Claim(mode, method, int(persons), evidence, upload, email, lang)

            async def read() -> proofs.Claim:
                return claim

            try:
                bucket = ratelimit.client_bucket("claims", request, state.derived_keys.fingerprint)
                outcome = await proofs.submit(db, state.claiming, bucket, read)
            except Problem as problem:
                detail = problem.body(lang, settings.config.territory.timezone)["detail"]
                form.refuse(claim_form.field_of(problem.code, method, detail), detail)
            else:
                if isinstance(outcome, proofs.PendingReview):
                    return Redirect(f"/review/{outcome.id}?lang={lang}", status_code=303)
                # Shown at once, without JavaScript too; the script moves the token into the
                # fragment of /pass (never a URL the browser sends) and keeps it on the phone.
                row = await passes.by_code(db, outcome.code)
                return _pass_page(state, lang, issued=_issued(row, outcome.token, lang, state, again=outcome.again))
        if method in claim_form.NEXT_STEP:
            form.next_step = i18n.gettext(claim_form.NEXT_STEP[method], lang)
        template = page("visitor/home.html.j2", lang, **await _form_context(request, db, form))
        template.status_code = 422
        return template

    @get("/claim", name="visitor.claim_again")
    async def claim_again(self, lang: Lang) -> Redirect:
        """The form's address opened again (a reload, the language switch): the form."""
        return Redirect(f"/?lang={lang}#claim-title", status_code=303)

    @get("/review/{review_id:uuid}", name="visitor.review")
    async def review(self, db: DB, state: State, lang: Lang, review_id: FromPath[UUID]) -> Template:
        """A manual proof's outcome; once approved, the link to its pass."""
        row = await reviews.by_public_id(db, review_id)
        if row is None:
            raise Problem(404, "request.not_found")
        token = None
        if row["pass_code"] is not None:
            pass_row = await passes.by_code(db, row["pass_code"])
            token = passes.token_for(passes.claims_of(pass_row), state.settings, state.keyring)
        return page(
            "visitor/review.html.j2",
            lang,
            review=row,
            token=token,
            photo_retention_days=state.settings.config.rules.privacy.photo_retention_days,
        )

    @get("/pass", name="visitor.pass")
    async def pass_page(self, state: State, lang: Lang, sent: FromQuery[bool] = False) -> Template:
        """The pass: a shell the script fills from the token in the fragment (kept on the
        device), then from its copy when offline; without a pass, how to get it back
        (`sent` once it was asked for by e-mail)."""
        return _pass_page(state, lang, sent=sent)

    @post("/pass/send-again", name="visitor.send_again")
    async def send_again(
        self,
        request: Request,
        db: DB,
        state: State,
        lang: Lang,
        data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Template | Redirect:
        """« I already have a pass »: sent again to the address it was issued to."""
        email = str(data.get("email", "")).strip()
        if not is_email(email):
            form = claim_form.FormState(values={"email": email})
            form.refuse("email", i18n.gettext(_NOT_AN_EMAIL, lang))
            template = _pass_page(state, lang, form=form)
            template.status_code = 422
            return template
        bucket = ratelimit.client_bucket("pass_resends", request, state.derived_keys.fingerprint)
        await passes.send_again_asked(db, state.settings, bucket, email, lambda: outbox.wake(state))
        return Redirect(f"/pass?lang={lang}&sent=true", status_code=303)

    @get("/co2", name="visitor.co2")
    async def co2_method(self, state: State, lang: Lang) -> Template:
        """How the CO2 avoided is counted: the OT report's factors and distances."""
        return page("visitor/co2.html.j2", lang, factors=state.settings.config.factors)

    @get("/sw.js", name="visitor.service_worker", media_type="text/javascript")
    async def service_worker(self) -> File:
        """The service worker, at the root so that its scope covers the pass page; never
        cached long, so a new build reaches phones."""
        return File(
            DIST_DIR / asset_url("sw.js").rsplit("/", 1)[-1],
            media_type="text/javascript",
            content_disposition_type="inline",
            headers={"Cache-Control": "no-cache"},
        )

    @get("/manifest.webmanifest", name="visitor.manifest")
    async def manifest(self, lang: Lang) -> Response[dict[str, Any]]:
        """Lets the visitor add the pass to the home screen."""
        return Response(
            {
                "name": i18n.gettext("Tarif bas carbone du Lot", lang),
                "short_name": i18n.gettext("Lot pass", lang),
                "lang": lang,
                "start_url": f"/pass?lang={lang}",
                "scope": "/",
                "display": "standalone",
                "background_color": "#ffffff",
                "theme_color": "#1f5c34",
                "icons": [{"src": "/icon.svg", "sizes": "any", "type": "image/svg+xml", "purpose": "any"}],
            },
            media_type="application/manifest+json",
            headers={"Cache-Control": "no-cache"},
        )

    @get("/icon.svg", name="visitor.icon", media_type="image/svg+xml")
    async def icon(self) -> Response[str]:
        return Response(ICON_SVG, media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"})
