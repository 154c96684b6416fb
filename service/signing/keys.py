"""Ed25519 signing keys: generation, JWK form (RFC 8037), encryption at rest. No I/O."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def thumbprint_kid(public: bytes) -> str:
    """A short key id: the RFC 7638 JWK thumbprint, cut to 12 characters (72 bits)."""
    canonical = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": b64url(public)}, separators=(",", ":"), sort_keys=True)
    return b64url(hashlib.sha256(canonical.encode()).digest())[:12]


def public_jwk(kid: str, public: bytes) -> dict[str, str]:
    return {"kty": "OKP", "crv": "Ed25519", "x": b64url(public), "kid": kid, "alg": "EdDSA", "use": "sig"}


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private: Ed25519PrivateKey | None  # None for keys that only verify here
    public: Ed25519PublicKey

    @classmethod
    def generate(cls) -> SigningKey:
        private = Ed25519PrivateKey.generate()
        public = private.public_key()
        return cls(thumbprint_kid(raw_public(public)), private, public)

    @property
    def public_raw(self) -> bytes:
        return raw_public(self.public)

    def jwk(self) -> dict[str, str]:
        return public_jwk(self.kid, self.public_raw)

    def encrypted_private(self, password: bytes) -> str:
        assert self.private is not None
        return self.private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(password),
        ).decode()

    @classmethod
    def from_stored(cls, kid: str, public: bytes, encrypted_private: str | None, password: bytes) -> SigningKey:
        public_key = Ed25519PublicKey.from_public_bytes(public)
        private = None
        if encrypted_private is not None:
            loaded = serialization.load_pem_private_key(encrypted_private.encode(), password=password)
            if not isinstance(loaded, Ed25519PrivateKey) or raw_public(loaded.public_key()) != public:
                raise ValueError(f"stored private key of {kid} does not match its public key")
            private = loaded
        return cls(kid, private, public_key)
