"""The visitor's claim form, from the proof methods' own fields (service.proofs.methods):
the fields in order, how they become a claim, and where a refusal is shown. No I/O.

The form is a plain POST (it works without JavaScript); the script only hides the
fields the chosen method does not use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Final

from service.core import i18n
from service.core.i18n import N_
from service.proofs.methods.registry import METHOD_MODES, METHODS
from service.settings import RulesConfig

# The evidence fields of every method, in the registry's order, each once.
EVIDENCE_FIELDS: Final = tuple({f.name: f for method in METHODS.values() for f in method.fields}.values())

# Field name -> the English msgid of its label (the French ones are the names tests and
# screen readers rely on: « Gare ou arrêt d'arrivée » …).
LABELS: Final = {
    "mode": N_("Arrival mode"),
    "method": N_("Proof"),
    **{f.name: f.label for f in EVIDENCE_FIELDS},
    "persons": N_("Number of persons"),
    "email": N_("E-mail (optional)"),
}

MODE_NAMES: Final = {"train": N_("Train"), "bus": N_("Coach (liO)"), "bike": N_("Bike")}
METHOD_NAMES: Final = {name: method.label for name, method in METHODS.items()}
# The evidence fields of each method, in the form's order; the first is the one a
# refusal of the proof itself is shown beside.
METHOD_FIELDS: Final = {name: tuple(f.name for f in method.fields) for name, method in METHODS.items()}
REQUIRED: Final = {name: method.required for name, method in METHODS.items()}
# Field name -> the methods that ask for it (the script shows it for those).
METHODS_OF_FIELD: Final = {
    f.name: [name for name, method in METHODS.items() if f in method.fields] for f in EVIDENCE_FIELDS
}
# The claim form's fields, top to bottom (service/templates/_fragments/claim_form.html.j2).
FORM_ORDER: Final = ("mode", "method", *(f.name for f in EVIDENCE_FIELDS), "persons", "email")

# A claim whose file is past the limit, refused before its form is read.
TOO_LARGE: Final = N_(
    "Your file is larger than {max_mib} MiB. A GPX track can be exported without heart rate, cadence or power,"
    " or with a point every 5 seconds; a photo of a ticket can be sent smaller."
)

# What to do next, after a refusal, by method.
NEXT_STEP: Final = {name: method.next_step for name, method in METHODS.items()}

# A refusal's code -> the field it is about, whatever the method (each method adds its own).
FIELD_OF_CODE: Final = {
    "proof.unknown_stop": "stop",
    "proof.stop_outside_lot": "stop",
    "proof.stop_mode_mismatch": "stop",
    "proof.too_old": "date",
    "proof.in_future": "date",
    "proof.too_many_persons": "persons",
    "proof.method_not_for_mode": "method",
    "proof.method_unavailable": "method",
    "proof.mode_not_accepted": "mode",
}
# evidence.<name> in a refusal's reason -> the form's field
_EVIDENCE_NAMES: Final = {name: f.name for f in EVIDENCE_FIELDS for name in f.evidence_names}
_EVIDENCE_NAME = re.compile(r"evidence\.([a-z_0-9]+)")


def methods_by_mode(modes: list[str]) -> dict[str, list[str]]:
    return {mode: [method for method in METHOD_NAMES if mode in METHOD_MODES.get(method, ())] for mode in modes}


def _refused_field(code: str, refusals: dict[str, str]) -> str | None:
    """The field of `code` in a method's refusals: by the code, or a prefix ending in "_"."""
    return refusals.get(code) or next(
        (name for prefix, name in refusals.items() if prefix.endswith("_") and code.startswith(prefix)), None
    )


def field_of(code: str, method: str, detail: str) -> str | None:
    """The form field a refusal is about (one the method shows), or None for the form as a whole."""
    shown = {"mode", "method", "persons", "email", *METHOD_FIELDS.get(method, ())}
    # the method's own refusals first, then another method's (shown at this method's first field)
    tables = (METHODS[method].refusals if method in METHODS else {}, *(m.refusals for m in METHODS.values()))
    target = FIELD_OF_CODE.get(code) or next(filter(None, (_refused_field(code, t) for t in tables)), None)
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
    return METHODS[method].evidence_from_form(values, stop_id)


def upload_field(method: str) -> str | None:
    """The file field whose file the method reads, if it reads one."""
    return next((f.name for f in METHODS[method].fields if f.kind == "file"), None)


def hints(lang: str, rules: RulesConfig) -> dict[str, str]:
    """Each evidence field's hint, in the page's language (numbers too)."""
    shown = {}
    for f in EVIDENCE_FIELDS:
        if f.hint is None:
            continue
        params = {
            key: i18n.format_number(value, lang) if isinstance(value, int | float) else value
            for key, value in f.hint_params(rules).items()
        }
        parts = [i18n.gettext(f.hint, lang) % params]
        if (extra := f.extra_hint(rules)) is not None:
            parts.append(i18n.gettext(extra, lang))
        shown[f.name] = " ".join(parts)
    return shown
