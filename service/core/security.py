"""The headers of a public site, set on every answer in one place (the ASGI wrapper of
service.core.observe), and what "our origin" and "over https" mean.

- `X-Content-Type-Options: nosniff` on every answer: no browser guesses a type.
- HSTS when the request came over https: the trusted proxy's `X-Forwarded-Proto`
  (uvicorn turns it into the scope's scheme) or an https `TBC_PUBLIC_URL`.
- `Cache-Control: no-store` on what staff (or a pass holder) asked with a credential,
  and on the OT's pages: nothing personal stays in a shared or back-button cache. The
  partner desk's page is the shell its service worker keeps to open offline: it holds
  nobody's data and says `private, no-cache` itself; the hashed files under /static keep
  their year-long cache even when a signed-in browser asks for them.
- An HTML answer without a policy of its own (the API's Swagger UI, Litestar's own
  pages) gets the pages' CSP, `frame-ancestors 'none'` included.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from litestar.types import Scope


# The pages' policy: scripts and styles only from our own files (no inline script).
def content_security_policy(image_origins: tuple[str, ...] = ()) -> str:
    """Our own resources only; a page that shows a map adds its tiles' origin for images."""
    images = " ".join(("'self'", "data:", *image_origins))
    return (
        f"default-src 'self'; img-src {images}; object-src 'none'; base-uri 'none';"
        " form-action 'self'; frame-ancestors 'none'"
    )


CONTENT_SECURITY_POLICY = content_security_policy()
HSTS = b"max-age=31536000; includeSubDomains"
_NOSNIFF = (b"x-content-type-options", b"nosniff")


def origin_of(url: str) -> str:
    """`https://tbc.example.org/path` → `https://tbc.example.org` (the form of an Origin header)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def over_https(scope: Scope, public_url: str) -> bool:
    return scope.get("scheme") == "https" or public_url.startswith("https://")


def _credentialed(scope: Scope, path: str) -> bool:
    """An API answer asked with a staff or pass credential, or an OT page. (Not the files
    under /static, which a signed-in browser asks with its cookie too, nor the desk's page:
    see above.)"""
    if path == "/ot" or path.startswith("/ot/"):
        return True
    if not path.startswith("/api/"):
        return False
    for name, value in scope.get("headers", ()):
        if name == b"authorization" or (name == b"cookie" and b"tbc_staff=" in value):
            return True
    return False


def secure_headers(scope: Scope, headers: list[tuple[bytes, bytes]], public_url: str) -> list[tuple[bytes, bytes]]:
    """The answer's headers with those of a public site added (an answer's own choice of
    CSP stands; a staff answer's cache policy is replaced)."""
    names = {name.lower() for name, _ in headers}
    extra: list[tuple[bytes, bytes]] = []
    if b"x-content-type-options" not in names:
        extra.append(_NOSNIFF)
    if over_https(scope, public_url) and b"strict-transport-security" not in names:
        extra.append((b"strict-transport-security", HSTS))
    if _credentialed(scope, scope.get("path", "")):
        headers = [(name, value) for name, value in headers if name.lower() != b"cache-control"]
        extra.append((b"cache-control", b"no-store"))
    if b"content-security-policy" not in names and _is_html(headers):
        extra.append((b"content-security-policy", CONTENT_SECURITY_POLICY.encode()))
    return [*headers, *extra] if extra else headers


def _is_html(headers: list[tuple[bytes, bytes]]) -> bool:
    return any(name.lower() == b"content-type" and value.startswith(b"text/html") for name, value in headers)
