"""The deployment secret and the keys derived from it.

One secret (TBC_SECRET_KEY) is configured; HKDF derives independent keys for
each use so that none can stand in for another. Without a configured secret a
random one is generated once and kept in the data directory (demo and tests).
"""

from __future__ import annotations

import base64
import logging
import os
import secrets as random
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

log = logging.getLogger("service.secrets")

MIN_SECRET_LENGTH = 32


@dataclass(frozen=True)
class DerivedKeys:
    fingerprint: bytes  # HMAC key of proof fingerprints
    session: bytes  # HMAC key of staff access tokens
    key_encryption: bytes  # encrypts the signing keys at rest
    qr_link: bytes  # HMAC key of the links to a pass's QR image


def _derive(secret: bytes, label: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"tarif-bas-carbone", info=label.encode()).derive(secret)


def derive_keys(secret: str) -> DerivedKeys:
    if len(secret) < MIN_SECRET_LENGTH:
        raise ValueError(f"TBC_SECRET_KEY must be at least {MIN_SECRET_LENGTH} characters")
    raw = secret.encode()
    return DerivedKeys(
        fingerprint=_derive(raw, "proof-fingerprint-v1"),
        session=_derive(raw, "staff-session-v1"),
        key_encryption=_derive(raw, "signing-key-encryption-v1"),
        qr_link=_derive(raw, "pass-qr-link-v1"),
    )


def load_or_create_secret(data_dir: Path) -> str:
    """The secret kept in `data_dir/secret.key`, created (mode 0600) if absent."""
    path = data_dir / "secret.key"
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        secret = base64.urlsafe_b64encode(random.token_bytes(48)).decode()
        handle.write(secret + "\n")
    log.warning("no TBC_SECRET_KEY configured: generated one in %s (set it in production)", path)
    return secret
