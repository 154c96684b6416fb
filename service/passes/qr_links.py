"""Links to a pass's QR image that work in an <img> and carry no credential.

The QR image encodes the pass token, so its URL must not be one: `?token=` ends up
in access logs, browser history and Referer headers. A link is signed instead
(HMAC with a key derived from the deployment secret) over the pass code and an
expiry; it opens the image and nothing else — it cannot read or redeem the pass.
No I/O.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from typing import Final

from service.core.errors import Problem

# Long enough to show the image after a claim or a review answer; those answers
# give fresh links every time they are fetched.
LINK_SECONDS: Final = 3600


def _signature(key: bytes, code: str, expires: int) -> str:
    mac = hmac.new(key, f"pass-qr|{code}|{expires}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:18]).decode()


@dataclass(frozen=True)
class QrLinks:
    key: bytes
    seconds: int = LINK_SECONDS

    def url(self, code: str, fmt: str, now: float) -> str:
        expires = int(now) + self.seconds
        return f"/api/v1/passes/{code}/qr.{fmt}?expires={expires}&sig={_signature(self.key, code, expires)}"

    def check(self, code: str, expires: int, signature: str, now: float) -> None:
        """Refuse a link that was not signed here for this code (403), or is past its expiry (410)."""
        if not hmac.compare_digest(_signature(self.key, code, expires), signature):
            raise Problem(403, "qr.link_invalid")
        if now >= expires:
            raise Problem(410, "qr.link_expired")
