"""A proof method's fields on the visitor's claim form. No I/O.

The form's evidence fields are the union of the methods' own, in the registry's order;
a field two methods ask for (the arrival stop, the date, the ticket's file) is defined
once here and shown once, for both.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from service.core.i18n import N_
from service.settings import RulesConfig


@dataclass(frozen=True)
class FormField:
    name: str  # the input's name and id
    label: str  # an English msgid
    kind: Literal["stop", "date", "time", "text", "file"]
    hint: str | None = None  # an English msgid, %-formatted with `hint_params`
    attrs: tuple[tuple[str, str], ...] = ()  # the input's other attributes
    # `evidence.<name>` in a refusal's reason that points at this field
    evidence_names: tuple[str, ...] = ()

    def hint_params(self, rules: RulesConfig) -> Mapping[str, object]:
        """The hint's parameters, from config/rules.toml (numbers are written for the page's language)."""
        return {}

    def extra_hint(self, rules: RulesConfig) -> str | None:
        """A second sentence of the hint, chosen by the rules (an English msgid)."""
        return None


STOP = FormField(
    "stop",
    N_("Arrival station or stop"),
    "stop",
    N_("Type a few letters and choose from the list."),
    (("autocomplete", "off"),),
    ("arrival_stop_id",),
)
DATE = FormField("date", N_("Arrival date"), "date", evidence_names=("date",))
TICKET_FILE = FormField(
    "ticket_file",
    N_("Photo or PDF of the ticket"),
    "file",
    N_("A photo, a screenshot or the PDF of your ticket, its barcode sharp."),
    (("accept", "image/jpeg,image/png,application/pdf"),),
    ("barcode_b64",),
)
