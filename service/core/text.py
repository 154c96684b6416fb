"""Names written alike, whatever their accents, dashes, case and spacing."""

from __future__ import annotations

import re
import unicodedata


def place_name(name: str) -> str:
    """A place's name written alike whatever its dashes, accents, case and spacing:
    « Figeac – Gare routière » and « Figeac - Gare routiere » are one name."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    letters = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(re.sub(r"[^0-9a-z]+", " ", letters).split())
