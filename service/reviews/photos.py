"""Photos for human review: only real JPEG/PNG images, re-encoded. No I/O.

Re-encoding drops whatever rode along in the file (EXIF with GPS position and
device, comments, trailing data) and caps the size kept until review.

A photo's perceptual hash (64-bit DCT hash of the upright image) survives
resizing, re-compression and small edits: at most `SAME_PHOTO_BITS` bits apart
two photos are the same picture (refused as already used); at most
`LOOKALIKE_BITS` apart (a crop, a filter) they are shown side by side to the
reviewer, who decides.
"""

from __future__ import annotations

import io
import warnings
from typing import NamedTuple

import imagehash
from PIL import Image, ImageOps, UnidentifiedImageError

from service.core.errors import Problem

MAX_UPLOAD_BYTES = 8 * 1024 * 1024
# A phone's photo is 12 MP (16 at most): a larger image is refused from its header, before
# any pixel is decoded.
MAX_PIXELS = 16_000_000
KEPT_LONG_SIDE = 2000
ACCEPTED_FORMATS = {"JPEG", "PNG"}
# Measured on generated ticket photos: resized to a third and re-saved at quality
# 60, 0–2 bits apart; a tenth cropped off, 4–16; unrelated ones, 20 and more (~29).
SAME_PHOTO_BITS = 3
LOOKALIKE_BITS = 16


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
    # Pillow writes what `info` carries (a JPEG comment, XMP, the ICC profile, EXIF) into
    # what it saves: none of it is kept.
    upright.info = {}
    out = io.BytesIO()
    upright.save(out, format="JPEG", quality=85, optimize=True, exif=b"", icc_profile=None)
    return out.getvalue()


class CleanPhoto(NamedTuple):
    jpeg: bytes
    phash: int


def prepare(data: bytes) -> CleanPhoto:
    """The clean photo and its perceptual hash, in one piece of heavy work (service.core.heavy)."""
    clean = sanitise(data)
    return CleanPhoto(clean, perceptual_hash(clean))


def perceptual_hash(clean_jpeg: bytes) -> int:
    """The 64-bit perceptual hash of a photo `sanitise` returned, as a signed integer (a bigint)."""
    with Image.open(io.BytesIO(clean_jpeg)) as image:
        bits = imagehash.phash(image).hash.flatten()
    value = int("".join("1" if bit else "0" for bit in bits), 2)
    return value - (1 << 64) if value >= 1 << 63 else value


def bits_apart(a: int, b: int) -> int:
    return ((a ^ b) & ((1 << 64) - 1)).bit_count()
