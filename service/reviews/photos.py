"""Photos for human review: only real JPEG/PNG images, re-encoded. No I/O.

Re-encoding drops whatever rode along in the file (EXIF with GPS position and
device, comments, trailing data) and caps the size kept until review.
"""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

from service.core.errors import Problem

MAX_UPLOAD_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000
KEPT_LONG_SIDE = 2000
ACCEPTED_FORMATS = {"JPEG", "PNG"}


def sanitise(data: bytes) -> bytes:
    """A clean JPEG of the uploaded photo, or a `proof.photo_*` refusal."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise Problem(422, "proof.photo_too_large", max_mb=MAX_UPLOAD_BYTES // (1024 * 1024))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in ACCEPTED_FORMATS:
                    raise Problem(422, "proof.photo_invalid")
                if probe.width * probe.height > MAX_PIXELS:
                    raise Problem(422, "proof.photo_too_large", max_mb=MAX_UPLOAD_BYTES // (1024 * 1024))
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                upright = ImageOps.exif_transpose(image).convert("RGB")
    except Problem:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombWarning,
        Image.DecompressionBombError,
    ) as exc:
        raise Problem(422, "proof.photo_invalid") from exc
    upright.thumbnail((KEPT_LONG_SIDE, KEPT_LONG_SIDE))
    out = io.BytesIO()
    upright.save(out, format="JPEG", quality=85, optimize=True)
    return out.getvalue()
