"""SNCF's `2200` barcodes of regional (TER) tickets: "2200", a 256-byte block
(a signature, by its size, of a scheme and key SNCF does not publish: not
checked, so a proof from them is `plausible`), then fixed-width ISO-8859-1
text. No I/O.

Fields relied on (0-based offset, length), from the samples listed in
docs/PROOFS.md:
   263  1  product kind ("1" a journey between two stations, "5" a zone pass)
   264  4  issuing company (UIC, e.g. "0087" SNCF)
   268  9  ticket number
   277  5  departure station (RESARAIL code, blank for a zone)
   282  5  arrival station (RESARAIL code, blank for a zone)
   343  8  travel date ddMMyyyy
   351  1  class
   446  8  valid from ddMMyyyy
   454  8  valid until ddMMyyyy
Ignored on purpose (personal data): the names (376, 19 and 395, 19) and the
birth date (414, 8). TER tickets name no train, so a station whose RESARAIL
code is not in `[rail_barcodes].resarail_to_uic` cannot be placed: the operator
fills the mapping (see docs/PROOFS.md).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime

from service.proofs.rail.sncf_cv import station as resarail_station
from service.proofs.rail.ticket import Leg, RailTicket, unreadable

MAGIC = b"2200"
MIN_LENGTH = 462
_NUMBER = re.compile(r"^[0-9A-Z]{4,9}$")


def is_sncf_2200(raw: bytes) -> bool:
    return raw.startswith(MAGIC) and len(raw) >= MIN_LENGTH


def parse(raw: bytes, *, resarail_to_uic: Mapping[str, str]) -> RailTicket:
    if not is_sncf_2200(raw):
        raise unreadable("not an SNCF 2200 barcode")
    text = raw.decode("latin-1")
    number = text[268:277].strip()
    if not _NUMBER.match(number):
        raise unreadable("SNCF 2200 barcode: no ticket number")
    travel_date = _date(text[343:351]) or _date(text[446:454])
    if travel_date is None:
        raise unreadable("SNCF 2200 barcode: no travel date")
    valid_until = _date(text[454:462])
    leg = Leg(
        origin=resarail_station(text[277:282], resarail_to_uic),
        destination=resarail_station(text[282:287], resarail_to_uic),
        travel_date=travel_date,
        valid_until=valid_until if valid_until and valid_until > travel_date else None,
        travel_class=text[351] if text[351] in ("1", "2") else None,
    )
    return RailTicket(
        format="sncf_2200",
        issuer=text[264:268].strip(),
        reference=number,
        legs=(leg,),
        passengers=None,
    )


def _date(text: str) -> date | None:
    try:
        return datetime.strptime(text, "%d%m%Y").date()
    except ValueError:
        return None
