"""What tells one recording of a road from another: the road is shared by every
cyclist who takes it, a recording is not. No I/O.

`ride_shape` says whether two rides share a road (the cheap first filter). Two
recordings of that road are then compared by what a copy of one file keeps —
re-timed, scaled, thinned, jittered, cut short or rounded — and what two riders
never share:

- **Marks**, the time profile along the road: for each ~500 m cell of the
  shape (its keyed hash, as in `ride_shape`), the moment the rider was in the
  middle of it, in seconds from the start of the recording. A copy's marks are
  the original's up to a shift and a scale (a reversed copy: a negative scale);
  fitted so, they stay within a few seconds (`time_gap`). Two riders have their
  own pace that drifts, climbs that slow them their own way, stops of their
  own: their fit is tens of seconds apart, or more.
- **Wobble**, the receiver's own error: every fix's sideways offset from a local
  curve fitted through its neighbours (±`WOBBLE_FIT_SECONDS`), averaged per
  `WOBBLE_BIN_SECONDS` of the recording. The error of a GPS receiver wanders
  with a memory of tens of seconds; added jitter is fresh at every fix and
  does not erase it. Companions riding side by side keep their own receivers:
  their marks agree, their wobbles do not. Bends sharper than
  `MAX_CURVATURE_PER_M` are left out: there the fitted curve, not the receiver,
  makes the offset, and every rider of the road would share it.

Only numbers are kept — keyed cell hashes, seconds and decimetres — never a
position, and not the first `TRIM_START_KM` (usually the visitor's home).

The verdict (`judge`): marks that do not fit (`time_gap` above
`SAME_PACE_SECONDS`) make another recording. Marks that fit and a wobble that
agrees (`COPY_CORRELATION`) make a copy: refused. Marks that fit with no
wobble to compare (too sparse a track) or one that does not agree (a
companion, or a copy too blurred to prove) go to a person.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from service.proofs.ride_shape import TRIM_START_KM, cell_hash, cell_of
from service.proofs.track import Track, local_metres

# Part of the stored format, like ride_shape's constants.
MARK_STEP_M = 20.0
WOBBLE_BIN_SECONDS = 5
WOBBLE_FIT_SECONDS = 15.0
# The marks' fit places a recording within a few seconds: the wobbles are compared this far either way.
WOBBLE_SLACK_SECONDS = (-5.0, -2.5, 0.0, 2.5, 5.0)
# A track sampled more sparsely than this has no wobble to speak of.
WOBBLE_MAX_SAMPLING_SECONDS = 12.0
MAX_CURVATURE_PER_M = 1 / 150
MIN_MOVING_M_PER_S = 2.0
# The verdict's thresholds (docs/PROOFS.md gives the rates measured with them).
MIN_SHARED_MARKS = 8
SAME_PACE_SECONDS = 4.0
COPY_CORRELATION = 0.3
MIN_WOBBLE_PAIRS = 60
# A scale of times beyond this is no copy of a bike ride (and keeps the fit sane).
MAX_SCALE = 2.5


@dataclass(frozen=True)
class Recording:
    """`mark_cells[i]` was crossed at `mark_seconds[i]`; `wobble` in decimetres per
    bin from the first fix (None: not measured there), or None for a sparse track."""

    mark_cells: tuple[int, ...]
    mark_seconds: tuple[float, ...]
    wobble: tuple[int | None, ...] | None


@dataclass(frozen=True)
class Likeness:
    """How two recordings of one road compare."""

    shared_marks: int
    time_gap_seconds: float
    scale: float
    wobble_correlation: float | None

    @property
    def verdict(self) -> Literal["other", "copy", "unsure"]:
        if self.shared_marks < MIN_SHARED_MARKS or self.time_gap_seconds > SAME_PACE_SECONDS:
            return "other"
        if self.wobble_correlation is not None and self.wobble_correlation >= COPY_CORRELATION:
            return "copy"
        return "unsure"


def recording(key: bytes, track: Track, smooth: Track) -> Recording:
    """The recording's marks (from `smooth`, the track with its jitter averaged out) and its wobble."""
    cells, seconds = _marks(key, smooth, track.times[0])
    return Recording(cells, seconds, _wobble(track))


def _marks(key: bytes, smooth: Track, origin: float) -> tuple[tuple[int, ...], tuple[float, ...]]:
    lats, lons, times = (np.asarray(values, dtype=float) for values in (smooth.lats, smooth.lons, smooth.times))
    x, y = local_metres(lats, lons)
    walked = np.concatenate(([0.0], np.cumsum(np.hypot(np.diff(x), np.diff(y)))))
    at = np.arange(TRIM_START_KM * 1000, walked[-1], MARK_STEP_M)
    first: dict[tuple[int, int], float] = {}
    last: dict[tuple[int, int], float] = {}
    for lat, lon, moment in zip(
        np.interp(at, walked, lats), np.interp(at, walked, lons), np.interp(at, walked, times), strict=True
    ):
        cell = cell_of(float(lat), float(lon))
        first.setdefault(cell, float(moment))
        last[cell] = float(moment)
    middles = sorted(((first[cell] + last[cell]) / 2 - origin, cell_hash(key, cell)) for cell in first)
    return tuple(cell for _, cell in middles), tuple(round(moment, 1) for moment, _ in middles)


def _wobble(track: Track) -> tuple[int | None, ...] | None:
    times = np.asarray(track.times, dtype=float)
    sampling = float(np.median(np.diff(times)))
    if sampling > WOBBLE_MAX_SAMPLING_SECONDS:
        return None
    half = max(2, round(WOBBLE_FIT_SECONDS / sampling))
    if len(times) < 2 * half + 1:
        return None
    x, y = local_metres(np.asarray(track.lats, dtype=float), np.asarray(track.lons, dtype=float))
    # each fix with its neighbours, times counted from the fix: a quadratic through them
    window_times, window_x, window_y = (sliding_window_view(values, 2 * half + 1) for values in (times, x, y))
    offsets = window_times - window_times[:, half : half + 1]
    design = np.stack([np.ones_like(offsets), offsets, offsets * offsets], axis=-1)
    normal = np.einsum("kwi,kwj->kij", design, design)
    # a window across a gap in the recording fits nothing
    usable = window_times[:, -1] - window_times[:, 0] <= 3 * WOBBLE_FIT_SECONDS
    normal[~usable] = np.eye(3)
    fit_x = np.linalg.solve(normal, np.einsum("kwi,kw->ki", design, window_x)[..., None])[..., 0]
    fit_y = np.linalg.solve(normal, np.einsum("kwi,kw->ki", design, window_y)[..., None])[..., 0]
    speed = np.hypot(fit_x[:, 1], fit_y[:, 1])
    with np.errstate(divide="ignore", invalid="ignore"):
        sideways = (
            (window_x[:, half] - fit_x[:, 0]) * -fit_y[:, 1] + (window_y[:, half] - fit_y[:, 0]) * fit_x[:, 1]
        ) / speed
        curvature = np.abs(fit_x[:, 1] * 2 * fit_y[:, 2] - fit_y[:, 1] * 2 * fit_x[:, 2]) / speed**3
    usable &= (speed > MIN_MOVING_M_PER_S) & (curvature < MAX_CURVATURE_PER_M) & np.isfinite(sideways)
    bins = int((times[-1] - times[0]) // WOBBLE_BIN_SECONDS) + 1
    index = ((window_times[usable, half] - times[0]) // WOBBLE_BIN_SECONDS).astype(int)
    sums = np.bincount(index, sideways[usable], bins)
    counts = np.bincount(index, None, bins)
    return tuple(
        None if count == 0 else max(-32000, min(32000, round(total / count * 10)))
        for total, count in zip(sums, counts, strict=True)
    )


def compare(new: Recording, kept: Recording) -> Likeness:
    kept_seconds = dict(zip(kept.mark_cells, kept.mark_seconds, strict=True))
    pairs = [
        (mine, kept_seconds[cell])
        for cell, mine in zip(new.mark_cells, new.mark_seconds, strict=True)
        if cell in kept_seconds
    ]
    if len(pairs) < MIN_SHARED_MARKS:
        return Likeness(len(pairs), math.inf, 0.0, None)
    mine, theirs = (np.array(values) for values in zip(*pairs, strict=True))
    if np.ptp(theirs) == 0:
        return Likeness(len(pairs), math.inf, 0.0, None)
    scale, shift, gap = _fit_times(mine, theirs)
    if not 1 / MAX_SCALE <= abs(scale) <= MAX_SCALE:
        return Likeness(len(pairs), math.inf, scale, None)
    return Likeness(len(pairs), gap, scale, _wobble_correlation(new.wobble, kept.wobble, scale, shift))


def _fit_times(mine: np.ndarray, theirs: np.ndarray) -> tuple[float, float, float]:
    """mine ≈ scale × theirs + shift, fitted on the 80 % of the marks that agree best
    (a cell grazed at its edge, or cut by a bend, is a mark of little weight); the gap
    is what remains, root mean square."""
    agree = np.ones(len(mine), dtype=bool)
    for _ in range(3):
        scale, shift = np.polyfit(theirs[agree], mine[agree], 1)
        misses = np.abs(mine - (scale * theirs + shift))
        agree = misses <= np.quantile(misses, 0.8)
    scale, shift = np.polyfit(theirs[agree], mine[agree], 1)
    misses = mine[agree] - (scale * theirs[agree] + shift)
    return float(scale), float(shift), float(np.sqrt(np.mean(misses**2)))


def _wobble_correlation(
    new: Sequence[int | None] | None, kept: Sequence[int | None] | None, scale: float, shift: float
) -> float | None:
    """The two wobbles side by side once the new recording's times are put on the kept
    one's by the marks' fit, give or take `WOBBLE_SLACK_SECONDS` (a fix's offset from a
    curve through its neighbours swings from one bin to the next: a few seconds out of
    step, two copies would not compare); a reversed ride's sideways is the other side."""
    if new is None or kept is None or len(kept) < 2:
        return None
    mine = np.array([np.nan if value is None else value for value in new], dtype=float)
    theirs = np.array([np.nan if value is None else value for value in kept], dtype=float)
    side = math.copysign(1.0, scale)
    best = None
    for slack in WOBBLE_SLACK_SECONDS:
        at = ((np.arange(len(mine)) + 0.5) * WOBBLE_BIN_SECONDS - shift - slack) / scale / WOBBLE_BIN_SECONDS - 0.5
        below = np.floor(at).astype(int)
        inside = (below >= 0) & (below + 1 < len(theirs))
        below = np.clip(below, 0, len(theirs) - 2)
        share = at - below
        across = theirs[below] * (1 - share) + theirs[below + 1] * share
        paired = inside & np.isfinite(across) & np.isfinite(mine)
        if paired.sum() < MIN_WOBBLE_PAIRS:
            continue
        a, b = side * mine[paired], across[paired]
        if np.std(a) == 0 or np.std(b) == 0:
            continue
        correlation = float(np.corrcoef(a, b)[0, 1])
        best = correlation if best is None else max(best, correlation)
    return best


def alike(new: Recording, kept: Iterable[tuple[int, Recording]]) -> list[tuple[int, Likeness]]:
    """The kept recordings (by proof id) that may be this one: copies first, then by time gap."""
    found = [(proof_id, compare(new, other)) for proof_id, other in kept]
    found = [(proof_id, likeness) for proof_id, likeness in found if likeness.verdict != "other"]
    return sorted(found, key=lambda item: (item[1].verdict != "copy", item[1].time_gap_seconds))
