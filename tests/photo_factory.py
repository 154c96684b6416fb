"""Generated photos for the `manual` tests: a ticket-like picture (a light page
with blocks of "text" and a barcode-like patch) that differs by its seed, and
the edits a cheat makes to send it again."""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw


def ticket_photo(seed: int | str, size: tuple[int, int] = (1200, 900), format: str = "JPEG") -> bytes:
    rng = random.Random(str(seed))
    image = Image.new("RGB", size, (rng.randint(200, 255), rng.randint(200, 255), rng.randint(190, 240)))
    draw = ImageDraw.Draw(image)
    width, height = size
    for _ in range(rng.randint(6, 12)):
        x, y = rng.randint(0, width * 3 // 4), rng.randint(0, height * 3 // 4)
        w, h = rng.randint(width // 10, width // 2), rng.randint(height // 30, height // 6)
        shade = rng.randint(0, 160)
        draw.rectangle((x, y, x + w, y + h), fill=(shade, shade, rng.randint(0, 200)))
    x0, y0, cell = rng.randint(0, width // 2), rng.randint(0, height // 2), max(size) // 60
    for row in range(12):
        for column in range(12):
            if rng.random() < 0.5:
                draw.rectangle(
                    (x0 + column * cell, y0 + row * cell, x0 + (column + 1) * cell, y0 + (row + 1) * cell), fill="black"
                )
    return save(image, format)


def save(image: Image.Image, format: str = "JPEG", quality: int = 90) -> bytes:
    out = io.BytesIO()
    image.save(out, format=format, **({"quality": quality} if format == "JPEG" else {}))
    return out.getvalue()


def resized(photo: bytes, scale: float, quality: int = 60) -> bytes:
    with Image.open(io.BytesIO(photo)) as image:
        return save(image.resize((round(image.width * scale), round(image.height * scale))), quality=quality)


def cropped(photo: bytes, share: float) -> bytes:
    """The photo with `share` of its width and height cut off, half on each side."""
    with Image.open(io.BytesIO(photo)) as image:
        dx, dy = round(image.width * share / 2), round(image.height * share / 2)
        return save(image.crop((dx, dy, image.width - dx, image.height - dy)))


# The OT pages' tests' photos: 26+ bits of perceptual hash from every other test's photo (and
# crop) and from each other, so no test's list of look-alikes meets them; a random seed would,
# about once in 60 runs.
OFFICE_PHOTO_SEEDS = {"approve": "office-approve-1", "reject": "office-reject-25", "lookalike": "office-lookalike-45"}
