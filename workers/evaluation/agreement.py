"""Where two people's segments of one video differ: label-first optimal matching, boundary offsets, boundary F1 and
duration-weighted agreement. Pure NumPy/SciPy; the backend (quality/selectors_agreement.py) feeds it rows and pools the results.

Definitions (``a`` is one side, ``b`` the other; against the reference, ``a`` is the annotator and ``b`` the final
or gold answer):

* **Matching.** Segments are ``(label, start, end)``. Only segments with the same label can pair (label first). Per
  label, the pairs are the assignment that maximises the summed tIoU (Hungarian method,
  ``scipy.optimize.linear_sum_assignment``) over the pairs whose tIoU exceeds ``min_tiou`` (default 0: any overlap);
  a pair at or below it counts as zero in the assignment and is left unmatched. Unlike matching.py's greedy rule, a
  segment never takes the partner that a neighbour needed more (see the test with a chain of three).
* **Offsets.** For a matched pair, ``start offset = a.start - b.start`` and ``end offset = a.end - b.end`` in
  seconds: positive means ``a`` starts (ends) later. Summaries give the median and the 90th percentile of the
  absolute offsets (NumPy's default linear interpolation) and the mean signed offset (a consistent early or late bias).
* **Boundary F1 at tolerance τ.** Each segment has two boundaries, its start and its end. A boundary of ``a`` is
  *hit* when its segment is matched and the same boundary (start with start, end with end) of the partner lies within
  τ seconds (``|offset| <= τ``). Hits are one-to-one because the matching is. Precision = hits / (2 · |a|),
  recall = hits / (2 · |b|), F1 their harmonic mean. Both sides empty: 1.0 (they agree there is nothing); one side
  empty: 0.0.
* **Duration-weighted agreement.** Per label, each side's segments are merged into the set of labelled time; the
  agreement is ``Σ_label |A ∩ B| / Σ_label |A ∪ B|`` in seconds (a temporal Jaccard index weighted by duration, so a
  long action counts more than a short one). Nothing labelled on either side: 1.0.

Pooling over videos (``agreement_summary``) adds counts (hits, boundaries, seconds) before dividing, so a video with
many segments weighs more than one with a single segment.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from workers.evaluation.tiou import pairwise_tiou

BOUNDARY_TOLERANCES = (0.5, 1.0, 2.0)  # seconds

LabelledSegment = tuple[str, float, float]  # (label, start, end)


@dataclass(frozen=True)
class Match:
    a: int  # index into a
    b: int  # index into b
    label: str
    tiou: float
    start_offset: float  # a.start - b.start
    end_offset: float  # a.end - b.end


@dataclass(frozen=True)
class PairAgreement:
    """One video, two sides: the matches and the counts that pool over videos."""

    matches: tuple[Match, ...]
    a_segments: int
    b_segments: int
    boundary_hits: dict[float, int]  # tolerance -> hit boundaries
    intersection_seconds: float  # Σ_label |A ∩ B|
    union_seconds: float  # Σ_label |A ∪ B|

    def boundary_f1(self, tolerance: float) -> float:
        return _f1(self.boundary_hits[tolerance], 2 * self.a_segments, 2 * self.b_segments)

    @property
    def weighted_agreement(self) -> float:
        return self.intersection_seconds / self.union_seconds if self.union_seconds > 0 else 1.0


def _f1(hits: int, a_total: int, b_total: int) -> float:
    if a_total == 0 and b_total == 0:
        return 1.0
    precision = hits / a_total if a_total else 0.0
    recall = hits / b_total if b_total else 0.0
    return 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0


def match_labelled(
    *, a: Sequence[LabelledSegment], b: Sequence[LabelledSegment], min_tiou: float = 0.0
) -> tuple[Match, ...]:
    """Label-first one-to-one matching maximising summed tIoU; pairs with tIoU <= ``min_tiou`` stay unmatched."""
    from scipy.optimize import linear_sum_assignment

    by_label_a: dict[str, list[int]] = defaultdict(list)
    by_label_b: dict[str, list[int]] = defaultdict(list)
    for i, (label, _, _) in enumerate(a):
        by_label_a[label].append(i)
    for j, (label, _, _) in enumerate(b):
        by_label_b[label].append(j)
    matches: list[Match] = []
    for label in sorted(set(by_label_a) & set(by_label_b)):
        rows, cols = by_label_a[label], by_label_b[label]
        tiou = pairwise_tiou(segments=[(a[i][1], a[i][2]) for i in rows], candidates=[(b[j][1], b[j][2]) for j in cols])
        weight = np.where(tiou > min_tiou, tiou, 0.0)
        for r, c in zip(*linear_sum_assignment(weight, maximize=True), strict=True):
            if weight[r, c] <= 0.0:
                continue
            i, j = rows[r], cols[c]
            matches.append(
                Match(
                    a=i,
                    b=j,
                    label=label,
                    tiou=float(tiou[r, c]),
                    start_offset=float(a[i][1]) - float(b[j][1]),
                    end_offset=float(a[i][2]) - float(b[j][2]),
                )
            )
    return tuple(sorted(matches, key=lambda m: (m.a, m.b)))


def _merged(spans: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _length(spans: list[tuple[float, float]]) -> float:
    return sum(end - start for start, end in spans)


def _overlap(x: list[tuple[float, float]], y: list[tuple[float, float]]) -> float:
    total, i, j = 0.0, 0, 0
    while i < len(x) and j < len(y):
        total += max(0.0, min(x[i][1], y[j][1]) - max(x[i][0], y[j][0]))
        if x[i][1] < y[j][1]:
            i += 1
        else:
            j += 1
    return total


def labelled_time_overlap(*, a: Sequence[LabelledSegment], b: Sequence[LabelledSegment]) -> tuple[float, float]:
    """(Σ_label |A ∩ B|, Σ_label |A ∪ B|) in seconds, each side's segments of a label merged first."""
    intersection = union = 0.0
    for label in {s[0] for s in a} | {s[0] for s in b}:
        x = _merged((float(s[1]), float(s[2])) for s in a if s[0] == label)
        y = _merged((float(s[1]), float(s[2])) for s in b if s[0] == label)
        common = _overlap(x, y)
        intersection += common
        union += _length(x) + _length(y) - common
    return intersection, union


def pair_agreement(
    *,
    a: Sequence[LabelledSegment],
    b: Sequence[LabelledSegment],
    min_tiou: float = 0.0,
    tolerances: Sequence[float] = BOUNDARY_TOLERANCES,
) -> PairAgreement:
    """Everything the module docstring defines, for one video's two sides."""
    matches = match_labelled(a=a, b=b, min_tiou=min_tiou)
    hits = {tol: sum((abs(m.start_offset) <= tol) + (abs(m.end_offset) <= tol) for m in matches) for tol in tolerances}
    intersection, union = labelled_time_overlap(a=a, b=b)
    return PairAgreement(
        matches=matches,
        a_segments=len(a),
        b_segments=len(b),
        boundary_hits=hits,
        intersection_seconds=intersection,
        union_seconds=union,
    )


def _stat(values: list[float], q: float) -> float | None:
    return float(np.percentile(values, q)) if values else None


def agreement_summary(results: Sequence[PairAgreement], *, tolerances: Sequence[float] = BOUNDARY_TOLERANCES) -> dict:
    """Pool one pair of sides over videos: counts are added before dividing (see the module docstring)."""
    matches = [m for r in results for m in r.matches]
    start = [m.start_offset for m in matches]
    end = [m.end_offset for m in matches]
    a_total = 2 * sum(r.a_segments for r in results)
    b_total = 2 * sum(r.b_segments for r in results)
    union = sum(r.union_seconds for r in results)
    return {
        "videos": len(results),
        "segments_a": a_total // 2,
        "segments_b": b_total // 2,
        "matched": len(matches),
        "start_abs_median": _stat([abs(x) for x in start], 50),
        "start_abs_p90": _stat([abs(x) for x in start], 90),
        "end_abs_median": _stat([abs(x) for x in end], 50),
        "end_abs_p90": _stat([abs(x) for x in end], 90),
        "start_mean_signed": float(np.mean(start)) if start else None,
        "end_mean_signed": float(np.mean(end)) if end else None,
        "boundary_f1": {
            str(tol): _f1(sum(r.boundary_hits[tol] for r in results), a_total, b_total) if results else None
            for tol in tolerances
        },
        "weighted_agreement": (
            (sum(r.intersection_seconds for r in results) / union if union > 0 else 1.0) if results else None
        ),
    }
