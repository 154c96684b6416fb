"""Photos for human review: only real JPEG/PNG images, re-encoded. No I/O.

Re-encoding drops whatever rode along in the file (EXIF with GPS position and
device, comments, trailing data) and caps the size kept until review.

A photo's perceptual hashes (DCT hashes of the upright image) survive resizing,
re-compression and small edits. The 64-bit one sees the picture's layout; the
256-bit ("fine") one also sees the ticket in it: at most `SAME_PHOTO_FINE_BITS`
apart two photos are the same picture (refused as already used). Two screenshots of
one app share its frame, hence their layout (the 64-bit hashes 4–16 bits apart), but
not their tickets; a crop shares the ticket but not the layout. So a photo also keeps
the fine hashes of itself cut by up to `CROP_STEPS` on each side: a photo within
`LOOKALIKE_BITS` of an earlier one's layout, whose fine hash is within
`CROPPED_FINE_BITS` of one of the other's cuts, is shown beside it to the reviewer.
"""

from __future__ import annotations

import io
import itertools
import warnings
from typing import NamedTuple

import imagehash
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from service.core.errors import Problem

MAX_UPLOAD_BYTES = 8 * 1024 * 1024
# A phone's photo is 12 MP (16 at most): a larger image is refused from its header, before
# any pixel is decoded.
MAX_PIXELS = 16_000_000
KEPT_LONG_SIDE = 2000
ACCEPTED_FORMATS = {"JPEG", "PNG"}
# Measured in tests/test_reuse.py on generated ticket photos and app screenshots.
# 64-bit: resized and re-saved 0–2 apart; a tenth cropped off 2–16; unrelated photos 20
# and more. `SAME_PHOTO_BITS` judges the photos kept before the fine hash existed.
SAME_PHOTO_BITS = 3
LOOKALIKE_BITS = 16
# 256-bit: resized, re-saved or brightened 0–4 apart; cut by up to 8 % a side, 6–32 from
# the nearest of the other's cuts; screenshots of one app with other tickets 54 and more.
FINE_HASH_SIZE = 16
FINE_HASH_BYTES = FINE_HASH_SIZE * FINE_HASH_SIZE // 8
SAME_PHOTO_FINE_BITS = 24
CROPPED_FINE_BITS = 40
CROP_STEPS = (0.0, 0.04, 0.08)
_CUTS_FROM = 384  # cuts are hashed from a copy this wide: the hash reads 64 pixels


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
    # the fine hashes of the photo (first) and of its cuts, FINE_HASH_BYTES each
    cuts: bytes

    @property
    def fine(self) -> str:
        """The photo's fine hash as a PostgreSQL bit string."""
        return fine_bit_string(self.cuts[:FINE_HASH_BYTES])


def prepare(data: bytes) -> CleanPhoto:
    """The clean photo and its perceptual hashes, in one piece of heavy work (service.core.heavy)."""
    clean = sanitise(data)
    with Image.open(io.BytesIO(clean)) as image:
        image.load()
        return CleanPhoto(clean, _phash64(image), _cut_hashes(image))


def perceptual_hash(clean_jpeg: bytes) -> int:
    """The 64-bit perceptual hash of a photo `sanitise` returned, as a signed integer (a bigint)."""
    with Image.open(io.BytesIO(clean_jpeg)) as image:
        return _phash64(image)


def _phash64(image: Image.Image) -> int:
    bits = imagehash.phash(image).hash.flatten()
    value = int("".join("1" if bit else "0" for bit in bits), 2)
    return value - (1 << 64) if value >= 1 << 63 else value


def _cut_hashes(image: Image.Image) -> bytes:
    """The fine hashes of a clean photo, uncut first, then cut by each combination of
    `CROP_STEPS` on its four sides."""
    small = image.convert("L")
    small.thumbnail((_CUTS_FROM, _CUTS_FROM))
    width, height = small.size
    out = bytearray()
    for left, top, right, bottom in itertools.product(CROP_STEPS, repeat=4):
        box = (round(width * left), round(height * top), round(width * (1 - right)), round(height * (1 - bottom)))
        out += np.packbits(imagehash.phash(small.crop(box), hash_size=FINE_HASH_SIZE).hash.flatten()).tobytes()
    return bytes(out)


def fine_bit_string(fine: bytes) -> str:
    return "".join(f"{byte:08b}" for byte in fine)


def cropped_bits_apart(a_cuts: bytes, b_cuts: bytes) -> int:
    """How far one photo is from the nearest cut of the other, either way round."""
    a, b = _fine_hashes(a_cuts), _fine_hashes(b_cuts)
    return min(min((a[0] ^ cut).bit_count() for cut in b), min((b[0] ^ cut).bit_count() for cut in a))


def _fine_hashes(cuts: bytes) -> list[int]:
    return [int.from_bytes(cuts[i : i + FINE_HASH_BYTES]) for i in range(0, len(cuts), FINE_HASH_BYTES)]


def bits_apart(a: int, b: int) -> int:
    return ((a ^ b) & ((1 << 64) - 1)).bit_count()
