"""Generated photos for the `manual` tests: a ticket-like picture (a light page
with blocks of "text" and a barcode-like patch) that differs by its seed, a phone
screenshot of one rail app whose ticket differs by its seed, and the edits a cheat
makes to send either again."""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw, ImageEnhance


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


def app_screenshot(seed: int | str, size: tuple[int, int] = (540, 1170)) -> bytes:
    """A screenshot of one ticket app: its frame (status bar, coloured header, card, tab bar)
    is the same for every seed; the passenger, the date, the train and the 2D code are not."""
    rng = random.Random(f"app-{seed}")
    width, height = size
    image = Image.new("RGB", size, (242, 244, 246))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width, height // 30), fill=(20, 20, 20))  # status bar
    draw.rectangle((0, height // 30, width, height // 7), fill=(12, 131, 138))  # header
    draw.rectangle((width // 20, height // 24, width // 2, height // 14), fill=(235, 250, 250))  # app title
    card = (width // 24, height // 6, width - width // 24, height * 5 // 6)
    draw.rounded_rectangle(card, radius=width // 30, fill="white")
    line_height, left = height // 45, card[0] + width // 20
    for index in range(9):  # the ticket's lines: same places, other words
        top = card[1] + height // 40 + index * line_height * 3 // 2
        words, x = rng.randint(2, 5), left
        for _ in range(words):
            w = rng.randint(width // 14, width // 4)
            if x + w > card[2] - width // 20:
                break
            shade = 30 if index % 3 == 0 else 110
            draw.rectangle((x, top, x + w, top + line_height * 2 // 3), fill=(shade, shade, shade + 10))
            x += w + width // 40
    cells, cell = 27, width * 3 // 5 // 27  # the ticket's 2D code, in the card's lower half
    x0, y0 = (width - cells * cell) // 2, card[1] + (card[3] - card[1]) // 2
    for row in range(cells):
        for column in range(cells):
            finder = min(row, column, cells - 1 - row, cells - 1 - column) < 1
            if finder or rng.random() < 0.5:
                box = (x0 + column * cell, y0 + row * cell, x0 + (column + 1) * cell - 1, y0 + (row + 1) * cell - 1)
                draw.rectangle(box, fill="black")
    draw.rectangle((0, height * 11 // 12, width, height), fill="white")  # tab bar and its icons
    for tab in range(4):
        cx = width * (2 * tab + 1) // 8
        draw.ellipse((cx - 18, height * 11 // 12 + 20, cx + 18, height * 11 // 12 + 56), fill=(12, 131, 138))
    return save(image, "PNG")


def save(image: Image.Image, format: str = "JPEG", quality: int = 90) -> bytes:
    out = io.BytesIO()
    image.save(out, format=format, **({"quality": quality} if format == "JPEG" else {}))
    return out.getvalue()


def resized(photo: bytes, scale: float, quality: int = 60) -> bytes:
    with Image.open(io.BytesIO(photo)) as image:
        return save(image.resize((round(image.width * scale), round(image.height * scale))), quality=quality)


def brightened(photo: bytes, factor: float) -> bytes:
    with Image.open(io.BytesIO(photo)) as image:
        return save(ImageEnhance.Brightness(image.convert("RGB")).enhance(factor))


def cut(photo: bytes, *, left: float = 0, top: float = 0, right: float = 0, bottom: float = 0) -> bytes:
    """The photo with these shares of its width and height cut off its sides."""
    with Image.open(io.BytesIO(photo)) as image:
        w, h = image.size
        box = (round(w * left), round(h * top), round(w * (1 - right)), round(h * (1 - bottom)))
        return save(image.convert("RGB").crop(box))


def cropped(photo: bytes, share: float) -> bytes:
    """The photo with `share` of its width and height cut off, half on each side."""
    with Image.open(io.BytesIO(photo)) as image:
        dx, dy = round(image.width * share / 2), round(image.height * share / 2)
        return save(image.crop((dx, dy, image.width - dx, image.height - dy)))


# The OT pages' tests' photos: 26+ bits of perceptual hash from every other test's photo (and
# crop) and from each other, so no test's list of look-alikes meets them; a random seed would,
# about once in 60 runs.
OFFICE_PHOTO_SEEDS = {"approve": "office-approve-1", "reject": "office-reject-25", "lookalike": "office-lookalike-45"}
