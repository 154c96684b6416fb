"""Links to a pass's QR image (that work in an <img>) and to its wallet files (that Safari
opens by navigation), which carry no credential.

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


def _signature(key: bytes, code: str, expires: int, purpose: str = "pass-qr") -> str:
    mac = hmac.new(key, f"{purpose}|{code}|{expires}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:18]).decode()


WALLETS = ("apple", "google")


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

    def wallet_url(self, code: str, wallet: str, expires: int) -> str:
        """A link to the pass's file for `wallet` ("apple", "google") until `expires` (a Unix
        time): an hour for a page, the pass's end for its e-mail. It opens that file only."""
        signature = _signature(self.key, code, expires, f"pass-wallet-{wallet}")
        return f"/api/v1/passes/{code}/wallet/{wallet}?expires={expires}&sig={signature}"

    def check_wallet(self, code: str, wallet: str, expires: int, signature: str, now: float) -> None:
        if not hmac.compare_digest(_signature(self.key, code, expires, f"pass-wallet-{wallet}"), signature):
            raise Problem(403, "wallet.link_invalid")
        if now >= expires:
            raise Problem(410, "wallet.link_expired")
