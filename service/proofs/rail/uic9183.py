"""UIC 918.3 static barcodes ("#UT" container, versions 1 and 2). No I/O.

Container (all ASCII except the signature and the data):
  offset 0  3  "#UT"
         3  2  version "01" or "02"
         5  4  RICS code of the signing company (e.g. "1080" DB, "1187" SNCF)
         9  5  key id (as in the UIC public key list)
        14  n  DSA signature of the compressed data:
               v1: n = 50, ASN.1 DER SEQUENCE { INTEGER r, INTEGER s }, zero-padded;
               v2: n = 64, r and s as two 32-byte big-endian integers
               (some issuers put the DER form there too: accepted, as UIC's own
               reference implementation does)
      14+n  4  length of the compressed data, ASCII digits
      18+n  *  zlib-compressed records
The signature is checked over the compressed bytes, BEFORE inflating them, with
the hash that matches the key: DSA with SHA-1 for 160-bit q (version 1 keys,
1024 bits), SHA-224 or SHA-256 for 224/256-bit q (version 2 keys, 2048 bits);
ECDSA keys (some issuers' version 2 keys) with SHA-256 (or SHA-384 on P-384).

Records: id (6 chars), version (2 digits), length (4 digits, header included):
- U_HEAD: issuer (4), ticket key (20), issuing date-time ddMMyyyyHHmm (12),
  flags (1 digit: 1 international, 2 edited by agent, 4 specimen), language (2),
  second language (2);
- U_TLAY: layout standard (4, e.g. "RCT2"), field count (4), then per field
  line (2), column (2), height (2), width (2), formatting (1), text length (4),
  text. RCT2 itinerary rows 6 and 7: departure date "dd.mm" at columns 1-5,
  origin name at 12-31, destination name at 32-51;
- 0080BL (Deutsche Bahn): 2 chars, order-block count (1), order blocks (v2: 46
  chars, v3: 26 chars, validity ddMMyyyy from/until), sub-block count (2), then
  sub-blocks "S" + id (3) + length (4) + value: S031/S032 valid from/until
  (dd.mm.yyyy), S035/S036 origin/destination station numbers, S015/S016 their
  names, S040 number of persons, S009 adults ("a-b-c"), S012 children;
- U_FLEX: FCB (UIC 918.9), see fcb.py.

Sources: UIC leaflet 918.3 and IRS 90918-9 as implemented in UIC's public
reference code (UIC-barcode, StaticFrame), KDE Itinerary's notes on RCT2 and
0080BL, the onlineticket project's notes on 0080BL.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from service.core.errors import Problem
from service.proofs.rail import fcb, signatures
from service.proofs.rail.signatures import KeyLookup, PublicKey
from service.proofs.rail.ticket import Leg, RailTicket, Station, uic_station_code, unreadable

MAGIC = b"#UT"
SIGNATURE_SIZES = {1: 50, 2: 64}
RECORD_HEADER_SIZE = 12
SPECIMEN_FLAG = 4
_DIGITS = re.compile(rb"^[0-9]+$")
_DAY_MONTH = re.compile(r"^\s*(\d{2})\.(\d{2})\.?\s*$")


@dataclass(frozen=True)
class Container:
    version: int
    issuer_code: str
    key_id: str
    signature: tuple[int, int]  # (r, s)
    signed_data: bytes


@dataclass(frozen=True)
class Record:
    id: str
    version: str
    content: bytes


@dataclass(frozen=True)
class LayoutField:
    line: int
    column: int
    height: int
    width: int
    text: str


@dataclass(frozen=True)
class Header:
    issuer: str
    ticket_key: str
    issued_at: datetime | None
    specimen: bool


def read_container(raw: bytes) -> Container:
    if not raw.startswith(MAGIC):
        raise unreadable("not a UIC 918.3 barcode")
    version_text = raw[3:5]
    if not _DIGITS.match(version_text) or int(version_text) not in SIGNATURE_SIZES:
        raise unreadable(f"UIC 918.3 version {version_text!r} is not supported")
    version = int(version_text)
    issuer_code = _ascii(raw[5:9], "issuer code")
    key_id = _ascii(raw[9:14], "key id")
    signature_end = 14 + SIGNATURE_SIZES[version]
    signature_field = raw[14:signature_end]
    length_text = raw[signature_end : signature_end + 4].strip()
    if len(signature_field) != SIGNATURE_SIZES[version] or not _DIGITS.match(length_text):
        raise unreadable("UIC 918.3 header truncated")
    data_start = signature_end + 4
    signed_data = raw[data_start : data_start + int(length_text)]
    if len(signed_data) != int(length_text) or not signed_data:
        raise unreadable("UIC 918.3 data shorter than announced")
    signature = signatures.der_pair(signature_field) if version == 1 else signatures.any_pair(signature_field)
    return Container(version, issuer_code, key_id, signature, signed_data)


def signature_is_valid(container: Container, key: PublicKey) -> bool:
    return signatures.is_valid(key, container.signed_data, container.signature)


def inflate(data: bytes, max_bytes: int) -> bytes:
    inflater = zlib.decompressobj()
    try:
        inflated = inflater.decompress(data, max_bytes)
    except zlib.error as exc:
        raise unreadable(f"UIC 918.3 data not zlib: {exc}") from exc
    if inflater.unconsumed_tail:
        raise unreadable(f"UIC 918.3 data inflate beyond {max_bytes} bytes")
    return inflated


def split_records(data: bytes) -> list[Record]:
    """The records in order; stops at the first malformed header (the data is signed,
    so a surprise there is a format we do not know, not tampering)."""
    records: list[Record] = []
    offset = 0
    while len(data) - offset >= RECORD_HEADER_SIZE:
        header = data[offset : offset + RECORD_HEADER_SIZE]
        version, length = header[6:8], header[8:12].strip()
        if not (_DIGITS.match(version) and _DIGITS.match(length)) or int(length) < RECORD_HEADER_SIZE:
            break
        end = offset + int(length)
        if end > len(data):
            break
        records.append(Record(header[:6].decode("latin-1"), version.decode(), data[offset + RECORD_HEADER_SIZE : end]))
        offset = end
    return records


def parse(raw: bytes, *, key_for: KeyLookup, max_inflated_bytes: int = 64 * 1024) -> RailTicket:
    """The ticket, its signature checked: verified (`signed_by` set) with a key of
    the list, unverified (`signed_by` None) when the list does not have the key.
    Problem: barcode_unreadable, signature_invalid, key_not_valid."""
    container = read_container(raw)
    signing = key_for(container.issuer_code, container.key_id)
    if signing is not None and not signature_is_valid(container, signing.key):
        raise Problem(422, "proof.signature_invalid")
    records = split_records(inflate(container.signed_data, max_inflated_bytes))
    ticket = ticket_from_records(container, records, verified=signing is not None)
    if signing is not None:
        ticket.check_signed_on(signing)
    return ticket


def ticket_from_records(container: Container, records: list[Record], *, verified: bool = True) -> RailTicket:
    by_id: dict[str, Record] = {}
    for record in records:
        by_id.setdefault(record.id, record)
    header = parse_header(by_id["U_HEAD"].content) if "U_HEAD" in by_id else None
    flex, flex_problem = None, None
    if "U_FLEX" in by_id:
        # An FCB version or document kind we do not read: the other records may still tell the trip.
        try:
            flex = fcb.decode(by_id["U_FLEX"].content, by_id["U_FLEX"].version)
        except Problem as problem:
            flex_problem = problem
    db_leg, db_passengers = parse_0080bl(by_id["0080BL"]) if "0080BL" in by_id else (None, None)
    issued_at = flex.issued_at if flex else header.issued_at if header else None
    layout_legs: list[Leg] = []
    if "U_TLAY" in by_id and issued_at is not None:
        layout_legs = rct2_legs(parse_layout(by_id["U_TLAY"].content), issued_at.date())
    legs = (flex.legs if flex and flex.legs else None) or ((db_leg,) if db_leg else None) or tuple(layout_legs)
    if not legs and flex_problem is not None:
        raise flex_problem
    reference = (flex.reference if flex else None) or (header.ticket_key if header else None)
    return RailTicket(
        format="uic9183",
        issuer=container.issuer_code,
        reference=reference,
        legs=tuple(legs),
        passengers=(flex.passengers if flex else None) or db_passengers,
        signed_by=f"{container.issuer_code}/{container.key_id}" if verified else None,
        key=f"{container.issuer_code}/{container.key_id}",
        specimen=bool((header and header.specimen) or (flex and flex.specimen)),
        issued_on=issued_at.date() if issued_at else None,
    )


def parse_header(content: bytes) -> Header:
    text = content.decode("latin-1")
    if len(text) < 37:
        raise unreadable("U_HEAD record too short")
    try:
        issued_at: datetime | None = datetime.strptime(text[24:36], "%d%m%Y%H%M")
    except ValueError:
        issued_at = None
    flags = int(text[36]) if text[36].isdigit() else 0
    return Header(
        issuer=text[0:4], ticket_key=text[4:24].strip(), issued_at=issued_at, specimen=bool(flags & SPECIMEN_FLAG)
    )


def parse_layout(content: bytes) -> list[LayoutField]:
    """U_TLAY fields; text lengths are bytes by the standard, characters for some
    issuers: both are tried."""
    for length_in_bytes in (True, False):
        try:
            return _layout_fields(content, length_in_bytes)
        except (ValueError, IndexError):
            continue
    return []


def _layout_fields(content: bytes, length_in_bytes: bool) -> list[LayoutField]:
    count = int(content[4:8])
    offset = 8
    fields: list[LayoutField] = []
    for _ in range(count):
        head = content[offset : offset + 13]
        if len(head) != 13 or not _DIGITS.match(head[:8] + head[9:13]):
            raise ValueError("layout field header")
        size = int(head[9:13])
        offset += 13
        if length_in_bytes:
            raw_text = content[offset : offset + size]
            if len(raw_text) != size:
                raise ValueError("layout text truncated")
            text = _decode_text(raw_text)
            offset += size
        else:
            text = content[offset:].decode("utf-8", errors="strict")[:size]
            offset += len(text.encode("utf-8"))
        fields.append(LayoutField(int(head[0:2]), int(head[2:4]), int(head[4:6]), int(head[6:8]), text))
    return fields


def rct2_legs(fields: list[LayoutField], issued_on: date) -> list[Leg]:
    """Legs from the RCT2 itinerary rows (6 and 7): date, origin and destination names."""
    grid: dict[int, dict[int, str]] = {}
    for field in fields:
        width = max(field.width, 1)
        for row_offset, line in enumerate(_wrap(field.text, width)):
            row = grid.setdefault(field.line + row_offset, {})
            for column_offset, char in enumerate(line):
                row[field.column + column_offset] = char
    legs: list[Leg] = []
    for row_number in (6, 7):
        row = grid.get(row_number, {})
        day = _day_month_after(_area(row, 1, 5), issued_on)
        origin, destination = _area(row, 12, 20), _area(row, 32, 20)
        if day is not None and destination:
            legs.append(Leg(Station(name=origin) if origin else None, Station(name=destination), day))
    return legs


def _area(row: dict[int, str], start: int, width: int) -> str:
    return "".join(row.get(column, " ") for column in range(start, start + width)).strip(" *->")


def parse_0080bl(record: Record) -> tuple[Leg | None, int | None]:
    """Deutsche Bahn's record: validity, stations, persons; (None, None) when its layout surprises."""
    try:
        blocks, order_dates = _0080bl_blocks(record)
    except (ValueError, IndexError, UnicodeDecodeError):
        return None, None
    valid_from = _german_date(blocks.get("031")) or order_dates[0]
    valid_until = _german_date(blocks.get("032")) or order_dates[1]
    passengers: int | None = None
    if blocks.get("040", "").strip().isdigit():
        passengers = int(blocks["040"])
    elif blocks.get("009"):
        adults = blocks["009"].split("-")[0].strip()
        children = blocks.get("012", "0").strip()
        if adults.isdigit():
            passengers = int(adults) + (int(children) if children.isdigit() else 0)
    if valid_from is None:
        return None, passengers
    origin = Station(uic_station_code(blocks.get("035")), blocks.get("015") or None)
    destination = Station(uic_station_code(blocks.get("036")), blocks.get("016") or None)
    leg = Leg(
        origin=origin if origin.lookup_keys() else None,
        destination=destination if destination.lookup_keys() else None,
        travel_date=valid_from,
        valid_until=valid_until,
    )
    return leg, passengers


def _0080bl_blocks(record: Record) -> tuple[dict[str, str], tuple[date | None, date | None]]:
    content = record.content
    order_size = 46 if int(record.version) < 3 else 26
    date_offset = 22 if order_size == 46 else 0
    orders = int(content[2:3])
    offset = 3
    order_dates: tuple[date | None, date | None] = (None, None)
    for index in range(orders):
        order = content[offset : offset + order_size]
        if index == 0:
            order_dates = (
                _compact_date(order[date_offset : date_offset + 8]),
                _compact_date(order[date_offset + 8 : date_offset + 16]),
            )
        offset += order_size
    count = int(content[offset : offset + 2])
    offset += 2
    blocks: dict[str, str] = {}
    for _ in range(count):
        if content[offset : offset + 1] != b"S":
            raise ValueError("0080BL sub-block")
        block_id = content[offset + 1 : offset + 4].decode("ascii")
        size = int(content[offset + 4 : offset + 8])
        blocks[block_id] = _decode_text(content[offset + 8 : offset + 8 + size]).strip()
        offset += 8 + size
    return blocks, order_dates


def _ascii(value: bytes, what: str) -> str:
    try:
        return value.decode("ascii")
    except UnicodeDecodeError as exc:
        raise unreadable(f"UIC 918.3 {what} is not ASCII") from exc


def _decode_text(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for paragraph in text.split("\n"):
        lines.extend(paragraph[i : i + width] for i in range(0, max(len(paragraph), 1), width))
    return lines


def _day_month_after(text: str, issued_on: date) -> date | None:
    """A "dd.mm" date, in the first year that puts it no earlier than the day before issue."""
    match = _DAY_MONTH.match(text)
    if not match:
        return None
    day, month = int(match[1]), int(match[2])
    for year in (issued_on.year, issued_on.year + 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate >= issued_on - timedelta(days=1):
            return candidate
    return None


def _german_date(text: str | None) -> date | None:
    try:
        return datetime.strptime(text.strip(), "%d.%m.%Y").date() if text else None
    except ValueError:
        return None


def _compact_date(raw: bytes) -> date | None:
    try:
        return datetime.strptime(raw.decode("ascii"), "%d%m%Y").date()
    except (ValueError, UnicodeDecodeError):
        return None
