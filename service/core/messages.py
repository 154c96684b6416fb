"""Every stable error code with its English title and detail, marked for translation.

The code is the contract; the words are for people and may be reworded. French and
Spanish are in the gettext catalogs (service/locale/<lang>/LC_MESSAGES/messages.po),
as are every other message of the service: see service/core/i18n.py.

Adding a code:
1. Add `"area.what": (N_("Title"), N_("Detail with {param}."))` below — English, with
   `Np_(singular, plural, "param")` when a number chooses the form.
2. `make catalogs` adds the new strings to the .po files; write their French and
   Spanish there (tests/test_i18n.py fails on an empty or fuzzy entry).
An entry may still arrive in the older form `(title, {"fr": …, "en": …, "es": …})`: it
works as is, and `python -m service.core.messages` moves such entries into the
catalogs (their details, and their titles left for a translator), printing the new
lines to paste in their place.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any, Final

from service.core.i18n import LANGS, N_, Text, gettext


@dataclass(frozen=True)
class Plural:
    singular: str
    plural: str
    count: str  # the param whose number chooses the form


def Np_(singular: str, plural: str, count: str) -> Plural:  # noqa: N802 - a gettext-style marker
    """Marks a plural message for extraction (`-k Np_:1,2`)."""
    return Plural(singular, plural, count)


Detail = str | Plural | dict[str, str]  # a dict is the older, untranslated-title form

# code -> (title, detail); details may hold {placeholders} filled from the problem's params.
CATALOG: Final[dict[str, tuple[str, Detail]]] = {
    # requests
    "request.invalid": (N_("Invalid request"), N_("The request is invalid: {reason}")),
    "request.too_large": (N_("Request too large"), N_("The request is too large.")),
    "request.unsupported_media_type": (N_("Unsupported media type"), N_("This content type is not accepted.")),
    "request.not_found": (N_("Not found"), N_("This resource does not exist.")),
    "request.method_not_allowed": (N_("Method not allowed"), N_("This method is not allowed here.")),
    "request.rate_limited": (N_("Too many requests"), N_("Too many requests: try again in a moment.")),
    "server.internal": (N_("Internal error"), N_("An internal error occurred; it has been logged.")),
    "service.unavailable": (N_("Service unavailable"), N_("The service is temporarily unavailable.")),
    # staff authentication
    "auth.required": (N_("Authentication required"), N_("Sign in to access this resource.")),
    "auth.invalid_credentials": (N_("Invalid credentials"), N_("Wrong username or password.")),
    "auth.invalid_token": (N_("Invalid token"), N_("The access token is invalid or expired.")),
    "auth.forbidden": (N_("Forbidden"), N_("Your account cannot access this resource.")),
    "device.name_taken": (N_("Device name taken"), N_("A device is already named '{name}'.")),
    # proofs
    "proof.method_not_for_mode": (
        N_("Method not allowed for this mode"),
        N_("Proof method '{method}' does not apply to mode '{mode}'."),
    ),
    "proof.mode_not_accepted": (
        N_("Mode not accepted"),
        N_("This mode of transport does not qualify for the low-carbon fare."),
    ),
    "proof.method_unavailable": (
        N_("Proof method not available"),
        N_("This kind of proof is not accepted online yet."),
    ),
    "proof.evidence_invalid": (N_("Evidence invalid"), N_("The evidence is incomplete or unreadable: {reason}")),
    "proof.too_old": (
        N_("Proof too old"),
        Np_("The trip is more than {days} day old.", "The trip is more than {days} days old.", "days"),
    ),
    "proof.in_future": (
        N_("Trip too far ahead"),
        Np_("The trip is more than {days} day ahead.", "The trip is more than {days} days ahead.", "days"),
    ),
    "proof.unknown_stop": (N_("Unknown stop"), N_("This arrival stop is unknown.")),
    "proof.stop_outside_lot": (
        N_("Stop outside the Lot"),
        N_("The arrival stop is neither in the Lot nor a gateway station."),
    ),
    "proof.stop_mode_mismatch": (
        N_("Stop does not match mode"),
        N_("This stop is not served by this mode of transport."),
    ),
    "proof.too_many_persons": (
        N_("Too many persons"),
        Np_("A pass covers at most {max} person.", "A pass covers at most {max} persons.", "max"),
    ),
    "proof.already_used": (
        N_("Proof already used"),
        N_(
            "This proof, or a copy of it, was sent before: one proof gives one pass. If it was you, "
            "open “My pass” on the phone you used, or send the very same file again."
        ),
    ),
    "proof.declined": (
        N_("Proof not accepted"),
        N_("This proof was sent before and the tourist office did not accept it. Their reason: {reason}"),
    ),
    "proof.attestation_unknown": (N_("Unknown attestation code"), N_("This bike attestation code is unknown.")),
    "proof.attestation_expired": (
        N_("Attestation expired"),
        N_("This bike attestation code has expired (valid 24 h)."),
    ),
    "proof.photo_invalid": (N_("Photo unreadable"), N_("The photo must be a readable JPEG or PNG image.")),
    "proof.photo_too_large": (N_("Photo too large"), N_("The photo is too large (at most {max_mb} MB).")),
    "review.already_decided": (N_("Already decided"), N_("This proof has already been reviewed ({decision}).")),
    "booking.full": (N_("Slot full"), N_("Not enough low-carbon places are left on this slot.")),
    "booking.duplicate": (N_("Already booked"), N_("This pass already holds a booking at this site.")),
    "booking.slot_not_found": (N_("Unknown slot"), N_("This slot does not exist.")),
    "booking.slot_exists": (N_("Slot exists"), N_("A slot already starts at that time at this site.")),
    "booking.slot_past": (N_("Slot started"), N_("This slot has already started.")),
    "booking.started": (N_("Booking started"), N_("The slot has started: the booking can no longer be cancelled.")),
    "booking.outside_validity": (
        N_("Outside the pass's validity"),
        N_("This slot is outside the pass's validity (it ends {valid_until})."),
    ),
    "booking.not_bookable": (N_("Site not bookable"), N_("This site takes no bookings.")),
    "booking.too_many_persons": (
        N_("Too many persons"),
        Np_("This pass covers {persons} person.", "This pass covers {persons} persons.", "persons"),
    ),
    "booking.required": (N_("Booking required"), N_("This site requires a booking with the pass.")),
    # timetables
    "proof.no_matching_trip": (
        N_("No matching trip"),
        N_(
            "According to the published timetables, no trip of line or train {line} arrives at this stop around {time} on that day. Check the number, the stop, the date and the time."
        ),
    ),
    # rail tickets
    "proof.barcode_unreadable": (
        N_("Ticket barcode unreadable"),
        N_("This ticket barcode is unreadable or of an unknown format."),
    ),
    "proof.barcode_not_found": (
        N_("No ticket barcode found"),
        N_("No ticket barcode was found in this file; try a sharper image."),
    ),
    "proof.upload_too_large": (
        N_("File too large"),
        N_("The file exceeds the maximum size ({max_mb} MB or {max_megapixels} megapixels)."),
    ),
    "proof.upload_unsupported": (N_("File type not accepted"), N_("Send a PNG or JPEG image, or a PDF.")),
    "proof.unknown_key": (
        N_("Ticket issuer key unknown"),
        N_(
            "This ticket's signing key (issuer {issuer}, key {key_id}) is not in the UIC key list known to the service."
        ),
    ),
    "proof.signature_invalid": (
        N_("Ticket signature invalid"),
        N_("This ticket's signature is not valid: it was altered or is not genuine."),
    ),
    "proof.ticket_specimen": (N_("Specimen ticket"), N_("This ticket is a test specimen, not a travel ticket.")),
    "proof.ticket_incomplete": (
        N_("Ticket lacks trip details"),
        N_("This ticket does not state the travel date or the arrival station."),
    ),
    # bike tracks (GPX)
    "proof.gpx_invalid": (N_("GPX track unreadable"), N_("The file is not a readable GPX track: {reason}")),
    "proof.gpx_unsafe": (
        N_("GPX track refused"),
        N_("The GPX file holds XML declarations (DOCTYPE, entities) that are not accepted."),
    ),
    "proof.gpx_too_large": (
        N_("GPX file too large"),
        N_(
            "The GPX file is larger than {max_mib} MiB: export it without heart rate, cadence or power,"
            " or with a point every 5 seconds."
        ),
    ),
    "proof.track_too_many_points": (
        N_("Track has too many points"),
        N_(
            "The track has more than {max} points: export it with a point every 5 seconds,"
            " or send only the ride you arrived by."
        ),
    ),
    "proof.track_without_times": (
        N_("Track without times"),
        N_("Some points of the track have no time: send the track recorded during the ride, not a planned route."),
    ),
    "proof.track_too_few_points": (
        N_("Track has too few points"),
        N_("The track has {points} points; at least {min} are needed."),
    ),
    "proof.track_times_not_increasing": (
        N_("Track times out of order"),
        N_("The track's times are out of order (point #{point})."),
    ),
    "proof.track_in_future": (
        N_("Track ends in the future"),
        N_("The track ends in the future: check the device's clock."),
    ),
    "proof.track_not_near_lot": (
        N_("Track does not end in the Lot"),
        N_(
            "The track ends {km} km from {place}, the nearest station, coach stop or partner site"
            " of the Lot; it must end within {max_km} km of one."
        ),
    ),
    "proof.track_is_loop": (
        N_("A loop ride does not count"),
        N_(
            "The track ends within {max_km} km of where it started: the tourist offices count"
            " only rides that arrive from elsewhere."
        ),
    ),
    "proof.track_too_short": (
        N_("Track too short"),
        N_("The track is {km} km long; at least {min_km} km by bike are needed."),
    ),
    "proof.track_too_fast": (
        N_("Track too fast for a bike"),
        N_(
            "Part of the track runs at {kmh} km/h for more than {minutes} minutes (at most {max_kmh} km/h): that is not a bike."
        ),
    ),
    "proof.track_average_too_fast": (
        N_("Average speed too high"),
        N_("The moving average speed is {kmh} km/h; by bike it does not exceed {max_kmh} km/h."),
    ),
    "proof.track_too_slow": (
        N_("Average speed too low"),
        N_("The moving average speed is {kmh} km/h; by bike it is at least {min_kmh} km/h."),
    ),
    # passes
    "pass.invalid": (N_("Invalid pass"), N_("This pass is not genuine.")),
    "pass.code_invalid": (N_("Invalid pass code"), N_("This pass code is mistyped.")),
    "pass.not_found": (N_("Unknown pass"), N_("No pass has this code.")),
    "pass.expired": (N_("Pass expired"), N_("This pass expired {valid_until}.")),
    "pass.not_yet_valid": (N_("Pass not yet valid"), N_("This pass is not valid yet: it starts {valid_from}.")),
    "pass.revoked": (N_("Pass revoked"), N_("This pass has been revoked.")),
    "pass.token_required": (N_("Pass token required"), N_("Present the pass token.")),
    # redemptions
    "redemption.already_redeemed": (
        N_("Already used here"),
        N_("This pass was already used here {redeemed_at} ({device})."),
    ),
    "redemption.persons_already_in": (
        N_("Persons already in"),
        Np_(
            "{admitted} of this pass's {pass_persons} persons are already in here: {left} more may enter.",
            "{admitted} of this pass's {pass_persons} persons are already in here: {left} more may enter.",
            "left",
        ),
    ),
    "redemption.too_many_persons": (
        N_("Too many persons"),
        Np_("This pass covers {persons} person.", "This pass covers {persons} persons.", "persons"),
    ),
    "redemption.nonce_reused": (N_("Nonce reused"), N_("This nonce was already used for another request.")),
    "site.mode_not_accepted": (N_("Mode not accepted here"), N_("This site does not accept arrivals by {mode}.")),
    "site.confidence_too_low": (N_("Proof not strong enough here"), N_("This site requires a verified proof.")),
    "site.proof_too_old": (
        N_("Arrival too long ago for this site"),
        Np_(
            "This site accepts arrivals of less than {days} day ago.",
            "This site accepts arrivals of less than {days} days ago.",
            "days",
        ),
    ),
    "site.inactive": (N_("Site inactive"), N_("This site no longer takes part in the low-carbon fare.")),
    # reports
    "report.invalid_period": (N_("Invalid period"), N_("The requested period is invalid.")),
    "ot.unknown": (N_("Unknown OT"), N_("This tourist office is unknown.")),
    # reviews and QR links
    "review.date_required": (
        N_("Travel date required"),
        N_("The visitor gave no travel date: give the one the photo shows (`date`)."),
    ),
    "review.place_required": (
        N_("Arrival place required"),
        N_("No arrival place ties this proof to a tourist office: give it ({what})."),
    ),
    "qr.link_invalid": (N_("Invalid QR link"), N_("This link to the QR code is not valid.")),
    "qr.link_expired": (N_("QR link expired"), N_("This link to the QR code has expired: open your pass again.")),
    # rail tickets
    "proof.key_not_valid": (
        N_("Ticket signed outside its key's validity"),
        N_(
            "This ticket was signed on {signed_on} with key {issuer}/{key_id}, valid only from {valid_from} to "
            "{valid_until}: it is not accepted."
        ),
    ),
    # abuse and bounds
    "auth.too_many_attempts": (
        N_("Too many sign-in attempts"),
        N_("Too many failed sign-in attempts: try again in {minutes} min."),
    ),
    "redemption.scanned_in_future": (
        N_("Scan dated in the future"),
        N_("This scan is dated in the future: check the device's clock."),
    ),
    "redemption.scan_too_old": (
        N_("Scan too old"),
        N_("This scan is more than {offline_window_hours} hours old: it can no longer be synced."),
    ),
    "redemption.unknown_codes_limited": (
        N_("Too many unknown codes"),
        N_(
            "Too many unknown codes scanned from this desk: try again in {retry_after} s. The tourist office has been told."
        ),
    ),
    # OT dashboard: sites, partner accounts, offline-scan conflicts (h-reports)
    # partner sites and their staff, conflicts
    "site.invalid": (N_("Invalid site"), N_("The site cannot be saved: {field}: {reason}")),
    "site.exists": (N_("Site already exists"), N_("A site already has the id {site}; edit it instead.")),
    "account.username_taken": (N_("Username taken"), N_("The username {username} is already taken.")),
    "conflict.already_acknowledged": (
        N_("Conflict already acknowledged"),
        N_("This conflict was already acknowledged by {acknowledged_by}."),
    ),
}


def detail_text(code: str, params: dict[str, Any]) -> Text:
    """The detail of `code` as a text to render in a language; unknown codes degrade."""
    _, detail = CATALOG.get(code, (N_("Error"), ""))
    if isinstance(detail, Plural):
        return Text(detail.singular, params, detail.plural, detail.count)
    if isinstance(detail, dict):
        return _Legacy(detail.get("en", ""), params, legacy=detail)
    return Text(detail, params)


@dataclass(frozen=True)
class _Legacy(Text):
    legacy: dict[str, str] | None = None

    def render(self, lang: str | None = None, timezone: str | None = None) -> str:
        own = (self.legacy or {}).get(lang or "") or self.message
        return Text(own, self.params).render(lang, timezone)


def render(code: str, lang: str, params: dict[str, Any], timezone: str | None = None) -> tuple[str, str]:
    """(title, detail) of a code in `lang`; missing params degrade, never fail."""
    title, _ = CATALOG.get(code, (N_("Error"), ""))
    return gettext(title, lang), detail_text(code, params).render(lang, timezone)


def _convert_legacy() -> None:
    """Moves older-form entries into the .po files and prints their new lines."""
    from babel.messages.pofile import read_po, write_po

    from service.core.i18n import LOCALE_DIR

    legacy = {code: (title, detail) for code, (title, detail) in CATALOG.items() if isinstance(detail, dict)}
    for lang in LANGS:
        if lang == "en":
            continue
        path = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
        with path.open("rb") as source:
            catalog = read_po(source, locale=lang)
        for title, detail in legacy.values():
            if title not in catalog:
                catalog.add(title, "")  # a title for the translator
            if detail["en"] not in catalog or not catalog[detail["en"]].string:
                catalog.add(detail["en"], detail[lang])
        with path.open("wb") as target:
            write_po(target, catalog, width=100, sort_output=False)
    for code, (title, detail) in legacy.items():
        print(f"    {code!r}: (N_({title!r}), N_({detail['en']!r})),".replace("'", '"'))


if __name__ == "__main__":
    _convert_legacy()
    sys.exit(0)
