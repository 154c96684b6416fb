"""The visitor's claim form: which fields each proof method asks for, how the form's
fields become a claim, and where a refusal is shown. No I/O.

The form is a plain POST (it works without JavaScript); the script only hides the
fields the chosen method does not use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Final

from service.core.i18n import N_
from service.proofs.methods import METHOD_MODES

# Field name -> the English msgid of its label (the French ones are the names tests and
# screen readers rely on: « Gare ou arrêt d'arrivée » …).
LABELS: Final = {
    "mode": N_("Arrival mode"),
    "method": N_("Proof"),
    "date": N_("Arrival date"),
    "stop": N_("Arrival station or stop"),
    "time": N_("Arrival time"),
    "line": N_("Line or train number"),
    "ticket_ref": N_("Ticket reference"),
    "persons": N_("Number of persons"),
    "ticket_file": N_("Photo or PDF of the ticket"),
    "gpx_file": N_("GPX track"),
    "code": N_("Attestation code"),
    "email": N_("E-mail (optional)"),
}

MODE_NAMES: Final = {"train": N_("Train"), "bus": N_("Coach (liO)"), "bike": N_("Bike")}

METHOD_NAMES: Final = {
    "declared_trip": N_("I declare my trip"),
    "rail_barcode": N_("Train ticket barcode"),
    "gpx": N_("GPX track of my ride"),
    "attestation": N_("Code from a bike partner"),
    "manual": N_("Photo checked by hand"),
}

# The evidence fields of each method, in the form's order; the first is the one a
# refusal of the proof itself is shown beside.
METHOD_FIELDS: Final = {
    "declared_trip": ("stop", "date", "time", "line", "ticket_ref"),
    "rail_barcode": ("ticket_file",),
    "gpx": ("gpx_file",),
    "attestation": ("code",),
    "manual": ("ticket_file", "date", "stop"),
}
REQUIRED: Final = {
    "declared_trip": {"stop", "date", "time", "line", "ticket_ref"},
    "rail_barcode": {"ticket_file"},
    "gpx": {"gpx_file"},
    "attestation": {"code"},
    "manual": {"ticket_file"},
}
# The claim form's fields, top to bottom (service/templates/_fragments/claim_form.html.j2).
FORM_ORDER: Final = (
    "mode",
    "method",
    "stop",
    "date",
    "time",
    "line",
    "ticket_ref",
    "ticket_file",
    "gpx_file",
    "code",
    "persons",
    "email",
)
EVIDENCE_FIELDS: Final = ("date", "stop", "time", "line", "ticket_ref", "ticket_file", "gpx_file", "code")

# A claim whose file is past the limit, refused before its form is read.
TOO_LARGE: Final = N_(
    "Your file is larger than {max_mib} MiB. A GPX track can be exported without heart rate, cadence or power,"
    " or with a point every 5 seconds; a photo of a ticket can be sent smaller."
)

# What to do next, after a refusal, by method.
NEXT_STEP: Final = {
    "declared_trip": N_(
        "Check what you entered, or choose another proof: a photo of your ticket, checked by the tourist office."
    ),
    "rail_barcode": N_(
        "Try a sharper photo or the PDF of the ticket, declare your trip instead, "
        "or send a photo for the tourist office to check."
    ),
    "gpx": N_("You may also ask a bike partner for a code, or send a photo for the tourist office to check."),
    "attestation": N_("Ask the partner for a new code, or send a photo for the tourist office to check."),
    "manual": N_("Send a sharp JPEG or PNG photo of the whole ticket."),
}

# A refusal's code -> the field it is about.
FIELD_OF_CODE: Final = {
    "proof.unknown_stop": "stop",
    "proof.stop_outside_lot": "stop",
    "proof.stop_mode_mismatch": "stop",
    "proof.too_old": "date",
    "proof.in_future": "date",
    "proof.too_many_persons": "persons",
    "proof.no_matching_trip": "line",
    "proof.attestation_unknown": "code",
    "proof.attestation_expired": "code",
    "proof.method_not_for_mode": "method",
    "proof.method_unavailable": "method",
    "proof.mode_not_accepted": "mode",
}
_FILE_CODES: Final = (
    ("proof.track_", "gpx_file"),
    ("proof.gpx_", "gpx_file"),
    ("proof.photo_", "ticket_file"),
    ("proof.barcode_", "ticket_file"),
    ("proof.upload_", "ticket_file"),
    ("proof.ticket_", "ticket_file"),
    ("proof.unknown_key", "ticket_file"),
    ("proof.signature_invalid", "ticket_file"),
    ("proof.key_not_valid", "ticket_file"),
)
# evidence.<name> in a refusal's reason -> the form's field
_EVIDENCE_NAMES: Final = {
    "date": "date",
    "arrival_stop_id": "stop",
    "arrival_time": "time",
    "line": "line",
    "ticket_ref": "ticket_ref",
    "code": "code",
    "gpx": "gpx_file",
    "barcode_b64": "ticket_file",
}
_EVIDENCE_NAME = re.compile(r"evidence\.([a-z_0-9]+)")


def methods_by_mode(modes: list[str]) -> dict[str, list[str]]:
    return {mode: [method for method in METHOD_NAMES if mode in METHOD_MODES.get(method, ())] for mode in modes}


def field_of(code: str, method: str, detail: str) -> str | None:
    """The form field a refusal is about (one the method shows), or None for the form as a whole."""
    shown = {"mode", "method", "persons", "email", *METHOD_FIELDS.get(method, ())}
    target = FIELD_OF_CODE.get(code)
    if target is None:
        target = next((name for prefix, name in _FILE_CODES if code.startswith(prefix)), None)
    if target is None and code in ("proof.evidence_invalid", "request.invalid"):
        found = _EVIDENCE_NAME.search(detail)
        target = _EVIDENCE_NAMES.get(found.group(1)) if found else None
        if target is None and code == "proof.evidence_invalid":
            target = METHOD_FIELDS.get(method, (None,))[0]
    if target in shown:
        return target
    if target is not None and code.startswith("proof."):
        return METHOD_FIELDS.get(method, (None,))[0]  # e.g. the station read on a ticket's barcode
    return None


@dataclass
class FormState:
    """What the visitor sent (to show the form again) and what was refused, by field; the
    summary lists the refusals in the form's order (one without a field comes first), and
    the next step is said once, under it."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    summary: list[tuple[str | None, str]] = field(default_factory=list)
    next_step: str | None = None

    def refuse(self, name: str | None, message: str) -> None:
        if name is not None:
            self.errors[name] = message
        self.summary.append((name, message))
        self.summary.sort(key=lambda entry: FORM_ORDER.index(entry[0]) if entry[0] in FORM_ORDER else -1)


def evidence_of(method: str, values: dict[str, str], stop_id: str | None) -> dict[str, Any]:
    """The claim's evidence object from the form's text fields (files travel apart)."""
    if method == "declared_trip":
        return {
            "date": values.get("date", ""),
            "arrival_stop_id": stop_id or "",
            "arrival_time": values.get("time", ""),
            "line": values.get("line", ""),
            "ticket_ref": values.get("ticket_ref", ""),
        }
    if method == "attestation":
        return {"code": values.get("code", "")}
    if method == "manual":
        evidence: dict[str, Any] = {}
        if values.get("date"):
            evidence["date"] = values["date"]
        if stop_id:
            evidence["arrival_stop_id"] = stop_id
        return evidence
    return {}
