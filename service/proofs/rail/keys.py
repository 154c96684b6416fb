"""The UIC public key list (the XML the UIC publishes for rail barcode
signatures), parsed safely, and the in-memory key ring the verifier asks.
No I/O: bytes in, structs out.

Format (root `keys`, one `key` element per key; namespaces, if any, ignored):
  issuerName, issuerCode (RICS, e.g. 1080), versionType, signatureAlgorithm
  (free text such as "SHA1withDSA(1024,160)" or "SHA256withECDSA"), id (the key
  id printed in barcodes, numeric or not), publicKey (base64 of an X.509
  certificate — the attribute keytype defaults to CERTIFICATE — or of a bare
  SubjectPublicKeyInfo), barcodeVersion, startDate, endDate (YYYY-MM-DD),
  allowedProductOwnerCodes/productOwnerCode*, keyForged (true/1 when the
  private key leaked), lastDayOfSale, barcodeXsd, testbarcode.
Parsing refuses any DTD (so no external entity and no entity expansion bomb).
Keys marked forged, or whose key material cannot be read, are skipped.

Barcodes print the issuer as 4 digits ("0080") and the key id as 5 characters
("00001"); the list writes integers ("80", "1"): both are normalised the same
way (leading zeros dropped, letters upper-cased) before matching.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeXml
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec

from service.proofs.rail.signatures import PublicKey, SigningKey


class KeyListError(ValueError):
    """The file is not a UIC key list we can trust."""


@dataclass(frozen=True)
class UicPublicKey:
    issuer_code: str  # normalised
    key_id: str  # normalised
    public_key_der: bytes  # SubjectPublicKeyInfo, DER
    issuer_name: str | None = None
    signature_algorithm: str | None = None
    barcode_version: int | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    allowed_product_owners: tuple[int, ...] = ()


@dataclass(frozen=True)
class KeyList:
    keys: tuple[UicPublicKey, ...]
    skipped: tuple[str, ...] = field(default=())  # why each skipped key was skipped


def normalise_code(code: str) -> str:
    """Issuer codes and key ids as the list and the barcodes both mean them."""
    stripped = code.strip().upper()
    return stripped.lstrip("0") or "0" if stripped.isdigit() else stripped


def parse_key_list(document: bytes, *, max_bytes: int) -> KeyList:
    if len(document) > max_bytes:
        raise KeyListError(f"the key list exceeds {max_bytes} bytes")
    try:
        root = SafeXml.fromstring(document, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except SafeXml.ParseError as exc:
        raise KeyListError(f"not well-formed XML: {exc}") from exc
    except (SafeXml.DTDForbidden, SafeXml.EntitiesForbidden, SafeXml.ExternalReferenceForbidden) as exc:
        raise KeyListError("the key list declares a DTD or entities, which are refused") from exc
    if _local(root.tag) != "keys":
        raise KeyListError(f"the root element is <{_local(root.tag)}>, not <keys>")
    chosen: dict[tuple[str, str], UicPublicKey] = {}
    skipped: list[str] = []
    for element in root:
        if _local(element.tag) != "key":
            continue
        try:
            key = _key(element)
        except KeyListError as exc:
            skipped.append(str(exc))
            continue
        ref = (key.issuer_code, key.key_id)
        # The same key listed twice: keep the entry valid the longest.
        if ref not in chosen or (key.valid_until or date.max) >= (chosen[ref].valid_until or date.max):
            chosen[ref] = key
    return KeyList(tuple(chosen.values()), tuple(skipped))


class KeyRing:
    """The imported keys, ready for `uic9183.parse(..., key_for=ring.key_for)`."""

    def __init__(self, keys: Iterable[UicPublicKey]) -> None:
        self._listed = {(key.issuer_code, key.key_id): key for key in keys}
        self._loaded: dict[tuple[str, str], SigningKey] = {}

    def __len__(self) -> int:
        return len(self._listed)

    def key_for(self, issuer_code: str, key_id: str) -> SigningKey | None:
        ref = (normalise_code(issuer_code), normalise_code(key_id))
        if ref not in self._loaded:
            listed = self._listed.get(ref)
            if listed is None:
                return None
            self._loaded[ref] = SigningKey(
                load_public_key(listed.public_key_der), listed.valid_from, listed.valid_until
            )
        return self._loaded[ref]


def load_public_key(der: bytes) -> PublicKey:
    key = serialization.load_der_public_key(der)
    if not isinstance(key, (dsa.DSAPublicKey, ec.EllipticCurvePublicKey)):
        raise KeyListError(f"unsupported key type {type(key).__name__}")
    return key


def _key(element: Element) -> UicPublicKey:
    values = {_local(child.tag): child for child in element}
    issuer = _text(values.get("issuerCode"))
    key_id = _text(values.get("id"))
    if not issuer or not key_id:
        raise KeyListError("a key without issuerCode or id")
    label = f"{issuer}/{key_id}"
    if (_text(values.get("keyForged")) or "").lower() in ("true", "1"):
        raise KeyListError(f"{label}: marked as forged")
    der = _public_key_der(_text(values.get("publicKey")) or "", label)
    owners = values.get("allowedProductOwnerCodes")
    return UicPublicKey(
        issuer_code=normalise_code(issuer),
        key_id=normalise_code(key_id),
        public_key_der=der,
        issuer_name=_text(values.get("issuerName")),
        signature_algorithm=_text(values.get("signatureAlgorithm")),
        barcode_version=_int(_text(values.get("barcodeVersion"))),
        valid_from=_date(_text(values.get("startDate"))),
        valid_until=_date(_text(values.get("endDate"))),
        allowed_product_owners=tuple(
            code
            for child in (owners if owners is not None else ())
            if _local(child.tag) == "productOwnerCode" and (code := _int(_text(child))) is not None
        ),
    )


def _public_key_der(text: str, label: str) -> bytes:
    """SubjectPublicKeyInfo DER of a base64 certificate or key (PEM armour tolerated)."""
    body = "".join(line for line in text.splitlines() if not line.strip().startswith("-----"))
    try:
        raw = base64.b64decode("".join(body.split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise KeyListError(f"{label}: publicKey is not base64") from exc
    try:
        key = x509.load_der_x509_certificate(raw).public_key()
    except ValueError:
        try:
            key = serialization.load_der_public_key(raw)
        except (ValueError, TypeError) as exc:
            raise KeyListError(f"{label}: publicKey is neither a certificate nor a public key") from exc
    if not isinstance(key, (dsa.DSAPublicKey, ec.EllipticCurvePublicKey)):
        raise KeyListError(f"{label}: unsupported key type {type(key).__name__}")
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _text(element: Element | None) -> str | None:
    if element is None or element.text is None:
        return None
    return element.text.strip() or None


def _int(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() else None


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None
