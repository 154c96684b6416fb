"""Distances on the Earth and points in polygons. No I/O."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

EARTH_RADIUS_KM = 6371.0088

LatLon = tuple[float, float]


def haversine_km(a: LatLon, b: LatLon) -> float:
    """Great-circle distance between two (lat, lon) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, h)))


def path_km(points: Iterable[LatLon]) -> float:
    """Length of the polyline through `points`, stop to stop."""
    total = 0.0
    previous: LatLon | None = None
    for point in points:
        if previous is not None:
            total += haversine_km(previous, point)
        previous = point
    return total


def point_in_polygon(point: LatLon, polygon: Sequence[LatLon]) -> bool:
    """Even-odd ray casting; fine for a department-sized polygon away from the poles."""
    lat, lon = point
    inside = False
    for (lat_a, lon_a), (lat_b, lon_b) in zip(polygon, (polygon[-1], *polygon[:-1]), strict=True):
        if (lat_a > lat) != (lat_b > lat):
            crossing_lon = lon_a + (lat - lat_a) * (lon_b - lon_a) / (lat_b - lat_a)
            if lon < crossing_lon:
                inside = not inside
    return inside


def nearest(point: LatLon, candidates: Iterable[tuple[LatLon, str]]) -> str | None:
    """The label of the candidate closest to `point`, None when there is none."""
    best: tuple[float, str] | None = None
    for position, label in candidates:
        distance = haversine_km(point, position)
        if best is None or distance < best[0]:
            best = (distance, label)
    return best[1] if best else None
