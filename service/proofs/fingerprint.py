"""Keyed fingerprints of proofs: "one proof gives at most one pass". No I/O.

The fingerprint is an HMAC of the normalised identity of the ticket (or track,
or code), never the personal data itself; the same ticket gives the same
fingerprint whichever method or visitor presents it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata

_NOT_ALNUM = re.compile(r"[^A-Z0-9]")


def normalise_reference(reference: str) -> str:
    """Booking references as people type them: case, accents, spaces and dashes do not matter."""
    folded = unicodedata.normalize("NFKD", reference).encode("ascii", "ignore").decode().upper()
    return _NOT_ALNUM.sub("", folded)


def fingerprint(key: bytes, kind: str, *parts: str) -> bytes:
    message = "\x1f".join((kind, *parts)).encode()
    return hmac.new(key, message, hashlib.sha256).digest()


def ticket_fingerprint(key: bytes, reference: str, travel_date: str) -> bytes:
    """A ticket: its booking reference on its travel date."""
    return fingerprint(key, "ticket", normalise_reference(reference), travel_date)
