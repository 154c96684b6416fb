"""Find and read a ticket barcode (Aztec, PDF417 or QR) in an uploaded PNG/JPEG
image or PDF, returning its raw BYTES (UIC 918.3 content is binary). No I/O
besides the bytes given; CPU-bound, so callers run it in a worker thread.

Guards: the upload size, the image's pixel count (read from its header before
any pixel is decoded), Pillow's decompression-bomb check, the number of PDF
pages rendered and the pixels of each rendered page (the DPI is lowered for
huge pages rather than rendering them whole).
"""

from __future__ import annotations

import io
import warnings

import pypdfium2
import zxingcpp
from PIL import Image

from service.core.errors import Problem
from service.proofs.rail import dosipas
from service.settings import RailBarcodeConfig

FORMATS = (zxingcpp.BarcodeFormat.Aztec, zxingcpp.BarcodeFormat.PDF417, zxingcpp.BarcodeFormat.QRCode)
# Contents recognised as tickets, preferred over any other code on the page.
TICKET_PREFIXES = (b"#UT", b"i0CV", b"i1CV", b"2200")


def looks_like_ticket(content: bytes) -> bool:
    return content.startswith(TICKET_PREFIXES) or dosipas.is_dosipas(content)


PNG = b"\x89PNG\r\n\x1a\n"
JPEG = b"\xff\xd8\xff"
PDF = b"%PDF-"


def read_ticket_barcode(upload: bytes, limits: RailBarcodeConfig) -> bytes:
    if len(upload) > limits.max_upload_bytes:
        raise _too_large(limits)
    if upload.startswith(PDF):
        contents = _read_pdf(upload, limits)
    elif upload.startswith(PNG) or upload.startswith(JPEG):
        contents = _read_image(_open_image(upload, limits))
    else:
        raise Problem(422, "proof.upload_unsupported")
    tickets = [content for content in contents if looks_like_ticket(content)]
    if tickets or contents:
        return (tickets or contents)[0]
    raise Problem(422, "proof.barcode_not_found")


def _read_image(image: Image.Image) -> list[bytes]:
    return [bytes(barcode.bytes) for barcode in zxingcpp.read_barcodes(image, formats=FORMATS)]


def _open_image(upload: bytes, limits: RailBarcodeConfig) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(upload), formats=("PNG", "JPEG"))
            width, height = image.size
            if width * height > limits.max_image_pixels:
                raise _too_large(limits)
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _too_large(limits) from exc
    except (OSError, ValueError, SyntaxError) as exc:
        raise Problem(422, "proof.upload_unsupported", reason=str(exc)) from exc
    return image.convert("L")


def _read_pdf(upload: bytes, limits: RailBarcodeConfig) -> list[bytes]:
    """Barcodes of the first pages, stopping at the first page that has a ticket."""
    try:
        document = pypdfium2.PdfDocument(upload)
    except pypdfium2.PdfiumError as exc:
        raise Problem(422, "proof.upload_unsupported", reason=str(exc)) from exc
    contents: list[bytes] = []
    try:
        for index in range(min(len(document), limits.pdf_max_pages)):
            page = document[index]
            width_pt, height_pt = page.get_size()
            scale = limits.pdf_dpi / 72
            pixels = width_pt * height_pt * scale * scale
            if pixels > limits.pdf_max_render_pixels:
                scale *= (limits.pdf_max_render_pixels / pixels) ** 0.5 * 0.99  # pdfium rounds sides up
            contents += _read_image(page.render(scale=scale, grayscale=True).to_pil())
            if any(looks_like_ticket(content) for content in contents):
                break
    finally:
        document.close()
    return contents


def _too_large(limits: RailBarcodeConfig) -> Problem:
    return Problem(
        422,
        "proof.upload_too_large",
        max_mb=round(limits.max_upload_bytes / 1_048_576, 1),
        max_megapixels=round(limits.max_image_pixels / 1_000_000, 1),
    )
