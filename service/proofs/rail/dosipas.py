"""UIC 918.9 "DOSIPAS" dynamic barcodes (headers `U1` and `U2`), decoded with
asn1tools (unaligned PER) from `dosipas_header.asn`. No I/O beyond reading the
bundled schemas once.

Layout: `UicBarcodeHeader { format, level2SignedData { level1Data,
level1Signature, level2Data }, level2Signature }`.
- Level 1 is the issuer's: its security provider (RICS) and key id name a key of
  the UIC list, and `level1Signature` covers the UPER encoding of `level1Data`,
  which holds the data blocks (FCB1/FCB2/FCB3 ticket data, an issuer's own blocks).
- Level 2 is the device's: `level1Data` carries the level-2 public key (an EC
  point, compressed or not, on the curve its `level2KeyAlg` names) and
  `level2Signature` covers the UPER encoding of `level2SignedData` — so it also
  binds level 1 and its signature. It proves the barcode was not altered since
  the app made it, not who issued the ticket: only level 1 makes a ticket verified.

Verdicts: level 1 with a key of the list must verify (else `signature_invalid`)
and the ticket must be issued within the key's window (else `key_not_valid`);
a key the list lacks leaves the ticket unverified (`signed_by` None), which the
rules take as `plausible`. A level-2 signature present must verify, whatever
level 1 says. UPER is canonical for these types (no extension markers), so the
re-encoded values are the bytes that were signed.

Sources: UIC IRS 90918-9 (header v1.0.0 and v2.0.1), the UIC reference
implementation's tests on the signed byte ranges, and SNCF/CTS samples (see
docs/PROOFS.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import asn1tools
from cryptography.hazmat.primitives.asymmetric import ec

from service.core.errors import Problem
from service.proofs.rail import fcb, signatures
from service.proofs.rail.signatures import KeyLookup
from service.proofs.rail.ticket import RailTicket, unreadable

SCHEMA_PATH = Path(__file__).with_name("dosipas_header.asn")
HEADER_TYPES = {"U1": ("HeaderV1", "Level1DataV1", "Level2DataV1"), "U2": ("HeaderV2", "Level1DataV2", "Level2DataV2")}
FCB_FORMATS = {"FCB1": "01", "FCB2": "02", "FCB3": "03"}
_ASN1_ERRORS = (asn1tools.Error, ValueError, IndexError, KeyError, TypeError)


@dataclass(frozen=True)
class Dosipas:
    """A decoded DOSIPAS barcode: what the verdict needs, the signed bytes included."""

    format: str  # "U1" or "U2"
    security_provider: str | None
    key_id: str | None
    blocks: tuple[tuple[str, bytes], ...]  # (dataFormat, data) of level 1
    level1_signed: bytes
    level1_signature: bytes | None
    level1_algorithm: str | None
    level2_signed: bytes
    level2_signature: bytes | None
    level2_algorithm: str | None
    level2_curve: str | None
    level2_public_key: bytes | None


@cache
def schema() -> asn1tools.compiler.Specification:
    return asn1tools.compile_files(str(SCHEMA_PATH), "uper")


def header_format(raw: bytes) -> str | None:
    """ "U1" or "U2" when `raw` starts like a DOSIPAS header: one presence bit, a
    length byte, then the format's 7-bit characters."""
    if len(raw) < 3:
        return None
    bits = int.from_bytes(raw[:3], "big")
    if (bits >> 15) & 0xFF != 2:
        return None
    text = chr((bits >> 8) & 0x7F) + chr((bits >> 1) & 0x7F)
    return text if text in HEADER_TYPES else None


def is_dosipas(raw: bytes) -> bool:
    return header_format(raw) is not None


def encode(value: dict[str, Any]) -> bytes:
    """UPER bytes of a header value (used to build barcodes, e.g. in tests)."""
    return schema().encode(HEADER_TYPES[value["format"]][0], value)


def signed_bytes(format_: str, part: str, value: dict[str, Any]) -> bytes:
    """The bytes a signature covers: `part` "level1" (level1Data) or "level2" (level2SignedData)."""
    _, level1_type, level2_type = HEADER_TYPES[format_]
    return schema().encode(level1_type if part == "level1" else level2_type, value)


def read(raw: bytes) -> Dosipas:
    format_ = header_format(raw)
    if format_ is None:
        raise unreadable("not a DOSIPAS (U1/U2) barcode")
    header_type, level1_type, level2_type = HEADER_TYPES[format_]
    try:
        header = schema().decode(header_type, raw)
        level2 = header["level2SignedData"]
        level1 = level2["level1Data"]
        level1_signed = schema().encode(level1_type, level1)
        level2_signed = schema().encode(level2_type, level2)
    except _ASN1_ERRORS as exc:
        raise unreadable(f"DOSIPAS header: {exc}") from exc
    if header["format"] != format_:
        raise unreadable("DOSIPAS header format mismatch")
    provider = level1.get("securityProviderNum", level1.get("securityProviderIA5"))
    return Dosipas(
        format=format_,
        security_provider=str(provider) if provider is not None else None,
        key_id=str(level1["keyId"]) if "keyId" in level1 else None,
        blocks=tuple((block["dataFormat"], block["data"]) for block in level1["dataSequence"]),
        level1_signed=level1_signed,
        level1_signature=level2.get("level1Signature"),
        level1_algorithm=level1.get("level1SigningAlg"),
        level2_signed=level2_signed,
        level2_signature=header.get("level2Signature"),
        level2_algorithm=level1.get("level2SigningAlg"),
        level2_curve=level1.get("level2KeyAlg"),
        level2_public_key=level1.get("level2PublicKey"),
    )


def parse(raw: bytes, *, key_for: KeyLookup) -> RailTicket:
    """The ticket, its signatures checked (see the module's docstring)."""
    barcode = read(raw)
    _check_level2(barcode)
    signing = None
    if barcode.security_provider is not None and barcode.key_id is not None:
        signing = key_for(barcode.security_provider, barcode.key_id)
    if signing is not None:
        if barcode.level1_signature is None or not signatures.is_valid(
            signing.key, barcode.level1_signed, signatures.any_pair(barcode.level1_signature), barcode.level1_algorithm
        ):
            raise Problem(422, "proof.signature_invalid")
    ticket = _ticket(barcode, verified=signing is not None)
    if signing is not None:
        ticket.check_signed_on(signing)
    return ticket


def _check_level2(barcode: Dosipas) -> None:
    if barcode.level2_signature is None:
        return
    if barcode.level2_public_key is None:
        raise Problem(422, "proof.signature_invalid", reason="level 2 signed without a level 2 key")
    curve = signatures.CURVES.get(barcode.level2_curve or "1.2.840.10045.3.1.7")
    if curve is None:
        raise unreadable(f"level 2 key algorithm {barcode.level2_curve} is not supported")
    try:
        key = ec.EllipticCurvePublicKey.from_encoded_point(curve, barcode.level2_public_key)
    except ValueError as exc:
        raise Problem(422, "proof.signature_invalid", reason="level 2 key is not a point of its curve") from exc
    pair = signatures.any_pair(barcode.level2_signature)
    if not signatures.is_valid(key, barcode.level2_signed, pair, barcode.level2_algorithm):
        raise Problem(422, "proof.signature_invalid")


def _ticket(barcode: Dosipas, *, verified: bool) -> RailTicket:
    flex = None
    for data_format, data in barcode.blocks:
        if data_format in FCB_FORMATS:
            flex = fcb.decode(data, FCB_FORMATS[data_format])
            break
    if flex is None:
        formats = ", ".join(data_format for data_format, _ in barcode.blocks) or "none"
        raise unreadable(f"DOSIPAS barcode without FCB ticket data (blocks: {formats})")
    key = f"{barcode.security_provider}/{barcode.key_id}" if barcode.security_provider else None
    return RailTicket(
        format="dosipas",
        issuer=flex.issuer or barcode.security_provider or "",
        reference=flex.reference,
        legs=flex.legs,
        passengers=flex.passengers,
        signed_by=key if verified else None,
        specimen=flex.specimen,
        key=key,
        issued_on=flex.issued_at.date(),
    )
