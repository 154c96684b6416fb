"""Builds rail tickets the way issuers do, with keys made in the test run: UIC
918.3 containers (v1 DSA/SHA-1, v2 DSA/SHA-256 or ECDSA P-256) holding U_HEAD,
U_TLAY (RCT2), 0080BL or U_FLEX (FCB v3) records; SNCF i0CV barcodes; the UIC
key list XML; and renders any of them as a PNG photo or a PDF."""

from __future__ import annotations

import base64
import io
import zlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any

import zxingcpp
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID
from PIL import Image, ImageDraw

from service.core.clock import lot_today
from service.proofs.rail import fcb, keys
from service.proofs.rail.ticket import fold_station_name, uic_station_code
from service.proofs.rail.verify import verify_rail_barcode
from service.proofs.rules import StopFacts
from service.settings import ROOT, ClaimRules, RailBarcodeConfig, load_config

PrivateKey = dsa.DSAPrivateKey | ec.EllipticCurvePrivateKey

# 7-digit UIC codes of stations of config/territory.toml, and one far away.
CAHORS, SOUILLAC, FIGEAC = "8761300", "8759433", "8761309"
PARIS_AUSTERLITZ = "8754700"


@dataclass(frozen=True)
class Signer:
    issuer: str  # 4 digits as printed in barcodes
    key_id: str  # 5 characters as printed in barcodes
    private_key: PrivateKey

    @property
    def public_key(self):  # type: ignore[no-untyped-def]
        return self.private_key.public_key()


@cache
def dsa_signer_v1() -> Signer:
    return Signer("1080", "00007", dsa.generate_private_key(1024))


@cache
def dsa_signer_v2() -> Signer:
    return Signer("1187", "00002", dsa.generate_private_key(2048))


@cache
def ec_signer_v2() -> Signer:
    return Signer("1187", "EC001", ec.generate_private_key(ec.SECP256R1()))


# --- records ------------------------------------------------------------------


def record(record_id: str, version: str, content: bytes) -> bytes:
    return record_id.encode() + version.encode() + f"{len(content) + 12:04d}".encode() + content


def u_head(issuer: str, ticket_key: str, issued_at: datetime, *, specimen: bool = False) -> bytes:
    content = (
        f"{issuer:>4}"[:4]
        + f"{ticket_key:<20}"[:20]
        + issued_at.strftime("%d%m%Y%H%M")
        + ("4" if specimen else "0")
        + "FR"
        + "EN"
    )
    return record("U_HEAD", "01", content.encode())


def u_tlay_rct2(fields: list[tuple[int, int, int, str]]) -> bytes:
    """(line, column, width, text) fields of an RCT2 layout."""
    body = b"RCT2" + f"{len(fields):04d}".encode()
    for line, column, width, text in fields:
        raw = text.encode("utf-8")
        body += f"{line:02d}{column:02d}01{width:02d}0{len(raw):04d}".encode() + raw
    return record("U_TLAY", "01", body)


def rct2_itinerary(travel: date, origin: str, destination: str) -> list[tuple[int, int, int, str]]:
    return [
        (0, 12, 40, "FAHRKARTE"),
        (6, 1, 5, travel.strftime("%d.%m")),
        (6, 7, 5, "10:04"),
        (6, 12, 20, origin),
        (6, 32, 20, destination),
        (6, 52, 5, travel.strftime("%d.%m")),
    ]


def db_0080bl(
    valid_from: date,
    valid_until: date,
    *,
    origin: str,
    destination: str,
    persons: int,
    origin_name: str = "",
    destination_name: str = "",
) -> bytes:
    blocks = {
        "001": "Flexpreis",
        "009": f"{persons}-0-0",
        "012": "0",
        "015": origin_name,
        "016": destination_name,
        "031": valid_from.strftime("%d.%m.%Y"),
        "032": valid_until.strftime("%d.%m.%Y"),
        "035": origin,
        "036": destination,
        "040": str(persons),
    }
    order = valid_from.strftime("%d%m%Y") + valid_until.strftime("%d%m%Y") + "0123456789"
    body = "03" + "1" + order + f"{len(blocks):02d}"
    for block_id, value in blocks.items():
        body += f"S{block_id}{len(value.encode()):04d}{value}"
    return record("0080BL", "03", body.encode())


def u_flex(value: dict[str, Any]) -> bytes:
    return record("U_FLEX", "03", fcb.encode(value))


def fcb_issuing(issued_at: datetime, *, pnr: str | None = "QX7RTA", specimen: bool = False) -> dict[str, Any]:
    issuing: dict[str, Any] = {
        "securityProviderNum": 1187,
        "issuingYear": issued_at.year,
        "issuingDay": issued_at.timetuple().tm_yday,
        "issuingTime": issued_at.hour * 60 + issued_at.minute,
        "specimen": specimen,
        "securePaperTicket": False,
        "activated": True,
    }
    if pnr:
        issuing["issuerPNR"] = pnr
    return issuing


def fcb_open_ticket(
    issued_at: datetime,
    valid_from: date,
    *,
    to_station: str,
    from_station: str = PARIS_AUSTERLITZ,
    days: int = 0,
    passengers: int = 1,
    pnr: str | None = "QX7RTA",
) -> dict[str, Any]:
    return {
        "issuingDetail": fcb_issuing(issued_at, pnr=pnr),
        "travelerDetail": {"traveler": [{"firstName": "Camille", "lastName": "Martin", "ticketHolder": True}]},
        "transportDocument": [
            {
                "ticket": (
                    "openTicket",
                    {
                        "returnIncluded": False,
                        "fromStationNum": int(from_station),
                        "toStationNum": int(to_station),
                        "validFromDay": (valid_from - issued_at.date()).days,
                        "validUntilDay": days,
                        "tariffs": [
                            {
                                "numberOfPassengers": passengers,
                                "passengerType": "adult",
                                "restrictedToCountryOfResidence": False,
                            }
                        ],
                    },
                )
            }
        ],
    }


def fcb_reservation(
    issued_at: datetime,
    departure: date,
    *,
    to_station: str,
    train: int = 3611,
    from_station: str = PARIS_AUSTERLITZ,
    travellers: int = 2,
    pnr: str | None = "QX7RTA",
    specimen: bool = False,
) -> dict[str, Any]:
    return {
        "issuingDetail": fcb_issuing(issued_at, pnr=pnr, specimen=specimen),
        "travelerDetail": {"traveler": [{"ticketHolder": index == 0} for index in range(travellers)]},
        "transportDocument": [
            {
                "ticket": (
                    "reservation",
                    {
                        "trainNum": train,
                        "departureDate": (departure - issued_at.date()).days,
                        "fromStationNum": int(from_station),
                        "toStationNum": int(to_station),
                        "departureTime": 8 * 60 + 12,
                        "arrivalTime": 13 * 60 + 40,
                    },
                )
            }
        ],
    }


# --- containers -----------------------------------------------------------------


def uic9183(signer: Signer, records: list[bytes], *, version: int) -> bytes:
    data = zlib.compress(b"".join(records))
    if isinstance(signer.private_key, dsa.DSAPrivateKey):
        hash_ = hashes.SHA1() if version == 1 else hashes.SHA256()
        der = signer.private_key.sign(data, hash_)
    else:
        der = signer.private_key.sign(data, ec.ECDSA(hashes.SHA256()))
    if version == 1:
        signature = der.ljust(50, b"\x00")
    else:
        r, s = decode_dss_signature(der)
        signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return (
        b"#UT"
        + f"{version:02d}".encode()
        + signer.issuer.encode()
        + signer.key_id.encode()
        + signature
        + f"{len(data):04d}".encode()
        + data
    )


def sncf_cv(
    *,
    pnr: str,
    travel: date,
    origin: str,
    destination: str,
    train: int,
    second_leg: tuple[str, str, int] | None = None,
    magic: str = "i0CV",
) -> bytes:
    second_class, second_origin, second_destination, second_train = ("0", "     ", "     ", "00000")
    if second_leg:
        second_class, (second_origin, second_destination, number) = "2", second_leg
        second_train = f"{number:05d}"
    text = (
        magic
        + pnr
        + "123456789"
        + "1211"
        + "01/02/1990"
        + origin
        + destination
        + f"{train:05d}"
        + travel.strftime("%d/%m")
        + "0" * 19
        + f"{'MARTIN':>19}"
        + f"{'CAMILLE':>19}"
        + "2"
        + "SR50"
        + second_class
        + second_origin
        + second_destination
        + second_train
        + " "
    )
    assert len(text) == 132, len(text)
    return text.encode("latin-1")


# --- DOSIPAS (UIC 918.9 dynamic barcodes) ------------------------------------------

ECDSA_P256 = "1.2.840.10045.4.3.2"
_FCB_VERSIONS = {"FCB1": "01", "FCB2": "02", "FCB3": "03"}
DSA_SHA224 = "2.16.840.1.101.3.4.3.1"
P256 = "1.2.840.10045.3.1.7"


@cache
def dosipas_signer() -> Signer:
    """An issuer's level-1 key: key ids are numbers in DOSIPAS."""
    return Signer("1187", "00042", ec.generate_private_key(ec.SECP256R1()))


@cache
def dosipas_dsa_signer() -> Signer:
    return Signer("1187", "00043", dsa.generate_private_key(2048))


def dosipas(
    signer: Signer,
    fcb_value: dict[str, Any],
    *,
    header: str = "U2",
    fcb_format: str = "FCB3",
    device_key: ec.EllipticCurvePrivateKey | None = None,
    level1_signature: bytes | None = None,
) -> bytes:
    """A DOSIPAS barcode: level 1 (the FCB) signed by `signer`, level 2 (a dynamic
    content block) signed by a device key whose public half level 1 carries."""
    device = device_key or ec.generate_private_key(ec.SECP256R1())
    is_ec = isinstance(signer.private_key, ec.EllipticCurvePrivateKey)
    level1: dict[str, Any] = {
        "securityProviderNum": int(signer.issuer),
        "keyId": int(signer.key_id),
        "dataSequence": [
            {"dataFormat": fcb_format, "data": fcb.encode(fcb_value, _FCB_VERSIONS.get(fcb_format, "03"))}
        ],
        "level1KeyAlg": P256 if is_ec else "1.2.840.10040.4.1",
        "level2KeyAlg": P256,
        "level1SigningAlg": ECDSA_P256 if is_ec else DSA_SHA224,
        "level2SigningAlg": ECDSA_P256,
        "level2PublicKey": device.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
        ),
    }
    if header == "U2":
        level1["validityDuration"] = 300
    from service.proofs.rail import dosipas as reader

    signed1 = reader.signed_bytes(header, "level1", level1)
    if level1_signature is None:
        level1_signature = (
            signer.private_key.sign(signed1, ec.ECDSA(hashes.SHA256()))
            if is_ec
            else signer.private_key.sign(signed1, hashes.SHA224())
        )
    level2 = {
        "level1Data": level1,
        "level1Signature": level1_signature,
        "level2Data": {"dataFormat": "FDC1", "data": b"\x01\x02\x03\x04"},
    }
    level2_signature = device.sign(reader.signed_bytes(header, "level2", level2), ec.ECDSA(hashes.SHA256()))
    return reader.encode({"format": header, "level2SignedData": level2, "level2Signature": level2_signature})


# --- the UIC key list -------------------------------------------------------------


@cache
def _list_ca() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def certificate_der(signer: Signer) -> bytes:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"issuer {signer.issuer} key {signer.key_id}")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(signer.public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .sign(_list_ca(), hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.DER)


def key_entry(
    signer: Signer,
    *,
    as_certificate: bool = True,
    forged: bool = False,
    version: int = 2,
    valid_from: str = "2024-01-01",
    valid_until: str = "2030-12-31",
) -> str:
    if as_certificate:
        material, keytype = certificate_der(signer), ""
    else:
        material = signer.public_key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        keytype = ' keytype="PUBLICKEY"'
    return f"""
  <key>
    <issuerName>Test railway {signer.issuer}</issuerName>
    <issuerCode>{int(signer.issuer)}</issuerCode>
    <versionType>TLB</versionType>
    <signatureAlgorithm>{"SHA1withDSA(1024,160)" if version == 1 else "SHA256withDSA(2048,256)"}</signatureAlgorithm>
    <id>{signer.key_id.lstrip("0") if signer.key_id.isdigit() else signer.key_id.lower()}</id>
    <publicKey{keytype}>{base64.b64encode(material).decode()}</publicKey>
    <barcodeVersion>{version}</barcodeVersion>
    <startDate>{valid_from}</startDate>
    <endDate>{valid_until}</endDate>
    <allowedProductOwnerCodes><productOwnerCode>{int(signer.issuer)}</productOwnerCode>
      <productOwnerName>Test railway</productOwnerName></allowedProductOwnerCodes>
    <keyForged>{"true" if forged else "false"}</keyForged>
    <commentForEncryptionType>test</commentForEncryptionType>
  </key>"""


def key_list_xml(*entries: str) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<keys>' + "".join(entries) + "\n</keys>\n").encode()


# --- pictures -------------------------------------------------------------------


def barcode_image(content: bytes, barcode_format: zxingcpp.BarcodeFormat = zxingcpp.BarcodeFormat.Aztec) -> Image.Image:
    pixels = zxingcpp.write_barcode_to_image(zxingcpp.create_barcode(content, barcode_format), scale=4)
    view = memoryview(pixels)
    return Image.frombytes("L", (view.shape[1], view.shape[0]), bytes(view))


def photo_png(content: bytes, barcode_format: zxingcpp.BarcodeFormat = zxingcpp.BarcodeFormat.Aztec) -> bytes:
    """The barcode on a ticket-like page, slightly tilted, as a phone would see it."""
    page = Image.new("RGB", (1100, 900), (246, 244, 238))
    draw = ImageDraw.Draw(page)
    for line in range(12):
        draw.text((60, 40 + 22 * line), f"BILLET  E-TICKET  ligne {line}  Cahors", fill=(40, 40, 40))
    code = barcode_image(content, barcode_format).convert("RGB").rotate(4, expand=True, fillcolor=(246, 244, 238))
    page.paste(code, (300, 330))
    buffer = io.BytesIO()
    page.save(buffer, "PNG")
    return buffer.getvalue()


def ticket_pdf(content: bytes, barcode_format: zxingcpp.BarcodeFormat = zxingcpp.BarcodeFormat.PDF417) -> bytes:
    """A one-page A4 PDF with the barcode placed like on a print-at-home ticket."""
    page = Image.new("RGB", (1240, 1754), "white")  # A4 at 150 dpi
    page.paste(barcode_image(content, barcode_format).convert("RGB"), (150, 300))
    buffer = io.BytesIO()
    page.save(buffer, "PDF", resolution=150)
    return buffer.getvalue()


# What the claim does with a barcode the factory made: the key list, the configured
# stations, the rules of config/rules.toml's shape.

TODAY = lot_today()
FINGERPRINT_KEY = b"k" * 32
RULES = ClaimRules(max_proof_age_days=30, max_days_ahead=30, max_persons=6)
CONFIG = RailBarcodeConfig(resarail_to_uic={"FRXCA": CAHORS, "FRXSL": SOUILLAC})


def _territory_lookup():  # type: ignore[no-untyped-def]
    """The configured train stations, by 7-digit UIC code and folded name (what the repository does)."""
    index: dict[str, StopFacts] = {}
    for stop in load_config(ROOT / "config").territory.stops:
        facts = StopFacts(stop.id, stop.mode, stop.in_lot, stop.gateway, stop.ot)
        if stop.mode == "train" and stop.uic:
            index[uic_station_code(stop.uic)] = facts  # type: ignore[index]
            index[fold_station_name(stop.name)] = facts
    return lambda key: index.get(uic_station_code(key) or key) or index.get(fold_station_name(key))


STATIONS = _territory_lookup()


def key_ring(*signers: Signer) -> keys.KeyRing:
    xml = key_list_xml(*(key_entry(signer) for signer in signers))
    return keys.KeyRing(keys.parse_key_list(xml, max_bytes=1_000_000).keys)


@cache
def default_ring() -> keys.KeyRing:
    """The UIC key list of the issuers the factory signs for (made once, on first use)."""
    return key_ring(dsa_signer_v1(), dsa_signer_v2(), ec_signer_v2())


def verify(raw: bytes, *, persons: int = 1, ring: keys.KeyRing | None = None, today: date = TODAY):  # type: ignore[no-untyped-def]
    return verify_rail_barcode(
        raw,
        key_for=(ring or default_ring()).key_for,
        today=today,
        rules=RULES,
        persons=persons,
        fingerprint_key=FINGERPRINT_KEY,
        station_in_lot=STATIONS,
        config=CONFIG,
    )
