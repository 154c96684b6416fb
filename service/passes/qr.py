"""QR images of a pass token, as SVG and PNG. No I/O."""

from __future__ import annotations

import io

import qrcode
import qrcode.constants
import qrcode.image.svg

ERROR_CORRECTION = qrcode.constants.ERROR_CORRECT_M


def _qr(token: str, box_size: int) -> qrcode.QRCode:
    qr = qrcode.QRCode(error_correction=ERROR_CORRECTION, box_size=box_size, border=4)
    qr.add_data(token.encode("ascii"), optimize=0)
    qr.make(fit=True)
    return qr


def version(token: str) -> int:
    return _qr(token, 1).version


def svg(token: str) -> bytes:
    image = _qr(token, 10).make_image(image_factory=qrcode.image.svg.SvgPathImage)
    return image.to_string(encoding="unicode").encode()


def png(token: str, box_size: int = 8) -> bytes:
    buffer = io.BytesIO()
    _qr(token, box_size).make_image().save(buffer, format="PNG")
    return buffer.getvalue()
