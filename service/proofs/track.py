"""A GPS track as numbers, and what smooths it. No I/O."""

from __future__ import annotations

import math
from array import array
from dataclasses import dataclass

import numpy as np

METRES_PER_DEGREE = 111_194.9


@dataclass(frozen=True)
class Track:
    """The points of a track in document order; times in seconds since the epoch, UTC."""

    lats: array
    lons: array
    times: array

    def __len__(self) -> int:
        return len(self.times)


def local_metres(lats: np.ndarray, lons: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """East and north of the first point, in metres (flat over a ride's few tens of kilometres)."""
    east = (lons - lons[0]) * METRES_PER_DEGREE * math.cos(math.radians(float(lats[0])))
    return east, (lats - lats[0]) * METRES_PER_DEGREE


def smoothed(track: Track, seconds: float) -> Track:
    """Each point moved to the mean of the points within ±seconds/2 of it: a receiver's
    fix-to-fix jitter averages out (and with it the length it adds to the path), the
    road's bends and the rider's stops stay. The times are the track's own."""
    times = np.asarray(track.times, dtype=float)
    low = np.searchsorted(times, times - seconds / 2, "left")
    high = np.searchsorted(times, times + seconds / 2, "right")

    def mean(values: array) -> array:
        totals = np.concatenate(([0.0], np.cumsum(np.asarray(values, dtype=float))))
        return array("d", ((totals[high] - totals[low]) / (high - low)).tolist())

    return Track(mean(track.lats), mean(track.lons), array("d", track.times))
