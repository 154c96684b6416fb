"""SNCF's own ticket barcodes, `i0CV` (PDF and app tickets) and `i1CV` (paper
tickets): 132 (sometimes 131) ISO-8859-1 characters, fixed positions, NO
signature, so a proof from them is only `plausible` until the timetable confirms
its train runs. No I/O.

Fields relied on (0-based offset, length):
     0  4  "i0CV" or "i1CV"
     4  6  PNR (booking reference, "dossier voyage")
    10  9  ticket (document) number
    33  5  departure station, first leg (RESARAIL code, e.g. "FRPAZ")
    38  5  arrival station, first leg
    43  5  train number, first leg (digits, zero-padded)
    48  5  travel date "dd/MM" (no year: the one closest to today is taken)
   110  1  class, first leg
   115  1  class, second leg ("0" when there is no second leg)
   116  5  departure station, second leg (blank when none)
   121  5  arrival station, second leg
   126  5  train number, second leg ("00000" when none)
Ignored on purpose (personal data): the traveller's birth date (23, 10), client
id (53, 19), last and first names (72, 19 and 91, 19). The barcode holds one
traveller and no passenger count, so `passengers` stays unknown and the claim's
persons are capped by the configured maximum only. The second leg has no date
of its own; it is taken as the same day (a connection) — a return leg on
another day is then simply not the leg that arrives in the Lot.

Sources: KDE Itinerary's "SNCF Barcodes" notes (community.kde.org) and the
trainticket.wiki page on French domestic tickets, both reverse-engineered.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date

from service.proofs.rail.ticket import Leg, RailTicket, Station, unreadable

MAGICS = (b"i0CV", b"i1CV")
MIN_LENGTH = 131
MAX_LENGTH = 132
SNCF_RICS = "1187"
_STATION = re.compile(r"^[A-Z]{5}$")
_PNR = re.compile(r"^[A-Z0-9]{6}$")
_DAY_MONTH = re.compile(r"^(\d{2})/(\d{2})$")


def is_sncf_cv(raw: bytes) -> bool:
    return raw[:4] in MAGICS


def parse(raw: bytes, *, today: date, resarail_to_uic: Mapping[str, str]) -> RailTicket:
    text = raw.rstrip(b"\r\n").decode("latin-1")
    if not is_sncf_cv(raw) or not MIN_LENGTH <= len(text) <= MAX_LENGTH:
        raise unreadable("not an SNCF i0CV/i1CV barcode")
    pnr = text[4:10].strip().upper()
    if not _PNR.match(pnr):
        raise unreadable("SNCF barcode: no booking reference")
    travel_date = _nearest_day_month(text[48:53], today)
    if travel_date is None:
        raise unreadable("SNCF barcode: no travel date")
    legs = [_leg(text[33:38], text[38:43], text[43:48], travel_date, resarail_to_uic, text[110])]
    if text[115] in "12" and text[121:126].strip():
        legs.append(_leg(text[116:121], text[121:126], text[126:131], travel_date, resarail_to_uic, text[115]))
    return RailTicket(format="sncf_cv", issuer=SNCF_RICS, reference=pnr, legs=tuple(legs), passengers=None)


def _leg(  # noqa: PLR0913
    origin: str, destination: str, train: str, travel_date: date, resarail_to_uic: Mapping[str, str], class_: str
) -> Leg:
    number = train.strip().lstrip("0")
    return Leg(
        origin=station(origin, resarail_to_uic),
        destination=station(destination, resarail_to_uic),
        travel_date=travel_date,
        train_number=number if number.isdigit() else None,
        travel_class=class_ if class_ in ("1", "2") else None,
    )


def is_resarail_code(code: str) -> bool:
    return bool(_STATION.match(code))


def station(code: str, resarail_to_uic: Mapping[str, str]) -> Station | None:
    """A RESARAIL code, as the UIC code the operator mapped it to, else as it is."""
    code = code.strip().upper()
    if not _STATION.match(code):
        return None
    return Station(code=resarail_to_uic.get(code, code))


def _nearest_day_month(text: str, today: date) -> date | None:
    match = _DAY_MONTH.match(text)
    if not match:
        return None
    candidates = []
    for year in (today.year - 1, today.year, today.year + 1):
        try:
            candidates.append(date(year, int(match[2]), int(match[1])))
        except ValueError:
            continue
    return min(candidates, key=lambda day: abs((day - today).days), default=None)
