"""Signatures of rail barcodes, shared by UIC 918.3 and DOSIPAS (UIC 918.9). No I/O.

Keys come from the UIC public key list (by issuer and key id) with the window
in which the issuer may sign with them; a ticket signed outside it is refused
(`proof.key_not_valid`), the way a revoked or not-yet-valid key must be.

Algorithms. DOSIPAS names them by OID; when it does not (and always in 918.3)
the key decides: DSA with SHA-1, SHA-224 or SHA-256 by the size of q, ECDSA with
the hash that matches the curve. Signatures are an ASN.1 DER SEQUENCE of r and
s, or the two integers side by side (both forms are met in the field).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import dsa, ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from service.core.errors import Problem
from service.proofs.rail.ticket import unreadable

PublicKey = dsa.DSAPublicKey | ec.EllipticCurvePublicKey


@dataclass(frozen=True)
class SigningKey:
    """A key of the UIC list and the days it may sign on (None: open-ended)."""

    key: PublicKey
    valid_from: date | None = None
    valid_until: date | None = None

    def check_signed_on(self, day: date | None, issuer: str, key_id: str) -> None:
        """Refuse a ticket whose issuing day lies outside the key's window."""
        if day is None:
            return
        if (self.valid_from and day < self.valid_from) or (self.valid_until and day > self.valid_until):
            raise Problem(
                422,
                "proof.key_not_valid",
                issuer=issuer,
                key_id=key_id,
                signed_on=day.isoformat(),
                valid_from=self.valid_from.isoformat() if self.valid_from else None,
                valid_until=self.valid_until.isoformat() if self.valid_until else None,
            )


KeyLookup = Callable[[str, str], SigningKey | None]

# Signing algorithms by OID (what DOSIPAS headers name).
SIGNING_ALGORITHMS: dict[str, tuple[type, type[hashes.HashAlgorithm]]] = {
    "1.2.840.10040.4.3": (dsa.DSAPublicKey, hashes.SHA1),
    "2.16.840.1.101.3.4.3.1": (dsa.DSAPublicKey, hashes.SHA224),
    "2.16.840.1.101.3.4.3.2": (dsa.DSAPublicKey, hashes.SHA256),
    "1.2.840.10045.4.3.2": (ec.EllipticCurvePublicKey, hashes.SHA256),
    "1.2.840.10045.4.3.3": (ec.EllipticCurvePublicKey, hashes.SHA384),
    "1.2.840.10045.4.3.4": (ec.EllipticCurvePublicKey, hashes.SHA512),
}
# Curves of level-2 keys by OID.
CURVES: dict[str, ec.EllipticCurve] = {
    "1.2.840.10045.3.1.7": ec.SECP256R1(),
    "1.3.132.0.34": ec.SECP384R1(),
    "1.3.132.0.35": ec.SECP521R1(),
}


def is_valid(key: PublicKey, data: bytes, signature: tuple[int, int], algorithm_oid: str | None = None) -> bool:
    """Whether `signature` (r, s) over `data` verifies with `key`; an algorithm the
    key cannot do (a DSA OID for an EC key) is a failed signature."""
    if algorithm_oid is not None:
        if algorithm_oid not in SIGNING_ALGORITHMS:
            raise unreadable(f"signature algorithm {algorithm_oid} is not supported")
        key_type, hash_type = SIGNING_ALGORITHMS[algorithm_oid]
        if not isinstance(key, key_type):
            return False
        algorithm: hashes.HashAlgorithm = hash_type()
    else:
        algorithm = hash_for(key)
    der = encode_dss_signature(*signature)
    try:
        if isinstance(key, dsa.DSAPublicKey):
            key.verify(der, data, algorithm)
        else:
            key.verify(der, data, ec.ECDSA(algorithm))
    except InvalidSignature:
        return False
    return True


def hash_for(key: PublicKey) -> hashes.HashAlgorithm:
    if isinstance(key, dsa.DSAPublicKey):
        q_bits = key.parameters().parameter_numbers().q.bit_length()
        if q_bits <= 160:
            return hashes.SHA1()  # noqa: S303 (UIC 918.3 v1 signatures are DSA with SHA-1 by specification)
        return hashes.SHA224() if q_bits <= 224 else hashes.SHA256()
    if key.curve.key_size <= 256:
        return hashes.SHA256()
    return hashes.SHA384() if key.curve.key_size <= 384 else hashes.SHA512()


def der_pair(field: bytes) -> tuple[int, int]:
    """(r, s) from a DER SEQUENCE of two INTEGERs at the start of `field` (padding after it)."""
    if len(field) < 8 or field[0] != 0x30 or field[1] + 2 > len(field):
        raise unreadable("the signature is not a DER sequence")
    body, values, offset = field[2 : 2 + field[1]], [], 0
    while offset < len(body) and len(values) < 2:
        if body[offset] != 0x02 or offset + 2 + body[offset + 1] > len(body):
            raise unreadable("the signature is not a pair of integers")
        size = body[offset + 1]
        values.append(int.from_bytes(body[offset + 2 : offset + 2 + size], "big"))
        offset += 2 + size
    if len(values) != 2:
        raise unreadable("the signature is not a pair of integers")
    return values[0], values[1]


def any_pair(field: bytes) -> tuple[int, int]:
    """(r, s) of a DER signature, or of r and s side by side (halves of the field)."""
    if len(field) >= 8 and field[0] == 0x30 and 6 <= field[1] <= len(field) - 2:
        try:
            return der_pair(field)
        except Problem:
            pass
    if not field or len(field) % 2:
        raise unreadable("the signature is neither DER nor two integers of one size")
    half = len(field) // 2
    return int.from_bytes(field[:half], "big"), int.from_bytes(field[half:], "big")
