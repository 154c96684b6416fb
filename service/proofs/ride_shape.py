"""A ride's shape, free of its times and of its sampling, to tell a ride sent
again (re-timed, thinned, reversed, re-exported) from a new one. No I/O.

The path is resampled every `STEP_KM` along its length (so the number and the
times of the fixes do not matter), each sample falls in a cell of a
`CELL_DEGREES` grid (~550 m × 400 m in the Lot), and the ride is the SET of
cells it crosses (so its direction does not matter). Only keyed hashes of the
cells are kept — never a position — and not those of its first `TRIM_START_KM`,
which is usually the visitor's home.

The shape identifies a road, not a recording: hundreds of cyclists reach
Cahors along each of a handful of roads. It is the cheap first filter: a kept
ride is compared further (`ride_recording`) only when one of the two covers at
least `SAME_ROAD_SHARE` of the other, a cell counting as covered when the other
ride crosses it or one of its eight neighbours (GPS jitter and a re-export's
rounding move a point across a cell edge, not further). Two honest rides ending
at the same station the same hour by their own ways share their last kilometre
or two, far below it.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from service.core.geo import haversine_km

# Changing any of these makes every kept ride unrecognisable: they are part of the stored format.
STEP_KM = 0.1
CELL_DEGREES = 0.005
TRIM_START_KM = 1.0
# Rides sharing this much of one of them are on one road: their recordings are compared.
SAME_ROAD_SHARE = 0.5

Cell = tuple[int, int]


@dataclass(frozen=True)
class RideShape:
    """`cells`: the keyed hashes kept; `neighbourhoods`: per cell, the hashes of
    its 3×3 block, used to match and then forgotten."""

    cells: tuple[int, ...]
    neighbourhoods: tuple[frozenset[int], ...]

    def reach(self) -> frozenset[int]:
        """Every hash a kept ride must share with this one to be compared at all."""
        return frozenset().union(*self.neighbourhoods)

    def _coverages(self, kept: frozenset[int]) -> tuple[float, float]:
        """(share of the kept ride this one covers, share of this one the kept ride covers)."""
        if not kept or not self.cells:
            return 0.0, 0.0
        reach = self.reach()
        kept_covered = sum(1 for cell in kept if cell in reach) / len(kept)
        own_covered = sum(1 for block in self.neighbourhoods if block & kept) / len(self.neighbourhoods)
        return kept_covered, own_covered

    def share_with(self, kept: Iterable[int]) -> float:
        """How much of the two rides lie on each other, the smaller of the two shares."""
        return min(self._coverages(frozenset(kept)))

    def overlaps(self, kept: Iterable[int]) -> bool:
        """Whether the two rides share enough of a road (one may be the other cut short)
        for their recordings to be compared (`ride_recording`)."""
        return max(self._coverages(frozenset(kept))) >= SAME_ROAD_SHARE


def ride_shape(key: bytes, lats: Sequence[float], lons: Sequence[float]) -> RideShape:
    cells = sorted(crossed_cells(lats, lons))
    return RideShape(
        cells=tuple(cell_hash(key, cell) for cell in cells),
        neighbourhoods=tuple(
            frozenset(cell_hash(key, (lat + dlat, lon + dlon)) for dlat in (-1, 0, 1) for dlon in (-1, 0, 1))
            for lat, lon in cells
        ),
    )


def crossed_cells(lats: Sequence[float], lons: Sequence[float]) -> set[Cell]:
    """The grid cells of the path sampled every STEP_KM, its first TRIM_START_KM left out."""
    cells: set[Cell] = set()
    walked = 0.0
    next_sample = TRIM_START_KM
    for (lat1, lon1), (lat2, lon2) in pairwise(zip(lats, lons, strict=True)):
        step = haversine_km((lat1, lon1), (lat2, lon2))
        while step > 0 and next_sample <= walked + step:
            share = (next_sample - walked) / step
            cells.add(cell_of(lat1 + (lat2 - lat1) * share, lon1 + (lon2 - lon1) * share))
            next_sample += STEP_KM
        walked += step
    if walked > TRIM_START_KM:
        cells.add(cell_of(lats[-1], lons[-1]))
    return cells


def cell_of(lat: float, lon: float) -> Cell:
    return math.floor(lat / CELL_DEGREES), math.floor(lon / CELL_DEGREES)


def cell_hash(key: bytes, cell: Cell) -> int:
    digest = hmac.new(key, f"ride-cell\x1f{cell[0]}\x1f{cell[1]}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big", signed=True)
